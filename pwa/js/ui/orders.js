// Orders: newest first or by due date, under headings (today, this week, … / overdue, due
// today, …), overdue orders flagged; filter by status and by synced/pending, search by number
// or customer.

import { html } from 'htm/preact';
import { useState } from 'preact/hooks';

import { SORTS, groupOrders, isOverdue } from '../core/order-list.js';
import { mayMutate, statuses } from '../core/vocab.js';
import { formatDate, formatMoney, todayInput } from '../format.js';
import { t } from '../i18n.js';
import { Empty, Loading, PendingMark, Screen, Search, Select, StatusBadge, normalize } from './components.js';
import { useApp } from './context.js';
import { useById, usePendingKeys } from './hooks.js';
import { useLive } from './live.js';
import { Link } from './router.js';

const SHOWN = 200;

export function filterOrders(orders, { q, status, sync }, customers, pending) {
  const text = normalize(q).trim();
  return orders.filter((o) => {
    if (status && o.status !== status) return false;
    const isPending = pending.has(`orders:${o.id}`);
    if (sync === 'pending' && !isPending) return false;
    if (sync === 'synced' && isPending) return false;
    if (!text) return true;
    return normalize(o.number).includes(text) || normalize(customers?.[o.customer_id]?.name).includes(text);
  });
}

const SORT_KEY = 'orderly.orders.sort'; // the rep's choice, kept on this device

function savedSort() {
  const saved = globalThis.localStorage?.getItem(SORT_KEY);
  return SORTS.includes(saved) ? saved : 'created';
}

function OrderItem({ order, customer, pending, overdue }) {
  return html`
    <li class=${overdue ? 'overdue' : ''}>
      <${Link} href=${`/orders/${order.id}`} data-testid="order-item" data-id=${order.id} data-number=${order.number}
        data-overdue=${overdue ? 'true' : 'false'}>
        <span class="main">${order.number} <${StatusBadge} status=${order.status} />
          ${overdue && html` <span class="badge badge-err" data-testid="order-overdue">${t('orders.overdue')}</span>`}
          ${order.priority === 'high' && html` <span class="badge badge-warn">${t('priority.high')}</span>`}
          ${pending && html` <${PendingMark} />`}</span>
        <span class="sub">${customer?.name ?? '…'} · ${formatMoney(order.total)}
          ${order.due_date && ` · ${t('order.due', { date: formatDate(order.due_date) })}`}</span>
      <//>
    </li>`;
}

export function OrderList() {
  const { store, me } = useApp();
  const [filters, setFilters] = useState({ q: '', status: '', sync: '' });
  const [sort, setSort] = useState(savedSort);
  const orders = useLive(() => store.db.orders.toArray(), [store]);
  const customers = useById('customers');
  const pending = usePendingKeys();
  const set = (field) => (value) => setFilters({ ...filters, [field]: value });
  const found = orders && filterOrders(orders, filters, customers, pending);
  const all = statuses();
  const now = new Date();
  const today = todayInput(now);
  const chooseSort = (value) => {
    globalThis.localStorage?.setItem(SORT_KEY, value);
    setSort(value);
  };
  const groups = found ? groupOrders(found, sort, now) : [];
  let shown = 0;
  return html`
    <${Screen} title=${t('orders.title')} testid="orders"
      actions=${mayMutate(me.user.role, 'order.create') &&
        html`<${Link} class="button primary" href="/orders/new" data-testid="new-order">${t('common.add')}<//>`}>
      <${Search} value=${filters.q} onInput=${set('q')} placeholder=${t('orders.search')} testid="order-search" />
      <div class="filters">
        <${Select} label=${t('order.status')} value=${filters.status} onChange=${set('status')} testid="order-status-filter"
          options=${[['', t('common.all')], ...all.map((s) => [s, t(`status.${s}`)])]} />
        <${Select} label=${t('orders.sync')} value=${filters.sync} onChange=${set('sync')} testid="order-sync-filter"
          options=${[['', t('common.all')], ['pending', t('orders.pending')], ['synced', t('orders.synced')]]} />
        <${Select} label=${t('orders.sort')} value=${sort} onChange=${chooseSort} testid="order-sort"
          options=${SORTS.map((s) => [s, t(`orders.sort.${s}`)])} />
      </div>
      ${!found ? html`<${Loading} />` : !found.length ? html`<${Empty}>${t('orders.none')}<//>` : groups.map(({ group, orders: run }) => {
        const take = run.slice(0, Math.max(SHOWN - shown, 0));
        shown += take.length;
        return take.length > 0 && html`
          <section key=${group} class="order-group" data-testid="order-group" data-group=${group}>
            <h2>${t(`orders.group.${group}`)} <small class="muted">${run.length}</small></h2>
            <ul class="list">
              ${take.map((o) => html`<${OrderItem} key=${o.id} order=${o} overdue=${isOverdue(o, today)}
                customer=${customers?.[o.customer_id]} pending=${pending.has(`orders:${o.id}`)} />`)}
            </ul>
          </section>`;
      })}
      ${found?.length > SHOWN && html`<p class="muted">${t('common.more', { count: found.length - SHOWN })}</p>`}
    <//>`;
}
