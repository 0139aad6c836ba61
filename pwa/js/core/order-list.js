// The rep's orders list: which orders are overdue, the two orders a rep reads the list in (newest
// first; by due date, the overdue on top) and the headings it is grouped under (docs/pwa.md,
// "Orders"). Pure: the day is the caller's, so tests pin it.

import { todayInput as localDay } from '../format.js';
import { mayBeOverdue } from './vocab.js';

/** Monday and Sunday of the week of `date` (ISO weeks: they start on Monday, in China too). */
export function weekOf(date) {
  const monday = new Date(date.getFullYear(), date.getMonth(), date.getDate() - ((date.getDay() + 6) % 7));
  const sunday = new Date(monday.getFullYear(), monday.getMonth(), monday.getDate() + 6);
  return { first: localDay(monday), last: localDay(sunday) };
}

/** Due before today and the goods not gone yet (the one rule of shared/states.py is_overdue: the
 * console's badge and list and the Overdue report count the same orders). */
export function isOverdue(order, today) {
  return Boolean(order.due_date) && order.due_date < today && mayBeOverdue(order.status);
}

/** When the order was made where the user is: its created_at (device time, kept as made), or its
 * last change for rows from before created_at was synced. */
function createdDay(order) {
  const at = order.created_at ?? order.updated_at;
  return at ? localDay(new Date(at)) : '';
}

const createdKey = (o) => o.created_at ?? o.updated_at ?? '';

export const SORTS = ['created', 'due'];

/** The orders in the list's order: `created` newest first; `due` by due date, the overdue
 * first, orders without a due date last, each day's newest first. */
export function sortOrders(orders, by, today) {
  const newest = (a, b) => (createdKey(b) < createdKey(a) ? -1 : createdKey(b) > createdKey(a) ? 1 : 0);
  if (by !== 'due') return [...orders].sort(newest);
  const rank = (o) => (isOverdue(o, today) ? 0 : o.due_date ? 1 : 2);
  return [...orders].sort((a, b) => rank(a) - rank(b)
    || (a.due_date ?? '').localeCompare(b.due_date ?? '')
    || newest(a, b));
}

/** The heading an order falls under: when made (today, earlier this week, earlier), or when due
 * (overdue, past but gone, today, this week, later, no due date). */
export function groupOf(order, by, now) {
  const today = localDay(now);
  const week = weekOf(now);
  if (by === 'due') {
    if (isOverdue(order, today)) return 'overdue';
    const due = order.due_date;
    if (!due) return 'noDue';
    if (due < today) return 'duePast'; // the goods went already: not overdue
    if (due === today) return 'dueToday';
    return due <= week.last ? 'dueThisWeek' : 'dueLater';
  }
  const day = createdDay(order);
  if (day === today) return 'today';
  return day >= week.first && day < today ? 'thisWeek' : 'earlier';
}

/** Sorted orders cut into runs under their heading: [{ group, orders }], in list order. */
export function groupOrders(orders, by, now) {
  const groups = [];
  for (const order of sortOrders(orders, by, localDay(now))) {
    const group = groupOf(order, by, now);
    if (groups.at(-1)?.group !== group) groups.push({ group, orders: [] });
    groups.at(-1).orders.push(order);
  }
  return groups;
}
