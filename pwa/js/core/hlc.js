// Hybrid logical clock (docs/protocol.md § Hybrid logical clock), the port of sync/hlc.py.
// Text form `<ms:15 digits>-<counter:5 digits>-<node>` sorts in causal order, as in Python and SQL.

const FORM = /^([0-9]{15})-([0-9]{5})-([A-Za-z0-9_-]{1,40})$/;
export const MAX_COUNTER = 99_999;

/** A text that is not an HLC timestamp. */
export class BadHlc extends Error {
  constructor(message) {
    super(message);
    this.name = 'BadHlc';
  }
}

/** One timestamp; `String(ts)` and `JSON.stringify(ts)` give its text form. */
export class Timestamp {
  constructor(ms, counter, node) {
    this.ms = ms;
    this.counter = counter;
    this.node = node;
    Object.freeze(this);
  }

  toString() {
    return format(this);
  }

  toJSON() {
    return format(this);
  }
}

/** The Timestamp of a text form; throws BadHlc. */
export function parse(text) {
  const m = typeof text === 'string' ? FORM.exec(text) : null;
  if (!m) throw new BadHlc(`not an HLC timestamp: ${JSON.stringify(String(text).slice(0, 80))}`);
  return new Timestamp(Number(m[1]), Number(m[2]), m[3]);
}

/** The text form of `{ms, counter, node}`. */
export function format({ ms, counter, node }) {
  return `${String(ms).padStart(15, '0')}-${String(counter).padStart(5, '0')}-${node}`;
}

function asTimestamp(t) {
  return typeof t === 'string' ? parse(t) : new Timestamp(t.ms, t.counter, t.node);
}

/** One node's clock: `now()` for a local event, `receive(remote)` when a remote one is seen.
 *  `last` (a Timestamp, its text, or null) is where it goes on from; `wall()` gives the time in
 *  milliseconds. */
export class Clock {
  constructor(node, last = null, wall = Date.now) {
    this.node = node;
    this._wall = wall;
    this.last = last ? asTimestamp(last) : new Timestamp(0, 0, node);
  }

  /** The Timestamp of a local event. */
  now() {
    const wall = this._wall();
    if (wall > this.last.ms) this.last = new Timestamp(wall, 0, this.node);
    else this.last = this._bump(this.last.ms, this.last.counter + 1);
    return this.last;
  }

  /** The Timestamp after seeing `remote` (a Timestamp, or its text: BadHlc when malformed). */
  receive(remote) {
    const r = asTimestamp(remote);
    const wall = this._wall();
    const last = this.last;
    const ms = Math.max(wall, last.ms, r.ms);
    let counter;
    if (ms === last.ms && ms === r.ms) counter = Math.max(last.counter, r.counter) + 1;
    else if (ms === last.ms) counter = last.counter + 1;
    else if (ms === r.ms) counter = r.counter + 1;
    else counter = 0;
    this.last = this._bump(ms, counter);
    return this.last;
  }

  _bump(ms, counter) {
    // A counter overflow borrows a millisecond from the future rather than wrapping.
    if (counter > MAX_COUNTER) return new Timestamp(ms + 1, 0, this.node);
    return new Timestamp(ms, counter, this.node);
  }
}
