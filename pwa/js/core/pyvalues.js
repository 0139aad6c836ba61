// How sync/optimistic.py's Python reads JSON values, for the port in optimistic.js: truthiness,
// `a[k]` and `a.get(k)`, `==`, dict keys, and the time an HLC stands for. A `Malformed` is what
// Python would raise (KeyError, TypeError, AttributeError): the mutation is skipped.

import { parse } from './hlc.js';

/** Args that do not fit: the mutation changes nothing. */
export class Malformed extends Error {}

export function isDict(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Python truthiness of a JSON value (for `x or default`). */
export function truthy(v) {
  if (Array.isArray(v)) return v.length > 0;
  if (isDict(v)) return Object.keys(v).length > 0;
  return Boolean(v);
}

export function or(v, fallback) {
  return truthy(v) ? v : fallback;
}

/** `a[k]`: a KeyError (or a TypeError on a non-dict) is Malformed. */
export function req(a, k) {
  if (!isDict(a) || !Object.hasOwn(a, k)) throw new Malformed(k);
  return a[k];
}

/** `a.get(k)`. */
export function get(a, k) {
  if (!isDict(a)) throw new Malformed(k);
  return Object.hasOwn(a, k) && a[k] !== undefined ? a[k] : null;
}

/** A row id used as a key. Python takes any hashable value; here only text is an id. */
export function key(v) {
  if (typeof v !== 'string') throw new Malformed('id');
  return v;
}

export function isNumber(v) {
  return typeof v === 'number' || typeof v === 'boolean'; // Python's bool is an int
}

export function times(qty, price) {
  if (!isNumber(qty) || !isNumber(price)) throw new Malformed('qty');
  return qty * price;
}

/** Python `==` on JSON values (1 == 1.0 == True, lists and dicts by content). */
export function pyEq(x, y) {
  if (isNumber(x) && isNumber(y)) return Number(x) === Number(y);
  if (Array.isArray(x) && Array.isArray(y)) {
    return x.length === y.length && x.every((v, i) => pyEq(v, y[i]));
  }
  if (isDict(x) && isDict(y)) {
    const kx = Object.keys(x);
    return kx.length === Object.keys(y).length && kx.every((k) => Object.hasOwn(y, k) && pyEq(x[k], y[k]));
  }
  return x === y;
}

export function table(view, name) {
  if (!Object.hasOwn(view, name)) view[name] = {};
  return view[name];
}

export function own(rows, id) {
  return Object.hasOwn(rows, id) ? rows[id] : undefined;
}

/** `rows[id] = row`, also for an id like `__proto__`. */
export function put(rows, id, row) {
  Object.defineProperty(rows, id, { value: row, writable: true, enumerable: true, configurable: true });
}

// ---- time -------------------------------------------------------------------------------------

const MAX_PY_MS = 253_402_300_799_999; // 9999-12-31T23:59:59.999Z, the end of Python's datetime

export function currentIso() {
  return new Date().toISOString();
}

function roundHalfEven(x) {
  const r = Math.round(x);
  return Math.abs(x - r) === 0.5 ? 2 * Math.round(x / 2) : r;
}

/** When the user made the edit (its HLC), not when the view is computed: the same state always
 *  gives the same view. Exactly Python's `datetime.fromtimestamp(ms / 1000, UTC)` cut to
 *  milliseconds, which rounds through a float (far-future times can come out 1 ms early). */
export function hlcIso(hlc, nowIso) {
  let ms;
  try {
    ms = parse(hlc).ms;
  } catch {
    return nowIso();
  }
  if (ms > MAX_PY_MS) return nowIso();
  const t = ms / 1000;
  let seconds = Math.trunc(t);
  let us = roundHalfEven((t - seconds) * 1e6);
  if (us >= 1e6) {
    us -= 1e6;
    seconds += 1;
  }
  return new Date(seconds * 1000 + Math.floor(us / 1000)).toISOString();
}
