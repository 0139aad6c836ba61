import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { NAMESPACE, newClientId, orderNumber, stockLevelId, uuid7 } from '../../pwa/js/core/ids.js';
import { vectors } from './helpers.mjs';

const V = vectors('ids.json');

describe('ids: the vectors of sync/ids.py', () => {
  test('the namespace', () => assert.equal(NAMESPACE, V.namespace));

  test('stockLevelId', () => {
    for (const { warehouse_id: w, product_id: p, expect } of V.stock_level_id) {
      assert.equal(stockLevelId(w, p), expect, `${w} ${p}`);
    }
  });

  test('orderNumber', () => {
    for (const { code, counter, expect } of V.order_number) assert.equal(orderNumber(code, counter), expect);
  });
});

describe('ids: the JS side', () => {
  test('uuid7: version 7, RFC variant, in creation order', () => {
    const ids = Array.from({ length: 200 }, () => uuid7());
    for (const id of ids) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.deepEqual([...ids].sort(), ids);
    assert.equal(new Set(ids).size, ids.length);
    const ms = parseInt(ids[0].replace('-', '').slice(0, 12), 16);
    assert.ok(Math.abs(ms - Date.now()) < 60_000);
  });

  test('orderNumber refuses what is not a code and a counter', () => {
    assert.throws(() => orderNumber('', 1), TypeError);
    assert.throws(() => orderNumber('K7F', -1), TypeError);
    assert.throws(() => orderNumber('K7F', 1.5), TypeError);
    assert.throws(() => orderNumber('K7F', '1'), TypeError);
  });

  test('newClientId: what the protocol accepts, and an HLC node as it is', () => {
    const ids = Array.from({ length: 1000 }, () => newClientId());
    for (const id of ids) {
      assert.match(id, /^pwa-[0-9a-z]{20}$/);
      assert.match(id, /^[A-Za-z0-9_-]{8,40}$/);
    }
    assert.equal(new Set(ids).size, ids.length);
  });
});
