// One definition of valid (docs/pwa.md, "Validation"): a mutation's args checked against the JSON
// schema the catalog exports (shared/mutations.py → shared/export.py → vocabulary.json
// "mutations"), so the device refuses before queueing exactly what the server would refuse as
// invalid_args. tests/vectors/validation.json holds both sides to the same answers.
//
// A small interpreter of the part of JSON Schema msgspec emits, with msgspec's meanings where
// JavaScript's differ: a length counts code points (Python's len), not UTF-16 units; a pattern
// matches as Python's re.search does ($ also before a final newline, \d any Unicode digit);
// "integer" is a number without a fraction (JSON cannot carry 1.0 apart from 1 to JavaScript).
// Pure: no i18n here (ui/validation.js says a problem in words).

import { vocabulary } from './vocab.js';

/** A mutation the catalog refuses: nothing was queued. `problems` says what and where. */
export class Invalid extends Error {
  constructor(name, problems) {
    const where = problems.map((p) => `${p.path.join('.') || '(args)'} ${p.rule}${p.limit === undefined ? '' : ` ${JSON.stringify(p.limit)}`}`);
    super(`${name}: invalid: ${where.join('; ')}`);
    this.name = 'Invalid';
    this.mutation = name;
    this.problems = problems;
  }
}

/** The exported schema of mutation `name`, or null (not in the catalog, or a vocabulary from
 * before schemas were exported). */
export function schemaOf(name) {
  const schemas = vocabulary().mutations;
  return schemas && Object.hasOwn(schemas, name) ? schemas[name] : null;
}

/** What is wrong with `args` of mutation `name`, as [{path, rule, limit?}]; empty when the
 * server's catalog accepts them. `rule` is one of maxLength, minLength, maximum, minimum,
 * pattern, enum, required, type, unknown, maxItems, minItems, minProperties, nul, maxTotal (an
 * order.create whose lines total more than the vocabulary's order_total_max); `limit` the
 * bound (a number, the allowed values of an enum, the types of a type). A name the catalog does
 * not have is one problem {path: [], rule: 'unknown'} (the server's unknown_mutation). */
export function problems(name, args) {
  const schemas = vocabulary().mutations;
  if (!schemas) return []; // a vocabulary from before the export of schemas: the server checks
  if (!Object.hasOwn(schemas, name)) return [{ path: [], rule: 'unknown' }];
  const out = [];
  nuls(args, [], out);
  walk(schemas[name], args, [], schemas[name], out);
  if (name === 'order.create' && !out.length) orderTotal(args.lines, out);
  return out;
}

// An order's total is bounded (shared/mutations.py ORDER_TOTAL_MAX, checked by the server's
// check()): lines alone could pass the 64 bits of the databases and the 2^53 this side counts
// exactly. Checked once the lines are valid, so every product here is an exact integer.
function orderTotal(lines, out) {
  const max = vocabulary().order_total_max;
  if (max === undefined || !Array.isArray(lines)) return;
  const total = lines.reduce((sum, l) => sum + BigInt(l.qty) * BigInt(l.unit_price), 0n);
  if (total > BigInt(max)) out.push({ path: ['lines'], rule: 'maxTotal', limit: max });
}

// A NUL character anywhere, in a text or a key: sync/push.py refuses it before it decodes the
// args (PostgreSQL's text cannot hold one), so no schema says it.
function nuls(value, path, out) {
  if (typeof value === 'string') {
    if (value.includes('\0')) out.push({ path, rule: 'nul' });
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => nuls(v, [...path, i], out));
  } else if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (key.includes('\0')) out.push({ path, rule: 'nul' });
      else if (v !== undefined) nuls(v, [...path, key], out);
    }
  }
}

/** What is wrong with `value` as the field at `path` of mutation `name`'s args (a form checks a
 * field as it is typed, with the same schema): problems with paths from the args' root. A path
 * the schema does not have: no problems (the whole args are checked before queueing anyway). */
export function valueProblems(name, path, value) {
  const root = schemaOf(name);
  const schema = root && schemaAt(root, path);
  if (!schema) return [];
  const out = [];
  nuls(value, path, out);
  walk(schema, value, path, root, out);
  return out;
}

// The schema of the value at `path` (unions kept whole; through their non-null branch).
function schemaAt(root, path) {
  let schema = root;
  for (const step of path) {
    let s = deref(schema, root);
    if (s?.anyOf) s = deref(s.anyOf.find((b) => deref(b, root).type !== 'null') ?? {}, root);
    schema = typeof step === 'number' ? s?.items : s?.properties?.[step];
    if (!schema) return null;
  }
  return schema;
}

/** Throws Invalid when `args` of `name` have problems (what store.enqueue calls first). */
export function assertValid(name, args) {
  const found = problems(name, args);
  if (found.length) throw new Invalid(name, found);
}

/** The bounds of the value at `path` of mutation `name`'s args, for a form: {maxLength,
 * minLength, minimum, maximum, enum, type, nullable} where the schema has them; {} for a path
 * it does not know. `path` like ['lines', 0, 'qty'] (any index of an array) or ['set', 'notes']. */
export function limitsOf(name, path) {
  const root = schemaOf(name);
  let schema = root && schemaAt(root, path);
  if (!schema) return {};
  schema = deref(schema, root);
  let nullable = false;
  if (schema.anyOf) {
    nullable = schema.anyOf.some((b) => deref(b, root).type === 'null');
    schema = deref(schema.anyOf.find((b) => deref(b, root).type !== 'null') ?? {}, root);
  }
  if (!schema) return {};
  const limits = {};
  for (const key of ['maxLength', 'minLength', 'minimum', 'maximum', 'enum', 'type']) {
    if (schema[key] !== undefined) limits[key] = schema[key];
  }
  const integer = schema.type === 'integer';
  if (schema.exclusiveMinimum !== undefined) limits.minimum = schema.exclusiveMinimum + (integer ? 1 : 0);
  if (schema.exclusiveMaximum !== undefined) limits.maximum = schema.exclusiveMaximum - (integer ? 1 : 0);
  if (schema.const !== undefined) limits.enum = [schema.const];
  if (nullable) limits.nullable = true;
  return limits;
}

/** The length of a text as the server counts it: code points (Python's len), so "😀" is 1. */
export function textLength(text) {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // A high surrogate followed by a low one is one code point.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

// ---- the interpreter ---------------------------------------------------------------------------

function deref(schema, root) {
  let s = schema;
  for (let hops = 0; s && s.$ref && hops < 32; hops++) {
    const m = /^#\/\$defs\/(.+)$/.exec(s.$ref);
    if (!m || !root.$defs?.[m[1]]) throw new Error(`schema: cannot resolve ${s.$ref}`);
    const { $ref, ...rest } = s;
    s = Object.keys(rest).length ? { ...root.$defs[m[1]], ...rest } : root.$defs[m[1]];
  }
  return s;
}

function kindOf(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value; // string, boolean, object (undefined is absent, like a key JSON drops)
}

function typeMatches(type, value) {
  const kind = kindOf(value);
  return [].concat(type).some((t) => t === kind || (t === 'number' && kind === 'integer' && Number.isFinite(value)));
}

function same(a, b) {
  return a === b || (a !== null && b !== null && typeof a === 'object' && JSON.stringify(a) === JSON.stringify(b));
}

function walk(schema, value, path, root, out) {
  const s = deref(schema, root);
  if (!s) return;
  if (s.anyOf) return anyOf(s.anyOf, value, path, root, out);
  if (s.const !== undefined && !same(value, s.const)) return out.push({ path, rule: 'enum', limit: [s.const] });
  if (s.enum && !s.enum.some((e) => same(e, value))) return out.push({ path, rule: 'enum', limit: [...s.enum] });
  if (s.type !== undefined && !typeMatches(s.type, value)) return out.push({ path, rule: 'type', limit: [].concat(s.type) });
  switch (kindOf(value)) {
    case 'string': return text(s, value, path, out);
    case 'integer':
    case 'number': return number(s, value, path, out);
    case 'array': return array(s, value, path, root, out);
    case 'object': return object(s, value, path, root, out);
    default: return undefined;
  }
}

// A union (msgspec: `X | None`, Literal | None): valid if one branch takes the value; else the
// problems of the branch whose type it has (a too-long note, not "not null").
function anyOf(branches, value, path, root, out) {
  let typed = null;
  const types = [];
  for (const branch of branches) {
    const found = [];
    walk(branch, value, path, root, found);
    if (!found.length) return;
    const wrongType = found.length === 1 && found[0].rule === 'type' && found[0].path.length === path.length;
    if (wrongType) types.push(...found[0].limit);
    else typed ??= found;
  }
  if (typed) out.push(...typed);
  else out.push({ path, rule: 'type', limit: [...new Set(types)] });
}

function text(s, value, path, out) {
  const needsLength = s.maxLength !== undefined || s.minLength !== undefined;
  const n = needsLength ? textLength(value) : 0;
  if (s.maxLength !== undefined && n > s.maxLength) out.push({ path, rule: 'maxLength', limit: s.maxLength, actual: n });
  if (s.minLength !== undefined && n < s.minLength) out.push({ path, rule: 'minLength', limit: s.minLength, actual: n });
  if (s.pattern !== undefined && !pythonRegex(s.pattern).test(value)) out.push({ path, rule: 'pattern' });
}

function number(s, value, path, out) {
  const integer = Number.isInteger(value);
  if (s.maximum !== undefined && value > s.maximum) out.push({ path, rule: 'maximum', limit: s.maximum });
  if (s.exclusiveMaximum !== undefined && value >= s.exclusiveMaximum) {
    out.push({ path, rule: 'maximum', limit: integer ? s.exclusiveMaximum - 1 : s.exclusiveMaximum, ...(integer ? {} : { exclusive: true }) });
  }
  if (s.minimum !== undefined && value < s.minimum) out.push({ path, rule: 'minimum', limit: s.minimum });
  if (s.exclusiveMinimum !== undefined && value <= s.exclusiveMinimum) {
    out.push({ path, rule: 'minimum', limit: integer ? s.exclusiveMinimum + 1 : s.exclusiveMinimum, ...(integer ? {} : { exclusive: true }) });
  }
}

function array(s, value, path, root, out) {
  if (s.maxItems !== undefined && value.length > s.maxItems) out.push({ path, rule: 'maxItems', limit: s.maxItems });
  if (s.minItems !== undefined && value.length < s.minItems) out.push({ path, rule: 'minItems', limit: s.minItems });
  if (s.items) value.forEach((item, i) => walk(s.items, item, [...path, i], root, out));
}

function object(s, value, path, root, out) {
  const keys = Object.keys(value).filter((k) => value[k] !== undefined);
  for (const key of s.required ?? []) {
    if (value[key] === undefined) out.push({ path: [...path, key], rule: 'required' });
  }
  if (s.minProperties !== undefined && keys.length < s.minProperties) out.push({ path, rule: 'minProperties', limit: s.minProperties });
  if (s.maxProperties !== undefined && keys.length > s.maxProperties) out.push({ path, rule: 'maxProperties', limit: s.maxProperties });
  const properties = s.properties ?? {};
  for (const key of keys) {
    if (Object.hasOwn(properties, key)) walk(properties[key], value[key], [...path, key], root, out);
    else if (s.additionalProperties === false) out.push({ path: [...path, key], rule: 'unknown' });
    else if (s.additionalProperties && typeof s.additionalProperties === 'object') {
      walk(s.additionalProperties, value[key], [...path, key], root, out);
    }
  }
}

// Python's re (which msgspec matches patterns with, by re.search) as a JavaScript RegExp: $
// outside a class is "at the end or before a final newline", \d any Unicode decimal digit, \A
// and \Z the ends. Enough for the catalog's patterns; anything else is taken as JavaScript has it.
const compiled = new Map();
export function pythonRegex(pattern) {
  let re = compiled.get(pattern);
  if (re) return re;
  let js = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      const next = pattern[++i];
      if (next === 'd') js += '\\p{Nd}';
      else if (next === 'D') js += '\\P{Nd}';
      else if (next === 'A' && !inClass) js += '^';
      else if (next === 'Z' && !inClass) js += '$';
      else js += `\\${next}`;
    } else if (c === '[' && !inClass) {
      inClass = true;
      js += c;
      if (pattern[i + 1] === '^') js += pattern[++i];
      if (pattern[i + 1] === ']') js += `\\${pattern[++i]}`; // a leading ] is a literal in Python
    } else if (c === ']' && inClass) {
      inClass = false;
      js += c;
    } else if (c === '$' && !inClass) {
      js += '(?=\\n?$)';
    } else {
      js += c;
    }
  }
  re = new RegExp(js, 'u');
  compiled.set(pattern, re);
  return re;
}
