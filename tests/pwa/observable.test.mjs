// pwa/js/core/observable.js: the one followable value of the app (sync status, shell prompts).

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { observable } from '../../pwa/js/core/observable.js';

test('set replaces the value, whatever it is (an object is not merged, a function is kept)', () => {
  const o = observable({ state: 'idle', error: null });
  o.set({ state: 'syncing' });
  assert.deepEqual(o.get(), { state: 'syncing' });
  const apply = () => 'reload';
  o.set(apply);
  assert.equal(o.get(), apply);
});

test('listeners hear each new value from the next set on, until they unsubscribe', () => {
  const o = observable(0);
  const heard = [];
  const unsubscribe = o.subscribe((v) => heard.push(v));
  assert.deepEqual(heard, [], 'subscribing does not replay the current value: read it with get');
  o.set(1);
  o.set(2);
  unsubscribe();
  o.set(3);
  assert.deepEqual(heard, [1, 2]);
  assert.equal(o.get(), 3);
});
