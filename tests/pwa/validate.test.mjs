// pwa/js/core/validate.js refuses exactly what the server refuses: every vector of
// tests/vectors/validation.json (generated from the catalog's exported schemas; the server is
// held to the same file by tests/sync/test_validation_vectors.py).

// node resolves bare names from the importing file: the PWA's packages live in pwa/node_modules.
import '../../pwa/node_modules/fake-indexeddb/auto/index.mjs';

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import {
  Invalid, assertValid, limitsOf, problems, pythonRegex, textLength, valueProblems,
} from '../../pwa/js/core/validate.js';
import { useVocabulary } from '../../pwa/js/core/vocab.js';
import { openStore } from '../../pwa/js/store.js';
import { vectors, vocabularyJson } from './helpers.mjs';

const V = vectors('validation.json').vectors;

/** A vector's args as sent: {"$repeat": c, "times": n} is c n times, {"$items": item, "times":
 * n} n copies of item with the ids line-0000, line-0001, … (validation_vectors.py packs them). */
function unpack(value) {
  if (Array.isArray(value)) return value.map(unpack);
  if (value && typeof value === 'object') {
    if ('$repeat' in value) return value.$repeat.repeat(value.times);
    if ('$items' in value) {
      const item = unpack(value.$items);
      return Array.from({ length: value.times }, (_, i) => (
        item && typeof item === 'object' && 'id' in item ? { ...structuredClone(item), id: `line-${String(i).padStart(4, '0')}` } : structuredClone(item)));
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unpack(v)]));
  }
  return value;
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

describe('validate: the server\'s answer for every vector', () => {
  before(() => useVocabulary(vocabularyJson()));

  test('the vectors cover every mutation of the vocabulary, valid and not', () => {
    const names = Object.keys(vocabularyJson().mutations);
    for (const name of names) {
      assert.deepEqual([...new Set(V.filter((v) => v.name === name).map((v) => v.valid))].sort(), [false, true], name);
    }
  });

  test('problems() is empty exactly for the valid vectors, and names the bound of the others', () => {
    const wrong = [];
    for (const v of V) {
      const found = problems(v.name, unpack(v.args));
      if (v.valid && found.length) wrong.push(`${v.name}: ${v.what}: refused ${JSON.stringify(found)}`);
      else if (!v.valid && !found.length) wrong.push(`${v.name}: ${v.what}: accepted`);
      else if (!v.valid && !found.some((p) => same(p.path, v.path) && p.rule === v.rule)) {
        wrong.push(`${v.name}: ${v.what}: wanted ${v.rule} at ${JSON.stringify(v.path)}, got ${JSON.stringify(found)}`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  test('a bound\'s limit is the schema\'s', () => {
    for (const v of V.filter((x) => !x.valid && x.limit !== undefined)) {
      const found = problems(v.name, unpack(v.args)).find((p) => same(p.path, v.path) && p.rule === v.rule);
      assert.equal(found.limit, v.limit, `${v.name}: ${v.what}`);
    }
  });

  test('assertValid throws Invalid with the problems, and nothing for valid args', () => {
    const bad = V.find((v) => !v.valid && v.rule === 'maxLength');
    assert.throws(() => assertValid(bad.name, unpack(bad.args)), (e) => e instanceof Invalid && e.problems.length > 0 && e.mutation === bad.name);
    const good = V.find((v) => v.valid);
    assert.doesNotThrow(() => assertValid(good.name, unpack(good.args)));
  });

  test('valueProblems() of the one field a vector is about answers as problems() does', () => {
    const wrong = [];
    for (const v of V.filter((x) => x.path.length && !['required', 'unknown'].includes(x.rule))) {
      const value = v.path.reduce((at, step) => at?.[step], unpack(v.args));
      if (value === undefined) continue;
      const found = valueProblems(v.name, v.path, value);
      if ((found.length === 0) !== v.valid) wrong.push(`${v.name}: ${v.what}: ${JSON.stringify(found)}`);
    }
    assert.deepEqual(wrong, []);
  });

  test('a mutation the catalog does not have', () => {
    assert.deepEqual(problems('order.delete', { id: 'x' }), [{ path: [], rule: 'unknown' }]);
  });
});

describe('validate: limits for forms', () => {
  before(() => useVocabulary(vocabularyJson()));

  test('text, money, quantity and enums', () => {
    assert.deepEqual(limitsOf('order.create', ['notes']), { maxLength: 2000, type: 'string', nullable: true });
    assert.deepEqual(limitsOf('order.create', ['lines', 0, 'qty']), { minimum: 1, maximum: 1_000_000, type: 'integer' });
    assert.deepEqual(limitsOf('order.create', ['lines', 3, 'unit_price']), { minimum: 0, maximum: 10 ** 12, type: 'integer' });
    assert.deepEqual(limitsOf('order.update', ['set', 'delivery_address']), { maxLength: 2000, type: 'string', nullable: true });
    assert.deepEqual(limitsOf('customer.upsert', ['name']), { maxLength: 200, minLength: 1, type: 'string' });
    assert.deepEqual(limitsOf('order.create', ['priority']).enum, ['high', 'low', 'normal']);
    assert.deepEqual(limitsOf('payment.record', ['amount']), { minimum: -(10 ** 12), maximum: 10 ** 12, type: 'integer' });
  });

  test('an order total past order_total_max (lines each within their bounds)', () => {
    const order = (n, qty, price) => ({
      id: 'o1', number: 'K7F-00001', customer_id: 'c1',
      lines: Array.from({ length: n }, (_, i) => ({ id: `l${i}`, product_id: 'p1', qty, unit_price: price })),
    });
    const max = vocabularyJson().order_total_max;
    assert.equal(max, 10 ** 15);
    assert.deepEqual(problems('order.create', order(1, 1_000_000, 10 ** 9)), [], 'exactly the bound');
    assert.deepEqual(problems('order.create', order(10, 1_000_000, 10 ** 12)),
      [{ path: ['lines'], rule: 'maxTotal', limit: max }]);
    assert.deepEqual(problems('order.create', order(1, 1_000_000, 10 ** 9 + 1)).map((p) => p.rule), ['maxTotal']);
  });

  test('a path the schema does not have', () => {
    assert.deepEqual(limitsOf('order.create', ['nope']), {});
    assert.deepEqual(limitsOf('no.such', ['notes']), {});
  });
});

describe('validate: Python\'s meanings', () => {
  test('a length counts code points', () => {
    assert.equal(textLength('😀'), 1);
    assert.equal(textLength('e\u0301'), 2);
    assert.equal(textLength('字'.repeat(3)), 3);
    assert.equal(textLength('\ud800x'), 2); // a lone surrogate is one, as Python counts it
  });

  test('$ matches before a final newline, \\d any digit', () => {
    assert.ok(pythonRegex('^a$').test('a\n'));
    assert.ok(!pythonRegex('^a$').test('a\n\n'));
    assert.ok(pythonRegex('^\\d$').test('٣'));
    assert.ok(pythonRegex('^[$]$').test('$'));
  });
});

describe('store.enqueue refuses before queueing', () => {
  before(() => useVocabulary(vocabularyJson()));

  test('the 2,500-character note and the unit price of 99,999,999,999.00: nothing reaches the outbox', async () => {
    const store = await openStore({ user: { id: 'u-validate', role: 'sales', name: 'Rep' }, device: { code: 'VAL', order_counter: 0 } });
    const line = { id: 'l1', product_id: 'p1', qty: 1, unit_price: 1200 };
    const order = { id: 'o1', number: 'VAL-00001', customer_id: 'c1', lines: [line] };
    await assert.rejects(store.enqueue('order.create', { ...order, notes: 'x'.repeat(2500) }), (e) => (
      e instanceof Invalid && same(e.problems, [{ path: ['notes'], rule: 'maxLength', limit: 2000, actual: 2500 }])));
    await assert.rejects(store.enqueue('order.create', { ...order, lines: [{ ...line, unit_price: 99_999_999_999_00 }] }), (e) => (
      e instanceof Invalid && same(e.problems, [{ path: ['lines', 0, 'unit_price'], rule: 'maximum', limit: 10 ** 12 }])));
    assert.equal(await store.pendingCount(), 0);
    await store.enqueue('order.create', { ...order, notes: '😀'.repeat(2000) }); // 2,000 code points: taken
    assert.equal(await store.pendingCount(), 1);
    assert.equal((await store.outbox())[0].id, 1, 'the refused ones used no mutation id');
    store.close();
  });
});
