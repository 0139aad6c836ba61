// Sync protocol v1 messages (docs/protocol.md), as sync/protocol.py declares them.
// Request bodies: `JSON.stringify(pushRequest(...))` is byte for byte what msgspec.json.encode
// gives for the same PushRequest (fields in declaration order, None as null, nothing omitted).
// Responses: checked the way msgspec decodes them, into plain objects.
// The fields' bounds are the server's (shared/protocol_limits.py, in the vocabulary's `protocol`).

import { vocabulary } from './vocab.js';

export const MUTATION_STATUSES = Object.freeze(['applied', 'merged', 'conflict', 'rejected', 'duplicate']);

/** The bounds of the protocol's fields, as the server declares them. */
function limits() {
  return vocabulary().protocol;
}

/** A message that does not have the protocol's shape (sent or received). */
export class ProtocolError extends Error {
  constructor(message) {
    super(message);
    this.name = 'ProtocolError';
  }
}

// ---- requests -------------------------------------------------------------------------------

/** The body of `POST /api/sync/push`: `mutations` are `{id, name, args, hlc, user_id}`;
 *  `pending`: how many mutations the device still has queued (optional). */
export function pushRequest({ clientId, mutations, pending = null }) {
  const lim = limits();
  checkClientId(clientId);
  if (!Array.isArray(mutations)) fail('push request', 'mutations', 'an array', mutations);
  if (pending !== null && !intIn(pending, 0, lim.pending_max)) {
    fail('push request', 'pending', `null or an integer 0…${lim.pending_max}`, pending);
  }
  return {
    client_id: clientId,
    schema: lim.schema,
    mutations: mutations.map((m, i) => mutationIn(m, `mutations[${i}]`)),
    pending,
  };
}

/** The body of `POST /api/sync/pull`: `cursor` null starts an initial sync; `limit` defaults to
 *  the server's default. */
export function pullRequest({ clientId, cursor = null, limit = limits().pull_limit_default }) {
  const lim = limits();
  checkClientId(clientId);
  // An empty text is not null: the server refuses it rather than start an initial sync.
  const maxCursor = lim.cursor_max_length;
  if (cursor !== null && !(typeof cursor === 'string' && cursor !== '' && codePoints(cursor) <= maxCursor)) {
    fail('pull request', 'cursor', `null or a text of 1 to ${maxCursor} characters`, cursor);
  }
  if (!intIn(limit, 1, lim.pull_limit_max)) {
    fail('pull request', 'limit', `an integer 1…${lim.pull_limit_max}`, limit);
  }
  return { client_id: clientId, schema: lim.schema, cursor, limit };
}

function checkClientId(clientId) {
  const lim = limits();
  // The pattern is ASCII only: its length in code units is its length in characters.
  const ok =
    typeof clientId === 'string' &&
    clientId.length >= lim.client_id_min_length &&
    clientId.length <= lim.client_id_max_length &&
    new RegExp(lim.client_id_pattern).test(clientId);
  if (!ok) {
    const range = `${lim.client_id_min_length}–${lim.client_id_max_length}`;
    fail('request', 'client_id', `${range} characters matching ${lim.client_id_pattern}`, clientId);
  }
}

function mutationIn(m, path) {
  const where = 'push request';
  if (!isDict(m)) fail(where, path, 'a mutation object', m);
  const lim = limits();
  // mutation_id_max is above Number.MAX_SAFE_INTEGER: any safe integer fits.
  if (!intIn(m.id, 1, lim.mutation_id_max)) fail(where, `${path}.id`, 'an integer ≥ 1', m.id);
  const maxText = lim.mutation_text_max_length;
  for (const f of ['name', 'hlc']) {
    const v = m[f];
    if (typeof v !== 'string' || codePoints(v) > maxText || v.includes('\0')) {
      fail(where, `${path}.${f}`, `a text of at most ${maxText} characters without NUL`, v);
    }
  }
  if (!isDict(m.args)) fail(where, `${path}.args`, 'an object', m.args);
  checkJson(m.args, `${path}.args`);
  const userId = m.user_id ?? null;
  if (userId !== null && typeof userId !== 'string') fail(where, `${path}.user_id`, 'null or a text', userId);
  return { id: m.id, name: m.name, args: m.args, hlc: m.hlc, user_id: userId };
}

/** Values JSON.stringify would drop or change silently are refused instead. */
function checkJson(v, path) {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) fail('push request', path, 'a finite number', v);
    return;
  }
  if (Array.isArray(v)) {
    v.forEach((x, i) => checkJson(x, `${path}[${i}]`));
    return;
  }
  if (isDict(v) && [Object.prototype, null].includes(Object.getPrototypeOf(v))) {
    for (const [k, x] of Object.entries(v)) checkJson(x, `${path}.${k}`);
    return;
  }
  fail('push request', path, 'a JSON value', v);
}

// ---- responses ------------------------------------------------------------------------------

/** A push response (parsed JSON, or its text) checked and with defaults filled in:
 *  `{last_mutation_id, results: [{id, status, conflict_id, error, message}]}`. */
export function checkPushResponse(body) {
  const r = new Reader('push response', body);
  const lastMutationId = r.int(r.body, 'last_mutation_id');
  const results = r.list(r.body, 'results', (item, path) => ({
    id: r.int(item, 'id', path),
    status: r.oneOf(item, 'status', MUTATION_STATUSES, path),
    conflict_id: r.optText(item, 'conflict_id', path),
    error: r.optText(item, 'error', path),
    message: r.optText(item, 'message', path),
  }));
  return { last_mutation_id: lastMutationId, results };
}

/** A pull response checked: `{cursor, last_mutation_id, more, reset, changes, snapshot}` with
 *  changes `{t, id, op, v, row?}` (`row` left out when absent or null, as msgspec gives it) and
 *  `snapshot` `{done, total}` while an initial sync (or a reset) pages, else null. */
export function checkPullResponse(body) {
  const r = new Reader('pull response', body);
  const out = {
    cursor: r.text(r.body, 'cursor'),
    last_mutation_id: r.int(r.body, 'last_mutation_id'),
    more: r.bool(r.body, 'more'),
    reset: r.bool(r.body, 'reset'),
    changes: r.list(r.body, 'changes', (item, path) => {
      const change = {
        t: r.text(item, 't', path),
        id: r.text(item, 'id', path),
        op: r.oneOf(item, 'op', ['put', 'del'], path),
        v: r.int(item, 'v', path),
      };
      const row = r.optDict(item, 'row', path);
      if (row !== null) change.row = row;
      return change;
    }),
  };
  const s = r.optDict(r.body, 'snapshot');
  out.snapshot =
    s === null ? null : { done: r.int(s, 'done', 'snapshot'), total: r.int(s, 'total', 'snapshot') };
  return out;
}

class Reader {
  constructor(what, body) {
    this.what = what;
    if (typeof body === 'string') {
      try {
        body = JSON.parse(body);
      } catch (e) {
        throw new ProtocolError(`${what}: not JSON (${e.message})`);
      }
    }
    if (!isDict(body)) fail(what, '$', 'an object', body);
    this.body = body;
  }

  field(obj, key, path, expected, ok, optional = false) {
    const at = path ? `${path}.${key}` : key;
    if (!Object.hasOwn(obj, key)) {
      if (optional) return null;
      throw new ProtocolError(`${this.what}: ${at} is missing`);
    }
    const v = obj[key];
    if (optional && v === null) return null;
    if (!ok(v)) fail(this.what, at, expected, v);
    return v;
  }

  int(obj, key, path = '') {
    return this.field(obj, key, path, 'an integer', Number.isSafeInteger);
  }

  bool(obj, key, path = '') {
    return this.field(obj, key, path, 'true or false', (v) => typeof v === 'boolean');
  }

  text(obj, key, path = '') {
    return this.field(obj, key, path, 'a text', (v) => typeof v === 'string');
  }

  optText(obj, key, path = '') {
    return this.field(obj, key, path, 'null or a text', (v) => typeof v === 'string', true);
  }

  dict(obj, key, path = '') {
    return this.field(obj, key, path, 'an object', isDict);
  }

  optDict(obj, key, path = '') {
    return this.field(obj, key, path, 'null or an object', isDict, true);
  }

  oneOf(obj, key, values, path = '') {
    return this.field(obj, key, path, `one of ${values.join(', ')}`, (v) => values.includes(v));
  }

  list(obj, key, each) {
    const items = this.field(obj, key, '', 'an array', Array.isArray);
    return items.map((item, i) => {
      const path = `${key}[${i}]`;
      if (!isDict(item)) fail(this.what, path, 'an object', item);
      return each(item, path);
    });
  }
}

// ---- errors ---------------------------------------------------------------------------------

/** What the sync loop does about an error answer, by its `code` (docs/protocol.md § Errors). */
export const ERRORS = Object.freeze({
  mutation_gap: Object.freeze({
    kind: 'gap',
    status: 409,
    meaning: 'the server expects mutations from last_mutation_id + 1: renumber and resend from there',
  }),
  too_large: Object.freeze({
    kind: 'too_large',
    status: 413,
    meaning: 'too many mutations or bytes in one push: send fewer (limits says how many)',
  }),
  upgrade_required: Object.freeze({
    kind: 'upgrade_required',
    status: 409,
    meaning: 'the server does not speak this protocol schema: update the app',
  }),
  device_revoked: Object.freeze({
    kind: 'device_revoked',
    status: 401,
    meaning: 'this device was revoked: log in again (a new device); the outbox is kept and pushed then',
  }),
  unauthorized: Object.freeze({
    kind: 'unauthorized',
    status: 401,
    meaning: 'not logged in, or the session ended: log in again; the outbox is kept',
  }),
  bad_cursor: Object.freeze({
    kind: 'bad_cursor',
    status: 400,
    meaning: 'the server never issued this cursor: start an initial sync (cursor null)',
  }),
});

// Answers that say "not now" rather than "no" (= sync/transport.py): send the same again later.
const RETRYABLE_STATUS = new Set([408, 425, 429]);
const BY_STATUS = { 401: 'unauthorized', 403: 'forbidden', 413: 'too_large' };

/** An HTTP error answer as the sync loop sees it (= tests/device/transport.py error_from_body, plus the
 *  retry rule of HttpTransport): `{kind, code, status, message, lastMutationId, limits}`.
 *  `kind`: a kind of ERRORS, `retry` (5xx, 408, 425, 429: back off and send again) or `error`. */
export function classifyError(status, body) {
  const base = { status, lastMutationId: null, limits: null };
  if (status >= 500 || RETRYABLE_STATUS.has(status)) {
    return { ...base, kind: 'retry', code: `http_${status}`, message: `HTTP ${status}` };
  }
  let parsed = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      parsed = undefined;
    }
  }
  const isBody =
    isDict(parsed) &&
    typeof parsed.code === 'string' &&
    typeof parsed.message === 'string' &&
    (parsed.last_mutation_id == null || Number.isSafeInteger(parsed.last_mutation_id)) &&
    (parsed.limits == null ||
      (isDict(parsed.limits) && Object.values(parsed.limits).every(Number.isSafeInteger)));
  if (!isBody) {
    const code = BY_STATUS[status] ?? `http_${status}`;
    const text = typeof body === 'string' ? body.slice(0, 200) : JSON.stringify(body ?? null).slice(0, 200);
    return { ...base, kind: ERRORS[code]?.kind ?? 'error', code, message: `HTTP ${status}: ${text}` };
  }
  return {
    ...base,
    kind: Object.hasOwn(ERRORS, parsed.code) ? ERRORS[parsed.code].kind : 'error',
    code: parsed.code,
    message: parsed.message,
    lastMutationId: parsed.last_mutation_id ?? null,
    limits: parsed.limits ?? null,
  };
}

// ---- helpers --------------------------------------------------------------------------------

function isDict(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function intIn(v, lo, hi) {
  return Number.isSafeInteger(v) && v >= lo && v <= hi;
}

function codePoints(s) {
  let n = 0;
  for (const _ of s) n += 1;
  return n;
}

function describe(v) {
  if (v === undefined) return 'nothing';
  let text;
  try {
    text = JSON.stringify(v);
  } catch {
    text = undefined; // a BigInt, a cycle
  }
  return text === undefined ? String(v) : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function fail(what, path, expected, got) {
  throw new ProtocolError(`${what}: ${path} must be ${expected}, not ${describe(got)}`);
}
