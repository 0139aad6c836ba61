import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { apply, rebase, touches } from '../../pwa/js/core/optimistic.js';
import { useVocabulary } from '../../pwa/js/core/vocab.js';
import { clone, vectors, vocabularyJson } from './helpers.mjs';

const V = vectors('optimistic.json');
const options = { nowIso: () => V.fallback_now };

function nonEmpty(view) {
  return Object.fromEntries(Object.entries(view).filter(([, rows]) => Object.keys(rows).length > 0));
}

/** The whole view a case expects: its mirror with `view_diff` laid over it. */
function expectedView(mirror, diff) {
  const view = clone(mirror);
  for (const [t, rows] of Object.entries(diff)) {
    for (const [id, row] of Object.entries(rows)) {
      view[t] ??= {};
      if (row === null) delete view[t][id];
      else view[t][id] = row;
    }
  }
  return nonEmpty(view);
}

function mirrorOf(c) {
  return clone(c.mirror ?? V.base_mirror);
}

/** What a store would load for `pending`: the rows `touches` names, asked again as rows come. */
function touchedRows(mirror, pending) {
  const loaded = {};
  for (let grew = true; grew; ) {
    grew = false;
    for (const m of pending) {
      for (const t of touches(m, loaded)) {
        const rows = mirror[t.t] ?? {};
        const found =
          t.id !== undefined
            ? Object.hasOwn(rows, t.id) ? [[t.id, rows[t.id]]] : []
            : Object.entries(rows).filter(([, row]) => row[t.index] === t.value);
        for (const [id, row] of found) {
          loaded[t.t] ??= {};
          if (!Object.hasOwn(loaded[t.t], id)) {
            loaded[t.t][id] = row;
            grew = true;
          }
        }
      }
    }
  }
  return loaded;
}

before(() => useVocabulary(vocabularyJson()));

describe('optimistic: the vectors of sync/optimistic.py', () => {
  for (const c of V.cases) {
    test(c.name, () => {
      const mirror = mirrorOf(c);
      const untouched = clone(mirror);
      const view = rebase(mirror, c.pending, c.user_id, options);
      assert.deepEqual(nonEmpty(view), expectedView(untouched, c.view_diff));
      assert.deepEqual(mirror, untouched, 'rebase left the mirror alone');

      const stepwise = rebase(mirror, [], c.user_id, options);
      assert.deepEqual(
        c.pending.map((m) => apply(stepwise, m, c.user_id, options)),
        c.changed,
        'what each apply returned',
      );
      assert.deepEqual(stepwise, view);
    });
  }

  test('the time of every HLC', () => {
    for (const { hlc, iso } of V.hlc_times) {
      const view = {};
      assert.equal(apply(view, { name: 'customer.upsert', args: { id: 'c', name: 'n' }, hlc }, null, options), true);
      assert.equal(view.customers.c.created_at, iso, hlc);
    }
  });
});

describe('optimistic: touches', () => {
  for (const c of V.cases) {
    test(`the rows it names are enough: ${c.name}`, () => {
      const mirror = mirrorOf(c);
      const full = rebase(mirror, c.pending, c.user_id, options);
      const partial = touchedRows(mirror, c.pending);
      const view = rebase(partial, c.pending, c.user_id, options);
      for (const [t, rows] of Object.entries(view)) {
        for (const [id, row] of Object.entries(rows)) assert.deepEqual(row, full[t]?.[id], `${t} ${id}`);
      }
      for (const t of new Set([...Object.keys(mirror), ...Object.keys(full)])) {
        for (const id of new Set([...Object.keys(mirror[t] ?? {}), ...Object.keys(full[t] ?? {})])) {
          if (mirror[t]?.[id] !== full[t]?.[id]) assert.deepEqual(view[t]?.[id], full[t]?.[id], `changed ${t} ${id}`);
        }
      }
      const stepwise = rebase(partial, [], c.user_id, options);
      assert.deepEqual(c.pending.map((m) => apply(stepwise, m, c.user_id, options)), c.changed);
    });
  }

  test('what each mutation names', () => {
    const hlc = '001763892000123-00000-n';
    const t = (name, args, loaded) => touches({ name, args, hlc }, loaded);
    assert.deepEqual(t('order.line.upsert', { order_id: 'o', line: { id: 'l' } }), [
      { t: 'orders', id: 'o' },
      { t: 'order_lines', id: 'l' },
      { t: 'order_lines', index: 'order_id', value: 'o' },
    ]);
    assert.deepEqual(t('conflict.resolve', { id: 'cf' }), [{ t: 'conflicts', id: 'cf' }]);
    const loaded = { conflicts: { cf: { id: 'cf', table_name: 'orders', row_id: 'o' } } };
    assert.deepEqual(t('conflict.resolve', { id: 'cf' }, loaded), [
      { t: 'conflicts', id: 'cf' },
      { t: 'orders', id: 'o' },
    ]);
    assert.deepEqual(t('order.create', { id: 5, lines: 'abc' }), []);
    assert.deepEqual(t('nothing.known', { id: 'x' }), []);
    assert.deepEqual(touches({ name: 'order.update', args: null, hlc }), []);
  });
});

describe('optimistic: the JS side', () => {
  const hlc = '001763892000123-00000-n';

  test('ids that are not text change nothing (Python would take a number as a key)', () => {
    for (const id of [5, null, true, ['c'], { a: 1 }]) {
      const view = {};
      assert.equal(apply(view, { name: 'customer.upsert', args: { id, name: 'x' }, hlc }), false);
      assert.deepEqual(nonEmpty(view), {});
    }
  });

  test('an id like __proto__ is a row like any other', () => {
    const view = rebase({}, [{ name: 'customer.upsert', args: { id: '__proto__', name: 'x' }, hlc }], 'u');
    assert.equal(Object.getPrototypeOf(view.customers), Object.prototype);
    assert.deepEqual(Object.keys(view.customers), ['__proto__']);
    assert.equal(view.customers.__proto__.name, 'x'); // eslint-disable-line no-proto
  });

  test('args that are not an object change nothing', () => {
    for (const args of [null, [], 'x', 5]) {
      assert.equal(apply({}, { name: 'order.update', args, hlc }), false);
    }
  });
});
