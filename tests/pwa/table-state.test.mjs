// The console table's state in the address (core/table-state.js, docs/admin.md § Tables): read
// from and written to the query string, header clicks, paging, and saved filters in a storage.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  apiQuery, ariaSort, deleteFilter, pageCount, saveFilter, savedFilters, tableQuery, tableState, toggleSort, withChange,
} from '../../pwa/js/core/table-state.js';

const SPEC = { filters: ['q', 'status'], sorts: ['number', 'created_at', 'total'], groups: ['status', 'rep'], sort: 'created_at', dir: 'desc', size: 50 };

class Memory {
  constructor() { this.items = new Map(); }
  getItem(k) { return this.items.has(k) ? this.items.get(k) : null; }
  setItem(k, v) { this.items.set(k, String(v)); }
}

test('an empty address is the defaults; the defaults write an empty query', () => {
  const s = tableState('', SPEC);
  assert.deepEqual(s, { filters: { q: '', status: '' }, sort: 'created_at', dir: 'desc', page: 1, size: 50, group: '' });
  assert.equal(tableQuery(s, SPEC), '');
});

test('the address round-trips', () => {
  const query = 'q=tea&status=draft&sort=number&dir=asc&page=3&size=25&group=status';
  const s = tableState(query, SPEC);
  assert.deepEqual(s, { filters: { q: 'tea', status: 'draft' }, sort: 'number', dir: 'asc', page: 3, size: 25, group: 'status' });
  assert.equal(tableQuery(s, SPEC), query);
  assert.equal(apiQuery(s), 'q=tea&status=draft&sort=number&direction=asc&page=3&limit=25&group=status');
});

test('values the table does not offer fall back to the defaults', () => {
  const s = tableState('sort=password&dir=up&page=-2&size=1000&group=colour', SPEC);
  assert.deepEqual([s.sort, s.dir, s.page, s.size, s.group], ['created_at', 'desc', 1, 50, '']);
  assert.equal(tableState('page=0', SPEC).page, 1);
  assert.equal(tableState('page=2.5', SPEC).page, 1);
});

test('a header click sorts ascending, a second flips it; both go to page 1', () => {
  const s = { ...tableState('page=4', SPEC) };
  const a = toggleSort(s, 'number');
  assert.deepEqual([a.sort, a.dir, a.page], ['number', 'asc', 1]);
  const b = toggleSort({ ...a, page: 2 }, 'number');
  assert.deepEqual([b.sort, b.dir, b.page], ['number', 'desc', 1]);
  assert.equal(ariaSort(b, 'number'), 'descending');
  assert.equal(ariaSort(a, 'number'), 'ascending');
  assert.equal(ariaSort(a, 'total'), 'none');
});

test('any other change goes back to page 1; pages of a total', () => {
  const s = tableState('page=5', SPEC);
  assert.equal(withChange(s, { size: 100 }).page, 1);
  assert.equal(withChange(s, { page: 6 }).page, 6);
  assert.deepEqual([pageCount(0, 25), pageCount(25, 25), pageCount(26, 25)], [1, 1, 2]);
});

test('saved filters: named, without their page, replaced by name, deleted', () => {
  const store = new Memory();
  assert.deepEqual(savedFilters(store, 'k'), []);
  saveFilter(store, 'k', '  Drafts ', 'status=draft&page=3');
  saveFilter(store, 'k', 'Alpha', 'q=alpha&sort=number');
  assert.deepEqual(savedFilters(store, 'k'), [{ name: 'Alpha', query: 'q=alpha&sort=number' }, { name: 'Drafts', query: 'status=draft' }]);
  saveFilter(store, 'k', 'Drafts', 'status=draft&group=rep');
  assert.equal(savedFilters(store, 'k').find((f) => f.name === 'Drafts').query, 'status=draft&group=rep');
  assert.deepEqual(deleteFilter(store, 'k', 'Alpha').map((f) => f.name), ['Drafts']);
  assert.deepEqual(savedFilters(store, 'other'), []); // per key: per admin and list
  assert.throws(() => saveFilter(store, 'k', '  ', 'q=x'));
  store.setItem('bad', '{not json');
  assert.deepEqual(savedFilters(store, 'bad'), []);
});
