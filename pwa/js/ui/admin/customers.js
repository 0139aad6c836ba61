// /admin/customers and /admin/customers/:id (docs/admin.md § Customers): every customer in the
// console's table (search, sort, group by region or rep, pages, saved filters, all in the
// address), a customer's page (details, their orders, the activity with notes), and the form that
// creates or edits one — the customer.upsert a phone sends, as the admin (the server's rule
// decides), its bounds shown as typed (core/validate.js through LimitedField).
// orders.read to see and add notes; orders.assign to create and edit.

import { html } from 'htm/preact';
import { useState } from 'preact/hooks';

import { api } from '../../api.js';
import { apiQuery, tableQuery, tableState, withChange } from '../../core/table-state.js';
import { Invalid } from '../../core/validate.js';
import { formatDate, formatDateTime, formatMoney } from '../../format.js';
import { t } from '../../i18n.js';
import { Empty, ErrorBox, Field, Loading, Screen, StatusBadge, useAction } from '../components.js';
import { useApp } from '../context.js';
import { Link, navigate } from '../router.js';
import { LimitedField, fieldProblems } from '../validation.js';
import { may, useAdminList } from './common.js';
import { actionText } from './audit.js';
import { GroupBy, Pager, SavedFilters, Table } from './table.js';

const SPEC = {
  filters: ['q', 'region', 'owner_id'],
  sorts: ['name', 'phone', 'region', 'rep', 'orders', 'credit_limit', 'created_at'],
  groups: ['region', 'rep'],
  sort: 'name',
  dir: 'asc',
  size: 50,
};
const FIELDS = ['name', 'phone', 'address', 'region'];

function columns() {
  return [
    { label: t('customer.name'), sort: 'name',
      cell: (c) => html`<${Link} href=${`/admin/customers/${c.id}`} data-testid="customer-open">${c.name}<//>` },
    { label: t('customer.phone'), sort: 'phone', cell: (c) => c.phone ?? '—' },
    { label: t('customer.region'), sort: 'region', cell: (c) => c.region ?? '—' },
    { label: t('admin.orders.rep'), sort: 'rep', cell: (c) => c.owner_name ?? '—' },
    { label: t('admin.customers.orders'), sort: 'orders', num: true, cell: (c) => c.orders },
    { label: t('customer.creditLimit'), sort: 'credit_limit', num: true,
      cell: (c) => (c.credit_limit == null ? '—' : formatMoney(c.credit_limit)) },
    { label: t('admin.orders.created'), sort: 'created_at', cell: (c) => formatDate(c.created_at) },
  ];
}

function List({ query, role }) {
  const { me } = useApp();
  const state = tableState(query, SPEC);
  const qs = tableQuery(state, SPEC);
  const [page, error, reload] = useAdminList(`/api/admin/customers?${apiQuery(state)}`);
  const [text, setText] = useState(state.filters.q);
  const go = (next) => navigate(`/admin/customers${next ? `?${next}` : ''}`, { replace: true });
  const onState = (next) => go(tableQuery(next, SPEC));
  const group = state.group && {
    of: (c) => (state.group === 'rep' ? c.owner_id : c.region),
    label: (g) => (g.key == null ? t('admin.table.none') : g.label ?? g.key),
  };
  return html`
    <${Screen} title=${t('admin.customers.title')} testid="admin-customers"
      actions=${html`${may(role, 'orders.assign') && html`<${Link} href="/admin/customers/new" class="button primary"
        data-testid="customer-new">${t('admin.customers.new')}<//> `}
        <button type="button" data-testid="customers-reload" onClick=${reload}>${t('admin.reload')}</button>`}>
      <div class="filters admin-filters">
        <form class="search-form" role="search" onSubmit=${(e) => { e.preventDefault(); onState(withChange(state, { filters: { ...state.filters, q: text.trim() } })); }}>
          <${Field} label=${t('admin.orders.search')} type="search" value=${text} onInput=${setText} testid="customers-search"
            placeholder=${t('admin.customers.searchHint')} />
          <button type="submit" data-testid="customers-search-go">${t('admin.orders.find')}</button>
        </form>
        <${GroupBy} testid="customers" state=${state} onState=${onState}
          choices=${[['region', t('customer.region')], ['rep', t('admin.orders.rep')]]} />
        <${SavedFilters} testid="customers" storageKey=${`orderly.savedFilters.${me.user.id}.customers`} query=${qs} onApply=${go} />
      </div>
      <div class="actions">
        ${page && html`<span class="muted" data-testid="customers-total" data-total=${page.total}>${t('admin.customers.total', { count: page.total })}</span>`}
        ${qs && html`<button type="button" class="link" data-testid="customers-clear" onClick=${() => { setText(''); go(''); }}>${t('admin.orders.clear')}</button>`}
      </div>
      <${ErrorBox} error=${error} />
      ${page === undefined && !error ? html`<${Loading} />` : !page?.rows.length ? html`<${Empty}>${t('admin.customers.none')}<//>` : html`
        <${Table} testid="customers" state=${state} onState=${onState} rows=${page.rows} groups=${page.groups} group=${group}
          columns=${columns()} rowProps=${(c) => ({ 'data-testid': 'customer-row', 'data-id': c.id, 'data-name': c.name })} />`}
      ${page?.total > 0 && html`<${Pager} testid="customers" state=${state} onState=${onState} total=${page.total} />`}
    <//>`;
}

/** The customer form: create (no `customer`) or edit from the version read. */
export function CustomerForm({ customer, onSaved }) {
  const [values, setValues] = useState(() => Object.fromEntries(FIELDS.map((f) => [f, customer?.[f] ?? ''])));
  const [run, busy, error, setError] = useAction();
  const set = (f) => (v) => setValues({ ...values, [f]: v });
  const clean = (v) => (String(v ?? '').trim() === '' ? null : String(v).trim());
  const sent = (f) => (f === 'name' ? String(values.name ?? '').trim() : clean(values[f]));
  const save = (e) => {
    e.preventDefault();
    if (!sent('name')) {
      setError(new Error(t('customer.nameRequired')));
      return;
    }
    const problems = FIELDS.flatMap((f) => fieldProblems('customer.upsert', [f], sent(f)));
    if (problems.length) {
      setError(new Invalid('customer.upsert', problems));
      return;
    }
    const body = Object.fromEntries(FIELDS.map((f) => [f, sent(f)]));
    run(async () => {
      const got = customer
        ? await api('PUT', `/api/admin/customers/${encodeURIComponent(customer.id)}`, { ...body, base_version: customer.version })
        : await api('POST', '/api/admin/customers', body);
      onSaved(got);
    });
  };
  const field = (f, extra = {}) => html`<${LimitedField} name="customer.upsert" path=${[f]} send=${sent(f)} label=${t(`customer.${f}`)}
    value=${values[f]} onInput=${set(f)} testid=${`admin-customer-${f}-input`} ...${extra} />`;
  return html`
    <form class="card form" data-testid="admin-customer-form" onSubmit=${save}>
      <h2>${customer ? t('admin.customers.edit') : t('admin.customers.new')}</h2>
      ${field('name', { required: true })}${field('phone', { type: 'tel' })}${field('address', { multiline: true })}${field('region')}
      <${ErrorBox} error=${error} />
      <button type="submit" class="primary" data-testid="admin-customer-save" disabled=${busy}>${t('common.save')}</button>
    </form>`;
}

/** A note's form: `path` the record's notes endpoint; `onSaved(answer)`. */
export function NoteForm({ path, onSaved, testid }) {
  const [text, setText] = useState('');
  const [run, busy, error] = useAction();
  const max = 2000;
  const save = (e) => {
    e.preventDefault();
    if (!text.trim()) return;
    run(async () => {
      onSaved(await api('POST', path, { text: text.trim() }));
      setText('');
    });
  };
  return html`
    <form class="note-form" data-testid=${testid} onSubmit=${save}>
      <${Field} label=${t('admin.customers.note')} value=${text} onInput=${setText} testid=${`${testid}-text`} multiline maxlength=${max} />
      <small class="counter" data-testid=${`${testid}-count`}>${t('invalid.counter', { count: text.length, limit: max })}</small>
      <button type="submit" data-testid=${`${testid}-save`} disabled=${busy || !text.trim()}>${t('admin.customers.addNote')}</button>
      <${ErrorBox} error=${error} />
    </form>`;
}

/** A note's text, or an entry's detail as sent. */
export function noteText(detail) {
  try {
    const parsed = JSON.parse(detail ?? 'null');
    return typeof parsed?.text === 'string' ? parsed.text : detail ?? '';
  } catch {
    return detail ?? '';
  }
}

function Activity({ entries }) {
  if (!entries.length) return html`<${Empty}>${t('admin.orders.noTimeline')}<//>`;
  return html`
    <ul class="activity" data-testid="customer-activity">
      ${entries.map((e, i) => html`<li key=${i} data-testid="activity-entry" data-kind=${e.kind} data-summary=${e.summary}>
        <span class="muted nowrap">${formatDateTime(e.at)}</span> ·
        <strong>${e.kind === 'order' ? t('admin.customers.orderMade', { number: e.summary })
          : e.kind === 'admin' ? actionText(e.summary) : e.summary}</strong>
        ${e.who && html` · ${e.who}`}${e.outcome && html` · ${e.outcome}`}
        ${e.kind === 'admin' && e.summary.endsWith('.note') && html`<p class="note-text" data-testid="activity-note">${noteText(e.detail)}</p>`}
      </li>`)}
    </ul>`;
}

function Detail({ id, role }) {
  const [loaded, error] = useAdminList(`/api/admin/customers/${encodeURIComponent(id)}`);
  const [changed, setChanged] = useState(null);
  const [editing, setEditing] = useState(false);
  const d = changed ?? loaded;
  const c = d?.customer;
  return html`
    <${Screen} title=${c ? c.name : t('admin.customers.title')} testid="admin-customers"
      actions=${html`<${Link} href="/admin/customers" data-testid="customer-back">${t('admin.customers.back')}<//>`}>
      <${ErrorBox} error=${error} />
      ${!d ? (!error && html`<${Loading} />`) : html`
        <div class="card" data-testid="admin-customer" data-id=${c.id} data-version=${c.version}>
          <h2 data-testid="admin-customer-name">${c.name}</h2>
          <dl class="facts">
            <dt>${t('customer.phone')}</dt><dd data-testid="admin-customer-phone">${c.phone ?? '—'}</dd>
            <dt>${t('customer.address')}</dt><dd>${c.address ?? '—'}</dd>
            <dt>${t('customer.region')}</dt><dd data-testid="admin-customer-region">${c.region ?? '—'}</dd>
            <dt>${t('admin.orders.rep')}</dt><dd>${c.owner_name ?? '—'}</dd>
            <dt>${t('customer.creditLimit')}</dt><dd>${c.credit_limit == null ? '—' : formatMoney(c.credit_limit)}</dd>
          </dl>
          ${may(role, 'orders.assign') && html`<div class="actions">
            <button type="button" data-testid="admin-customer-edit" onClick=${() => setEditing(!editing)}>${t('common.edit')}</button>
            <${Link} class="button" href=${`/admin/orders/new?customer=${encodeURIComponent(c.id)}`} data-testid="customer-order-new">${t('admin.orders.new')}<//>
          </div>`}
        </div>
        ${editing && html`<${CustomerForm} key=${c.version} customer=${c} onSaved=${(got) => { setChanged(got); setEditing(false); }} />`}
        <div class="card">
          <h2>${t('admin.customers.orders')}</h2>
          ${d.orders.length === 0 ? html`<${Empty}>${t('customer.noOrders')}<//>` : html`
            <table class="admin-table" data-testid="customer-orders"><tbody>${d.orders.map((o) => html`<tr key=${o.id}>
              <td><${Link} href=${`/admin/orders/${o.id}`}>${o.number}<//></td><td><${StatusBadge} status=${o.status} /></td>
              <td>${o.due_date ? formatDate(o.due_date) : '—'}</td><td class="num">${formatMoney(o.total)}</td>
              <td>${formatDateTime(o.created_at)}</td></tr>`)}</tbody></table>`}
        </div>
        <div class="card">
          <h2>${t('admin.customers.activity')}</h2>
          <${NoteForm} testid="customer-note" path=${`/api/admin/customers/${encodeURIComponent(c.id)}/notes`} onSaved=${setChanged} />
          <${Activity} entries=${d.activity} />
        </div>`}
    <//>`;
}

function Create() {
  return html`
    <${Screen} title=${t('admin.customers.new')} testid="admin-customers"
      actions=${html`<${Link} href="/admin/customers" data-testid="customer-back">${t('admin.customers.back')}<//>`}>
      <${CustomerForm} onSaved=${(got) => navigate(`/admin/customers/${got.customer.id}`, { replace: true })} />
    <//>`;
}

export function AdminCustomers({ params = {}, query }) {
  const { me } = useApp();
  const role = me.user.role;
  if (!may(role, 'orders.read')) {
    return html`<${Screen} title=${t('admin.customers.title')} testid="admin-customers">
      <p class="error" data-testid="admin-forbidden">${t('admin.forbidden')}</p><//>`;
  }
  if (params.id === 'new') return html`<${Create} />`;
  if (params.id) return html`<${Detail} key=${params.id} id=${params.id} role=${role} />`;
  return html`<${List} query=${query} role=${role} />`;
}
