// Outbox bookkeeping on a plain state object, the port of tests/device/local_store.py LocalStore's outbox half
// (tests/vectors/outbox.json). No storage here: the store loads the state, calls these (which
// change the state object given, like LocalStore's methods change the store) and saves it.
//
// State: `{outbox, unpulled, lastMutationId, nextMutationId}`. `outbox` holds what the server has
// not acknowledged, in id order; `unpulled` what it acknowledged to a push but no pull has shown
// back yet: the view keeps applying those, so an edit does not flicker away between a push and
// the pull that follows it. A mutation is `{id, name, args, hlc, user_id}` (the wire form).

/** The state of a new installation. */
export function emptyOutbox() {
  return { outbox: [], unpulled: [], lastMutationId: 0, nextMutationId: 1 };
}

/** Queues a mutation (`hlc`: the text of the clock's `now()`); returns it. */
export function enqueue(state, name, args, hlc, userId = null) {
  const mutation = { id: state.nextMutationId, name, args, hlc: String(hlc), user_id: userId ?? null };
  state.nextMutationId += 1;
  state.outbox = [...state.outbox, mutation];
  return mutation;
}

/** A push answered: mutations up to `last` are applied on the server. Returns `state`. */
export function acknowledged(state, last) {
  state.unpulled = [...state.unpulled, ...state.outbox.filter((m) => m.id <= last)];
  state.outbox = state.outbox.filter((m) => m.id > last);
  return seen(state, last);
}

/** A whole pull answered: the rows now hold the effects of mutations up to `last`.
 *  Acknowledged mutations above `last` are ones the server no longer has (it was restored from a
 *  backup): they go back to the outbox under their ids, for the next push to send (the server
 *  answers a gap, or `duplicate` if it had them after all). Returns `state`. */
export function pulled(state, last) {
  const lost = state.unpulled.filter((m) => m.id > last);
  state.unpulled = [];
  state.outbox = [...lost, ...state.outbox.filter((m) => m.id > last)].sort((x, y) => x.id - y.id);
  return seen(state, last);
}

/** The server's last applied mutation is `serverLast` and it wants `serverLast + 1` next (a
 *  gap). Whatever it has not applied is queued again under the ids it expects, so nothing made
 *  here is dropped, even when the server lost mutations it had acknowledged (restored from a
 *  backup). Renumbered mutations keep their content and HLC. Returns `state`. */
export function resumeAfter(state, serverLast) {
  const keep = [...state.unpulled, ...state.outbox]
    .filter((m) => m.id > serverLast)
    .sort((x, y) => x.id - y.id); // stable, like Python's sorted
  state.unpulled = state.unpulled.filter((m) => m.id <= serverLast);
  state.outbox = keep.map((m, i) => ({ ...m, id: serverLast + 1 + i }));
  state.nextMutationId = serverLast + 1 + keep.length;
  state.lastMutationId = serverLast;
  return state;
}

/** The mutations the view applies on top of the pulled rows, in order: the unpulled ones (but
 *  those in `skip`, ids the server rejected) and then the outbox. */
export function pending(state, skip = []) {
  const skipped = new Set(skip);
  return [...state.unpulled.filter((m) => !skipped.has(m.id)), ...state.outbox];
}

function seen(state, last) {
  state.lastMutationId = Math.max(state.lastMutationId, last);
  // The server knows ids this installation never issued (its data was restored from an older
  // copy): new mutations must not reuse them, or they would be taken for duplicates.
  state.nextMutationId = Math.max(state.nextMutationId, last + 1);
  return state;
}
