// Orders: filter by status and by synced/pending, search by number or customer.

import { html } from 'htm/preact';
import { useState } from 'preact/hooks';

import { mayMutate, statuses } from '../core/vocab.js';
import { formatDate, formatMoney } from '../format.js';
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

function OrderItem({ order, customer, pending }) {
  return html`
    <li>
      <${Link} href=${`/orders/${order.id}`} data-testid="order-item" data-id=${order.id} data-number=${order.number}>
        <span class="main">${order.number} <${StatusBadge} status=${order.status} />
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
  const orders = useLive(() => store.db.orders.orderBy('updated_at').reverse().toArray(), [store]);
  const customers = useById('customers');
  const pending = usePendingKeys();
  const set = (field) => (value) => setFilters({ ...filters, [field]: value });
  const found = orders && filterOrders(orders, filters, customers, pending);
  const all = statuses();
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
      </div>
      ${!found ? html`<${Loading} />` : !found.length ? html`<${Empty}>${t('orders.none')}<//>` : html`
        <ul class="list">
          ${found.slice(0, SHOWN).map((o) => html`<${OrderItem} key=${o.id} order=${o}
            customer=${customers?.[o.customer_id]} pending=${pending.has(`orders:${o.id}`)} />`)}
        </ul>
        ${found.length > SHOWN && html`<p class="muted">${t('common.more', { count: found.length - SHOWN })}</p>`}`}
    <//>`;
}
