// /admin/orders and /admin/orders/:id (docs/admin.md § Orders): every order, filtered and paged
// on the server (GET /api/admin/orders: 100,000 orders do not belong in a browser list), the
// overdue alert, CSV/XLSX export of the current filter, and an order's detail: header, lines,
// payments, the timeline of all that happened to it, and assigning a warehouse and a picker.
// orders.read to see; orders.assign to assign.
//
// The list is the console's table (table.js): filters, sort, page number, page size and group-by
// live in the address (?status=…&sort=…&page=…), so a reload, a shared link and a detail's "back"
// return to the same page; saved filters are kept per admin in this browser. Exports are plain
// links (the filters only): a GET authenticates with the session cookie.

import { html } from 'htm/preact';
import { useState } from 'preact/hooks';

import { api } from '../../api.js';
import { fieldsLocked, linesLocked, priorities, statuses } from '../../core/vocab.js';
import { apiQuery, tableQuery, tableState, withChange } from '../../core/table-state.js';
import { bpToPercent } from '../../core/totals.js';
import { formatDate, formatDateTime, formatMoney, inputToMinor, minorToInput } from '../../format.js';
import { hasKey, t } from '../../i18n.js';
import { Badge, Empty, ErrorBox, Field, Loading, Screen, Select, StatusBadge, useAction } from '../components.js';
import { formatValue, what } from '../conflict-text.js';
import { useApp } from '../context.js';
import { useWarehouses } from '../hooks.js';
import { Link, navigate } from '../router.js';
import { may, useAdminList } from './common.js';
import { NoteForm, noteText } from './customers.js';
import { LinesEditor, OrderEditForm, OrderForm } from './orders-form.js';
import { GroupBy, Pager, SavedFilters, Table } from './table.js';
import { adminDetailWords, entryWords } from './timeline-words.js';

const FILTERS = [
  'q', 'status', 'priority', 'overdue', 'warehouse_id', 'owner_id', 'assignee_id', 'channel',
  'synced_from', 'synced_to',
];
/** The channel filter's choices: the channels the orders have (GET /api/admin/orders/channels),
 * with how many each, and the one chosen in the address even if no order has it any more. */
function channelChoices(channels, chosen) {
  const known = (channels ?? []).map((c) => [c.channel, `${label('admin.orders.channel', c.channel)} (${c.count})`]);
  if (chosen && !known.some(([c]) => c === chosen)) known.push([chosen, label('admin.orders.channel', chosen)]);
  return known;
}
const label = (prefix, value) => (hasKey(`${prefix}.${value}`) ? t(`${prefix}.${value}`) : value);

/** The table's address (core/table-state.js): the filters, and the columns it sorts and groups by
 * (the server's ?sort= and ?group= keys, server/admin/orders/queries.py SORTS and GROUPS). */
const SPEC = {
  filters: FILTERS,
  sorts: ['number', 'customer', 'rep', 'status', 'priority', 'due_date', 'warehouse', 'assignee', 'channel', 'total', 'created_at'],
  groups: ['status', 'rep', 'customer', 'priority', 'warehouse', 'assignee', 'channel'],
  sort: 'created_at',
  dir: 'desc',
  size: 50,
};
/** Each group-by: the row's group key and the group header's words. */
const GROUP_OF = {
  status: [(r) => r.status, (g) => label('status', g.key)],
  priority: [(r) => r.priority, (g) => label('priority', g.key)],
  rep: [(r) => r.owner_id, (g) => g.label],
  customer: [(r) => r.customer_id, (g) => g.label],
  warehouse: [(r) => r.warehouse_id, (g) => g.label],
  assignee: [(r) => r.assignee_id, (g) => g.label],
  channel: [(r) => r.channel, (g) => label('admin.orders.channel', g.key)],
};

function SearchBox({ value, onSearch }) {
  const [text, setText] = useState(value);
  return html`
    <form class="search-form" role="search" onSubmit=${(e) => { e.preventDefault(); onSearch(text.trim()); }}>
      <${Field} label=${t('admin.orders.search')} type="search" value=${text} onInput=${setText} testid="orders-search"
        placeholder=${t('admin.orders.searchHint')} />
      <button type="submit" data-testid="orders-search-go">${t('admin.orders.find')}</button>
    </form>`;
}

function Filters({ filters, onChange, warehouses, users, channels }) {
  const set = (key) => (value) => onChange({ ...filters, [key]: value });
  const all = [['', t('common.all')]];
  const reps = (users ?? []).filter((u) => u.role === 'sales');
  const pickers = (users ?? []).filter((u) => u.role === 'warehouse');
  return html`
    <div class="filters admin-filters orders-filters" data-testid="orders-filters">
      <${SearchBox} key=${filters.q} value=${filters.q} onSearch=${set('q')} />
      <${Select} label=${t('admin.orders.status')} value=${filters.status} onChange=${set('status')} testid="orders-filter-status"
        options=${[...all, ...statuses().map((s) => [s, label('status', s)])]} />
      <${Select} label=${t('admin.orders.priority')} value=${filters.priority} onChange=${set('priority')} testid="orders-filter-priority"
        options=${[...all, ...priorities().map((p) => [p, label('priority', p)])]} />
      <label class="check"><input type="checkbox" data-testid="orders-filter-overdue" checked=${filters.overdue === 'true'}
        onChange=${(e) => set('overdue')(e.currentTarget.checked ? 'true' : '')} /> <span>${t('admin.orders.overdueOnly')}</span></label>
      <${Select} label=${t('admin.orders.warehouse')} value=${filters.warehouse_id} onChange=${set('warehouse_id')} testid="orders-filter-warehouse"
        options=${[...all, ...warehouses.map((w) => [w.id, `${w.code} · ${w.name}`])]} />
      ${users && html`<${Select} label=${t('admin.orders.rep')} value=${filters.owner_id} onChange=${set('owner_id')} testid="orders-filter-rep"
        options=${[...all, ...reps.map((u) => [u.id, u.name])]} />
      <${Select} label=${t('admin.orders.assignee')} value=${filters.assignee_id} onChange=${set('assignee_id')} testid="orders-filter-assignee"
        options=${[...all, ...pickers.map((u) => [u.id, u.name])]} />`}
      <${Select} label=${t('admin.orders.channel')} value=${filters.channel} onChange=${set('channel')} testid="orders-filter-channel"
        options=${[...all, ...channelChoices(channels, filters.channel)]} />
      <${Field} label=${t('admin.orders.syncedFrom')} type="date" value=${filters.synced_from} onInput=${set('synced_from')} testid="orders-filter-synced-from" />
      <${Field} label=${t('admin.orders.syncedTo')} type="date" value=${filters.synced_to} onInput=${set('synced_to')} testid="orders-filter-synced-to" />
    </div>`;
}

function OverdueAlert({ filters, onShow }) {
  const [got] = useAdminList('/api/admin/orders/overdue/count');
  if (!got?.count) return null;
  return html`
    <p class="note warn" role="status" data-testid="overdue-alert" data-count=${got.count}>
      ${t('admin.orders.overdueAlert', { count: got.count })}
      ${filters.overdue !== 'true' && html` <button type="button" class="link" data-testid="overdue-show"
        onClick=${onShow}>${t('admin.orders.showOverdue')}</button>`}
    </p>`;
}

/** The table's columns: a cell each, sorted by the server's key. */
function columns(href) {
  return [
    { label: t('admin.orders.number'), sort: 'number', nowrap: true,
      cell: (o) => html`<${Link} href=${href(o)} data-testid="order-open">${o.number}<//>` },
    { label: t('admin.orders.customer'), sort: 'customer', cell: (o) => o.customer_name ?? '—' },
    { label: t('admin.orders.rep'), sort: 'rep', cell: (o) => o.owner_name ?? '—' },
    { label: t('admin.orders.status'), sort: 'status', cell: (o) => html`<${StatusBadge} status=${o.status} />` },
    { label: t('admin.orders.priority'), sort: 'priority', cell: (o) => label('priority', o.priority) },
    { label: t('admin.orders.due'), sort: 'due_date', cell: (o) => html`${o.due_date ? formatDate(o.due_date) : '—'}
      ${o.overdue && html` <${Badge} kind="warn" testid="order-overdue">${t('admin.orders.overdue')}<//>`}` },
    { label: t('admin.orders.warehouse'), sort: 'warehouse', cell: (o) => html`<span data-testid="order-warehouse">${o.warehouse_code ?? '—'}</span>` },
    { label: t('admin.orders.assignee'), sort: 'assignee', cell: (o) => html`<span data-testid="order-assignee">${o.assignee_name ?? '—'}</span>` },
    { label: t('admin.orders.channel'), sort: 'channel', cell: (o) => label('admin.orders.channel', o.channel) },
    { label: t('admin.orders.amount'), sort: 'total', num: true, cell: (o) => formatMoney(o.total) },
    { label: t('admin.orders.created'), sort: 'created_at', cell: (o) => formatDateTime(o.created_at) },
  ];
}

function List({ query, role }) {
  const { me } = useApp();
  const state = tableState(query, SPEC);
  const { filters } = state;
  const qs = tableQuery(state, SPEC);
  const [page, error, reload] = useAdminList(`/api/admin/orders?${apiQuery(state)}`);
  const [users] = useAdminList('/api/admin/users', may(role, 'users.read'));
  const [channels] = useAdminList('/api/admin/orders/channels');
  const warehouses = useWarehouses();
  const go = (next) => navigate(`/admin/orders${next ? `?${next}` : ''}`, { replace: true });
  const onState = (next) => go(tableQuery(next, SPEC));
  const change = (next) => onState(withChange(state, { filters: { ...Object.fromEntries(FILTERS.map((k) => [k, ''])), ...next } }));
  const filterQs = new URLSearchParams(Object.entries(filters).filter(([, v]) => v)).toString();
  const exportHref = (format) => `/api/admin/orders?${filterQs}${filterQs ? '&' : ''}format=${format}`;
  const [groupOf, groupLabel] = GROUP_OF[state.group] ?? [];
  const group = groupOf && { of: groupOf, label: (g) => (g.key == null ? t('admin.table.none') : groupLabel(g) ?? g.key) };
  return html`
    <${Screen} title=${t('admin.orders.title')} testid="admin-orders"
      actions=${html`${may(role, 'orders.assign') && html`<${Link} href="/admin/orders/new" class="button primary" data-testid="order-new">${t('admin.orders.new')}<//> `}
        <button type="button" data-testid="orders-reload" onClick=${reload}>${t('admin.reload')}</button>`}>
      <${OverdueAlert} filters=${filters} onShow=${() => change({ ...filters, overdue: 'true' })} />
      <${Filters} filters=${filters} onChange=${change} warehouses=${warehouses} users=${users} channels=${channels} />
      <div class="actions">
        <${GroupBy} testid="orders" state=${state} onState=${onState}
          choices=${SPEC.groups.map((g) => [g, t(`admin.orders.groupBy.${g}`)])} />
        <${SavedFilters} testid="orders" storageKey=${`orderly.savedFilters.${me.user.id}.orders`} query=${qs} onApply=${go} />
      </div>
      <div class="actions">
        ${page && html`<span class="muted" data-testid="orders-total" data-total=${page.total}>${
          t(page.total_capped ? 'admin.orders.totalMore' : 'admin.orders.total', { count: page.total })}</span>`}
        ${qs && html`<button type="button" class="link" data-testid="orders-clear" onClick=${() => go('')}>${t('admin.orders.clear')}</button>`}
        <a href=${exportHref('csv')} download data-testid="orders-export-csv">${t('admin.orders.exportCsv')}</a>
        <a href=${exportHref('xlsx')} download data-testid="orders-export-xlsx">${t('admin.orders.exportXlsx')}</a>
      </div>
      <${ErrorBox} error=${error} />
      ${page === undefined && !error ? html`<${Loading} />` : !page?.rows.length ? html`<${Empty}>${t('admin.orders.none')}<//>` : html`
        <${Table} testid="orders" state=${state} onState=${onState} rows=${page.rows} groups=${page.groups} group=${group}
          columns=${columns((o) => `/admin/orders/${o.id}${qs ? `?${qs}` : ''}`)}
          rowProps=${(o) => ({ 'data-testid': 'order-row', 'data-number': o.number, 'data-id': o.id, 'data-status': o.status,
            class: o.overdue ? 'overdue' : '' })} />`}
      ${page?.total > 0 && html`<${Pager} testid="orders" state=${state} onState=${onState} total=${page.total} />`}
    <//>`;
}

function Assign({ order, onDone, users }) {
  const warehouses = useWarehouses();
  const [warehouse, setWarehouse] = useState(order.order.warehouse_id ?? '');
  const [assignee, setAssignee] = useState(order.order.assignee_id ?? '');
  const [done, setDone] = useState(false);
  const [run, busy, error] = useAction();
  const pickers = (users ?? []).filter((u) => !u.disabled && (u.role === 'warehouse' || u.id === assignee));
  const submit = (e) => {
    e.preventDefault();
    setDone(false);
    run(async () => {
      const after = await api('POST', `/api/admin/orders/${order.order.id}/assign`,
        { warehouse_id: warehouse || null, assignee_id: assignee || null });
      onDone(after);
      setDone(true);
    });
  };
  if (fieldsLocked(order.order.status)) {
    return html`<p class="muted" data-testid="assign-locked">${t('admin.orders.assignLocked', { status: label('status', order.order.status) })}</p>`;
  }
  return html`
    <form class="card assign" data-testid="assign-form" onSubmit=${submit}>
      <h2>${t('admin.orders.assignTitle')}</h2>
      <${Select} label=${t('admin.orders.warehouse')} value=${warehouse} onChange=${setWarehouse} testid="assign-warehouse"
        options=${[['', t('common.none')], ...warehouses.map((w) => [w.id, `${w.code} · ${w.name}`])]} />
      ${users
        ? html`<${Select} label=${t('admin.orders.assignee')} value=${assignee} onChange=${setAssignee} testid="assign-assignee"
            options=${[['', t('common.none')], ...pickers.map((u) => [u.id, u.name])]} />`
        : html`<p class="muted">${t('admin.orders.noUsers')}</p>`}
      <button type="submit" class="primary" data-testid="assign-save" disabled=${busy}>${t('admin.orders.assign')}</button>
      ${done && html`<p class="note" role="status" data-testid="assign-result">${t('admin.orders.assigned', {
        warehouse: order.order.warehouse_code ?? '—', assignee: order.order.assignee_name ?? '—' })}</p>`}
      <${ErrorBox} error=${error} />
    </form>`;
}

/** The customer's credit limit, which the credit_limit review rule compares their open orders
 * with (docs/admin.md § Review); empty = no limit. For roles that may edit the review rules. */
function CreditLimit({ customer }) {
  const [text, setText] = useState(customer.credit_limit == null ? '' : minorToInput(customer.credit_limit));
  const [saved, setSaved] = useState(null);
  const [invalid, setInvalid] = useState(false);
  const [run, busy, error] = useAction();
  const submit = (e) => {
    e.preventDefault();
    const blank = text.trim() === '';
    const limit = blank ? null : inputToMinor(text);
    const bad = !blank && (limit === null || limit < 0);
    setInvalid(bad);
    if (bad) return;
    setSaved(null);
    run(async () => {
      const after = await api('PUT', `/api/admin/customers/${encodeURIComponent(customer.id)}/credit-limit`,
        { credit_limit: limit });
      setSaved({ limit: after.credit_limit });
    });
  };
  return html`
    <form class="card assign" data-testid="credit-limit-form" onSubmit=${submit}>
      <h2>${t('admin.orders.creditTitle', { name: customer.name })}</h2>
      <${Field} label=${t('admin.orders.creditLimit')} value=${text} onInput=${setText} testid="credit-limit"
        inputmode="decimal" placeholder=${t('admin.orders.noLimit')} />
      <button type="submit" class="primary" data-testid="credit-limit-save" disabled=${busy}>${t('common.save')}</button>
      ${invalid && html`<p class="error" role="alert">${t('admin.orders.badLimit')}</p>`}
      ${saved && html`<p class="note" role="status" data-testid="credit-limit-saved">${saved.limit === null
        ? t('admin.orders.limitCleared') : t('admin.orders.limitSaved', { limit: formatMoney(saved.limit) })}</p>`}
      <${ErrorBox} error=${error} />
    </form>`;
}

/** A conflict entry's summary ("field: notes") as the conflict it names. */
function conflictOf(e) {
  const [kind, field] = e.summary.split(': ');
  return { kind, field: field ?? null };
}

/** An entry's detail: an admin action's fields set ("warehouse_id: wh-2"); a settlement's value
 * that won, formatted; else as sent. */
function detailText(e, names) {
  if (e.kind === 'settled') {
    try {
      return formatValue(conflictOf(e).field, JSON.parse(e.detail ?? 'null'), names);
    } catch {
      return e.detail ?? '';
    }
  }
  if (e.kind !== 'admin' || !e.detail) return e.detail ?? '';
  if (e.summary.endsWith('.note')) return noteText(e.detail); // a note says itself
  if (e.summary === 'orders.line') {
    try {
      const { line } = JSON.parse(e.detail);
      return `${line.qty} × ${formatMoney(line.unit_price)}`;
    } catch {
      return '';
    }
  }
  if (e.summary === 'orders.line.remove') return '';
  return adminDetailWords(e.detail, names); // fields by their labels, ids by their names
}

/** An entry's outcome; a refused change links to where it is shown with its data (the log). */
function Outcome({ e, orderId, role }) {
  if (e.kind === 'status') return label('status', e.outcome);
  if (e.kind === 'conflict') return label('conflict.status', e.outcome);
  if (e.kind === 'settled') return label('admin.conflicts.resolution', e.outcome);
  const refused = e.kind === 'mutation' && String(e.outcome ?? '').startsWith('rejected');
  if (!refused || !may(role, 'devices.read')) return e.outcome ?? '';
  return html`<${Link} href=${`/admin/mutations?order_id=${encodeURIComponent(orderId)}&status=rejected`}
    data-testid="timeline-refused">${e.outcome}<//>`;
}

function Timeline({ entries, truncated, orderId, role, names }) {
  if (!entries.length) return html`<${Empty}>${t('admin.orders.noTimeline')}<//>`;
  return html`
    ${truncated && html`<p class="note" data-testid="timeline-truncated">${t('admin.orders.timelineTruncated')}</p>`}
    <div class="table-wrap" tabindex="0" role="region" aria-label=${t('admin.orders.timeline')}>
      <table class="admin-table" data-testid="order-timeline">
        <thead><tr><th>${t('admin.orders.when')}</th><th>${t('admin.orders.kind')}</th><th>${t('admin.orders.what')}</th>
          <th>${t('admin.orders.outcome')}</th><th>${t('admin.orders.who')}</th><th>${t('admin.orders.device')}</th><th><span class="visually-hidden">${t('common.details')}</span></th></tr></thead>
        <tbody>${entries.map((e, i) => html`
          <tr key=${i} data-testid="timeline-entry" data-kind=${e.kind} data-summary=${e.summary}>
            <td class="nowrap">${formatDateTime(e.at)}</td>
            <td>${label('admin.orders.kind', e.kind)}</td>
            <td>${e.kind === 'status' ? e.summary.split(' → ').map((s) => label('status', s)).join(' → ')
              : e.kind === 'conflict' || e.kind === 'settled' ? what(conflictOf(e))
                : html`<span data-testid="timeline-what" title=${e.summary}>${entryWords(e)}</span>`}</td>
            <td><${Outcome} e=${e} orderId=${orderId} role=${role} /></td>
            <td>${e.who === 'review' ? t('admin.orders.byReview') : e.who ?? '—'}</td>
            <td><code>${e.device_code ?? ''}</code></td>
            <td class="muted">${detailText(e, names)}</td>
          </tr>`)}</tbody>
      </table>
    </div>`;
}

/** The names a timeline's ids stand for: users and warehouses the page knows, and the order's own. */
function timelineNames(o, users, warehouses) {
  return {
    users: { ...Object.fromEntries((users ?? []).map((u) => [u.id, u.name])), ...(o.assignee_id ? { [o.assignee_id]: o.assignee_name } : {}) },
    warehouses: { ...Object.fromEntries(warehouses.map((w) => [w.id, w.code])), ...(o.warehouse_id ? { [o.warehouse_id]: o.warehouse_code } : {}) },
  };
}

function Detail({ id, query, role }) {
  const [loaded, error] = useAdminList(`/api/admin/orders/${encodeURIComponent(id)}`);
  const [changed, setChanged] = useState(null);
  const [editing, setEditing] = useState(false);
  const [users] = useAdminList('/api/admin/users', may(role, 'users.read'));
  const warehouses = useWarehouses();
  const d = changed ?? loaded;
  const back = `/admin/orders${query?.toString() ? `?${query}` : ''}`;
  const o = d?.order;
  return html`
    <${Screen} title=${o ? t('admin.orders.detailTitle', { number: o.number }) : t('admin.orders.title')} testid="admin-orders"
      actions=${html`<${Link} href=${back} data-testid="order-back">${t('admin.orders.back')}<//>`}>
      <${ErrorBox} error=${error} />
      ${!d ? (!error && html`<${Loading} />`) : html`
        <div class="card" data-testid="order-detail" data-id=${o.id} data-number=${o.number}>
          <h2>${o.number} <${StatusBadge} status=${o.status} testid="order-status" />
            ${o.overdue && html` <${Badge} kind="warn" testid="order-overdue">${t('admin.orders.overdue')}<//>`}</h2>
          <dl class="facts">
            <dt>${t('admin.orders.customer')}</dt><dd data-testid="order-customer">${d.customer?.name ?? o.customer_name ?? '—'}
              ${d.customer?.phone && html` <small class="muted">${d.customer.phone}</small>`}</dd>
            <dt>${t('admin.orders.rep')}</dt><dd>${o.owner_name ?? '—'}</dd>
            <dt>${t('admin.orders.priority')}</dt><dd>${label('priority', o.priority)}</dd>
            <dt>${t('admin.orders.due')}</dt><dd>${o.due_date ? formatDate(o.due_date) : '—'}</dd>
            <dt>${t('admin.orders.warehouse')}</dt><dd data-testid="order-detail-warehouse">${o.warehouse_code ?? '—'}</dd>
            <dt>${t('admin.orders.assignee')}</dt><dd data-testid="order-detail-assignee">${o.assignee_name ?? '—'}</dd>
            <dt>${t('admin.orders.channel')}</dt><dd>${label('admin.orders.channel', o.channel)}</dd>
            <dt>${t('admin.orders.amount')}</dt><dd>${formatMoney(o.total)}${d.discount_bp
              ? html` <small class="muted" data-testid="order-detail-discount">${t('order.discountOff', { percent: bpToPercent(d.discount_bp) })}</small>` : ''}</dd>
            <dt>${t('admin.orders.address')}</dt><dd>${d.delivery_address ?? d.customer?.address ?? '—'}</dd>
            <dt>${t('admin.orders.notes')}</dt><dd>${d.notes ?? '—'}</dd>
            <dt>${t('admin.orders.created')}</dt><dd>${formatDateTime(o.created_at)}</dd>
            <dt>${t('admin.orders.synced')}</dt><dd>${formatDateTime(o.updated_at)}</dd>
          </dl>
        </div>
        ${may(role, 'orders.assign') && !fieldsLocked(o.status) && html`<p class="actions">
          <button type="button" data-testid="order-edit" onClick=${() => setEditing(!editing)}>${t('common.edit')}</button></p>`}
        ${editing && html`<${OrderEditForm} key=${d.version} detail=${d} onSaved=${(got) => { setChanged(got); setEditing(false); }} />`}
        ${editing && !linesLocked(o.status) && html`<${LinesEditor} detail=${d} onSaved=${setChanged} />`}
        ${may(role, 'orders.assign') && html`<${Assign} key=${o.id} order=${d} users=${users} onDone=${setChanged} />`}
        ${d.customer && may(role, 'reviewrules.edit') && html`<${CreditLimit} key=${d.customer.id} customer=${d.customer} />`}
        <div class="card">
          <h2>${t('admin.orders.lines')}</h2>
          <table class="admin-table" data-testid="order-lines">
            <thead><tr><th>${t('admin.orders.sku')}</th><th>${t('admin.orders.product')}</th><th class="num">${t('admin.orders.qty')}</th>
              <th class="num">${t('admin.orders.price')}</th><th class="num">${t('line.discount')}</th>
              <th class="num">${t('admin.orders.amount')}</th></tr></thead>
            <tbody>${d.lines.map((l) => html`<tr key=${l.id} data-testid="order-line">
              <td><code>${l.sku ?? l.product_id}</code></td><td>${l.name ?? '—'}</td><td class="num">${l.qty}</td>
              <td class="num">${formatMoney(l.unit_price)}</td>
              <td class="num" data-testid="order-line-discount">${l.discount_bp ? `${bpToPercent(l.discount_bp)} %` : '—'}</td>
              <td class="num">${formatMoney(l.amount)}</td></tr>`)}</tbody>
          </table>
        </div>
        <div class="card">
          <h2>${t('admin.orders.payments')}</h2>
          ${d.payments.length === 0 ? html`<${Empty}>${t('admin.orders.noPayments')}<//>` : html`
            <table class="admin-table" data-testid="order-payments">
              <thead><tr><th>${t('admin.orders.when')}</th><th>${t('admin.orders.method')}</th>
                <th>${t('admin.orders.status')}</th><th class="num">${t('admin.orders.amount')}</th></tr></thead>
              <tbody>${d.payments.map((p) => html`<tr key=${p.id} data-testid="order-payment">
                <td>${formatDateTime(p.created_at)}</td><td>${label('payment.method', p.method)}</td>
                <td>${label('payment.status', p.status)}</td><td class="num">${formatMoney(p.amount)}</td></tr>`)}</tbody>
            </table>`}
        </div>
        <div class="card">
          <h2>${t('admin.orders.timeline')}</h2>
          ${may(role, 'devices.read') && html`<p><${Link} href=${`/admin/mutations?order_id=${encodeURIComponent(o.id)}`}
            data-testid="order-mutations">${t('admin.mutations.forOrder')}<//></p>`}
          <${NoteForm} testid="order-note" path=${`/api/admin/orders/${encodeURIComponent(o.id)}/notes`} onSaved=${setChanged} />
          <${Timeline} entries=${d.timeline} truncated=${d.timeline_truncated} orderId=${o.id} role=${role}
            names=${timelineNames(o, users, warehouses)} />
        </div>`}
    <//>`;
}

export function AdminOrders({ params = {}, query }) {
  const { me } = useApp();
  const role = me.user.role;
  if (!may(role, 'orders.read')) {
    return html`<${Screen} title=${t('admin.orders.title')} testid="admin-orders">
      <p class="error" data-testid="admin-forbidden">${t('admin.forbidden')}</p><//>`;
  }
  if (params.id === 'new') {
    return html`<${Screen} title=${t('admin.orders.new')} testid="admin-orders"
      actions=${html`<${Link} href="/admin/orders" data-testid="order-back">${t('admin.orders.back')}<//>`}>
      <${OrderForm} customerId=${query?.get('customer') ?? ''}
        onSaved=${(got) => navigate(`/admin/orders/${got.order.id}`, { replace: true })} /><//>`;
  }
  if (params.id) return html`<${Detail} key=${params.id} id=${params.id} query=${query} role=${role} />`;
  return html`<${List} query=${query} role=${role} />`;
}
