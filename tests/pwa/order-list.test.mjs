// The rep's orders list (issue 17 item 2, core/order-list.js): overdue as the console counts it,
// newest first or by due date, under today / this week / earlier headings. The day is pinned:
// Wednesday 2025-03-05 at 10:00 where the test runs.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { groupOf, groupOrders, isOverdue, sortOrders, weekOf } from '../../pwa/js/core/order-list.js';
import { useVocabulary } from '../../pwa/js/core/vocab.js';
import { todayInput } from '../../pwa/js/format.js';
import { vocabularyJson } from './helpers.mjs';

useVocabulary(vocabularyJson());

const NOW = new Date(2025, 2, 5, 10, 0); // local time: the headings are the user's days
const TODAY = todayInput(NOW);
const at = (day, hour = 9) => new Date(2025, 2, day, hour).toISOString();
const order = (number, fields) => ({ id: number, number, status: 'submitted', due_date: null, ...fields });

test('the week runs Monday to Sunday', () => {
  assert.deepEqual(weekOf(NOW), { first: '2025-03-03', last: '2025-03-09' });
  assert.deepEqual(weekOf(new Date(2025, 2, 9)), { first: '2025-03-03', last: '2025-03-09' }); // a Sunday
  assert.deepEqual(weekOf(new Date(2025, 0, 1)), { first: '2024-12-30', last: '2025-01-05' }); // across a year
});

test('overdue: due before today and the goods not gone', () => {
  assert.equal(isOverdue(order('a', { due_date: '2025-03-04' }), TODAY), true);
  assert.equal(isOverdue(order('b', { due_date: '2025-03-04', status: 'draft' }), TODAY), true);
  assert.equal(isOverdue(order('c', { due_date: TODAY }), TODAY), false);
  assert.equal(isOverdue(order('d', { due_date: '2025-03-04', status: 'shipped' }), TODAY), false);
  assert.equal(isOverdue(order('e', { due_date: '2025-03-04', status: 'cancelled' }), TODAY), false);
  assert.equal(isOverdue(order('f', {}), TODAY), false);
});

test('newest first, by when the order was made, not when it last changed', () => {
  const orders = [
    order('old', { created_at: at(1), updated_at: at(5, 9) }),
    order('new', { created_at: at(5, 8), updated_at: at(5, 8) }),
    order('mid', { created_at: at(3), updated_at: at(3) }),
  ];
  assert.deepEqual(sortOrders(orders, 'created', TODAY).map((o) => o.number), ['new', 'mid', 'old']);
  assert.deepEqual(groupOrders(orders, 'created', NOW).map((g) => [g.group, g.orders.map((o) => o.number)]),
    [['today', ['new']], ['thisWeek', ['mid']], ['earlier', ['old']]]);
});

test('by due date: the overdue on top, then by day, no due date last', () => {
  const orders = [
    order('none', { created_at: at(5) }),
    order('later', { due_date: '2025-03-20', created_at: at(5) }),
    order('late2', { due_date: '2025-03-04', created_at: at(2) }),
    order('gone', { due_date: '2025-03-01', status: 'shipped', created_at: at(1) }),
    order('today', { due_date: TODAY, created_at: at(4) }),
    order('late1', { due_date: '2025-02-20', created_at: at(1) }),
    order('sunday', { due_date: '2025-03-09', created_at: at(4) }),
  ];
  const groups = groupOrders(orders, 'due', NOW).map((g) => [g.group, g.orders.map((o) => o.number)]);
  assert.deepEqual(groups, [
    ['overdue', ['late1', 'late2']],
    ['duePast', ['gone']],
    ['dueToday', ['today']],
    ['dueThisWeek', ['sunday']],
    ['dueLater', ['later']],
    ['noDue', ['none']],
  ]);
  assert.equal(groupOf(order('x', { due_date: '2025-03-10' }), 'due', NOW), 'dueLater'); // next Monday
});
