// What became of a person's changes (docs/pwa.md, "Conflicts and outcomes"): the conflicts of
// theirs someone else settled, and the `overwritten` notices of last-writer-wins decisions they
// lost (docs/protocol.md). Each is unread until the person has seen it as it is now; the marks
// are kept on the device (meta `outcomesSeen`: {conflict id: stamp}).

export const SEEN_KEY = 'outcomesSeen';

/** Whether conflict `c` is news for `userId` about their own change. */
export function isOutcome(c, userId) {
  if (!c || c.user_id !== userId || c.deleted) return false;
  if (c.kind === 'overwritten') return true;
  return c.status === 'resolved' && c.resolver_id !== userId;
}

/** What has to be seen of it: a notice, and later its settlement, are two things to see. */
export function stamp(c) {
  return c.status === 'resolved' ? `resolved:${c.resolved_at ?? ''}` : 'raised';
}

/** When it happened: the settlement, else the notice. */
export function happenedAt(c) {
  return (c.status === 'resolved' && c.resolved_at) || c.created_at || '';
}

/** Whether `userId` still has to see `c` (their own decision needs no telling). */
export function isUnseen(c, seen, userId) {
  if (c.status === 'resolved' && c.resolver_id === userId) return false;
  return (seen ?? {})[c.id] !== stamp(c);
}

/** The outcomes among `conflicts`, newest first. */
export function outcomesOf(conflicts, userId) {
  return conflicts
    .filter((c) => isOutcome(c, userId))
    .sort((a, b) => (happenedAt(a) < happenedAt(b) ? 1 : happenedAt(a) > happenedAt(b) ? -1 : 0));
}

/** `seen` with every one of `outcomes` marked as seen as it is now. */
export function markSeen(seen, outcomes) {
  const next = { ...(seen ?? {}) };
  for (const c of outcomes) next[c.id] = stamp(c);
  return next;
}
