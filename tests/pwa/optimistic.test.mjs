import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { apply, rebase } from '../../pwa/js/core/optimistic.js';
import { touches } from '../../pwa/js/core/touches.js';
import { useVocabulary } from '../../pwa/js/core/vocab.js';
import { clone, vectors, vocabularyJson } from './helpers.mjs';

// Recorded from the real engine (tests/vectors/optimistic_vectors.py): what a device pulled,
// pushed, and pulled again. The prediction must show what that second pull brings.
const V = vectors('optimistic.json');

function nonEmpty(view) {
  return Object.fromEntries(Object.entries(view).filter(([, rows]) => Object.keys(rows).length > 0));
}

/** The whole view the second pull gave: the mirror with `pulled` laid over it. */
function pulledView(mirror, pulled) {
  const view = clone(mirror);
  for (const [t, rows] of Object.entries(pulled)) {
    for (const [id, row] of Object.entries(rows)) {
      view[t] ??= {};
      if (row === null) delete view[t][id];
      else view[t][id] = row;
    }
  }
  return nonEmpty(view);
}

/** `view` without what only the server knows: `server_fields` always, the case's
 *  `server_decides` (a whole table, or `table.field`). */
function onScreen(view, decides) {
  const out = {};
  for (const [t, rows] of Object.entries(view)) {
    if (decides.includes(t)) continue;
    const hidden = new Set([
      ...V.server_fields['*'],
      ...(V.server_fields[t] ?? []),
      ...decides.filter((d) => d.startsWith(`${t}.`)).map((d) => d.slice(t.length + 1)),
    ]);
    out[t] = Object.fromEntries(
      Object.entries(rows).map(([id, row]) => [id, Object.fromEntries(Object.entries(row).filter(([k]) => !hidden.has(k)))]),
    );
  }
  return nonEmpty(out);
}

function mirrorOf(c) {
  return clone(V.mirrors[c.mirror]);
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

describe('optimistic: the prediction shows what the next pull brings', () => {
  for (const c of V.cases) {
    test(c.name, () => {
      const mirror = mirrorOf(c);
      const untouched = clone(mirror);
      const view = rebase(mirror, c.pending, c.user_id);
      assert.deepEqual(onScreen(nonEmpty(view), c.server_decides), onScreen(pulledView(untouched, c.pulled), c.server_decides));
      assert.deepEqual(mirror, untouched, 'rebase left the mirror alone');

      const stepwise = rebase(mirror, [], c.user_id);
      const changed = c.pending.map((m) => apply(stepwise, m, c.user_id));
      assert.deepEqual(stepwise, view, 'one by one as all at once');
      c.results.forEach((result, i) => {
        if (result.startsWith('rejected')) assert.equal(changed[i], false, `the server refused #${i + 1}: ${result}`);
      });
    });
  }
});

describe('optimistic: touches', () => {
  for (const c of V.cases) {
    test(`the rows it names are enough: ${c.name}`, () => {
      const mirror = mirrorOf(c);
      const full = rebase(mirror, c.pending, c.user_id);
      const partial = touchedRows(mirror, c.pending);
      const view = rebase(partial, c.pending, c.user_id);
      for (const [t, rows] of Object.entries(view)) {
        for (const [id, row] of Object.entries(rows)) assert.deepEqual(row, full[t]?.[id], `${t} ${id}`);
      }
      for (const t of new Set([...Object.keys(mirror), ...Object.keys(full)])) {
        for (const id of new Set([...Object.keys(mirror[t] ?? {}), ...Object.keys(full[t] ?? {})])) {
          if (mirror[t]?.[id] !== full[t]?.[id]) assert.deepEqual(view[t]?.[id], full[t]?.[id], `changed ${t} ${id}`);
        }
      }
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
