// /admin/mutations (docs/admin.md § Mutation log): every change a device sent, with its outcome
// (GET /api/admin/mutations: filtered and paged by keyset on the server, exported as CSV/XLSX),
// each row opening onto the data as it was sent, readable (mutation-data.js). Where admins see
// refused work: the devices page links a device's refused count here, an order's detail its
// changes. devices.read to see.
//
// The filters live in the address (?device_id=…&status=rejected), so links land on a filtered
// list and "back" returns to it. "next" follows the server's cursor, "previous" goes back along
// the cursors followed. Exports are plain links: a GET authenticates with the session cookie.

import { html } from 'htm/preact';
import { useState } from 'preact/hooks';

import { formatDateTime } from '../../format.js';
import { LOCALES, hasKey, t } from '../../i18n.js';
import { vocabulary } from '../../core/vocab.js';
import { Badge, Empty, ErrorBox, Field, Loading, Screen, Select } from '../components.js';
import { useApp } from '../context.js';
import { Link, navigate } from '../router.js';
import { may, useAdminList } from './common.js';
import { MutationData, OrderName } from './mutation-data.js';

const FILTERS = ['device_id', 'user_id', 'client_id', 'status', 'error', 'name', 'order_id', 'from', 'to'];
const OUTCOMES = ['rejected', 'conflict', 'applied', 'merged', 'duplicate'];
const OUTCOME_KIND = { applied: 'ok', merged: 'ok', conflict: 'warn', rejected: 'err', duplicate: 'muted' };
const PAGE = 50;

const label = (prefix, value) => (hasKey(`${prefix}.${value}`) ? t(`${prefix}.${value}`) : value);

function filtersOf(query) {
  return Object.fromEntries(FILTERS.map((k) => [k, query?.get(k) ?? '']));
}

function queryOf(filters) {
  const q = new URLSearchParams();
  for (const k of FILTERS) if (filters[k]) q.set(k, filters[k]);
  return q.toString();
}

/** The mutation names of the catalog (the vocabulary), and the one asked for if it is not. */
function mutationNames(current) {
  let names = [];
  try {
    names = Object.keys(vocabulary().mutations ?? {}).sort();
  } catch {
    // Vocabulary not loaded: only the current filter.
  }
  return current && !names.includes(current) ? [...names, current] : names;
}

/** The refusal codes the app has words for, and the one asked for if it has none. */
function errorCodes(current) {
  const codes = Object.keys(LOCALES.en).filter((k) => k.startsWith('reject.')).map((k) => k.slice(7)).sort();
  return current && !codes.includes(current) ? [...codes, current] : codes;
}

/** A free-text filter that applies on Enter or "Find", not on every key. */
function TextFilter({ label: text, value, onApply, testid }) {
  const [typed, setTyped] = useState(value);
  return html`
    <form class="search-form" onSubmit=${(e) => { e.preventDefault(); onApply(typed.trim()); }}>
      <${Field} label=${text} value=${typed} onInput=${setTyped} testid=${testid} />
      <button type="submit" data-testid=${`${testid}-go`}>${t('admin.mutations.find')}</button>
    </form>`;
}

function Filters({ filters, onChange, devices, users }) {
  const set = (key) => (value) => onChange({ ...filters, [key]: value });
  const all = [['', t('common.all')]];
  const deviceOptions = (devices ?? []).map((d) => [d.id, `${d.code} · ${d.user_name}`]);
  if (filters.device_id && !deviceOptions.some(([id]) => id === filters.device_id)) deviceOptions.push([filters.device_id, filters.device_id]);
  const userOptions = users ? users.map((u) => [u.id, u.name]) : null;
  return html`
    <div class="filters admin-filters mutations-filters" data-testid="mutations-filters">
      <${Select} label=${t('admin.mutations.status')} value=${filters.status} onChange=${set('status')} testid="mutations-filter-status"
        options=${[...all, ...OUTCOMES.map((s) => [s, t(`admin.mutations.outcome.${s}`)])]} />
      <${Select} label=${t('admin.mutations.name')} value=${filters.name} onChange=${set('name')} testid="mutations-filter-name"
        options=${[...all, ...mutationNames(filters.name).map((n) => [n, label('mutation', n)])]} />
      <${Select} label=${t('admin.mutations.error')} value=${filters.error} onChange=${set('error')} testid="mutations-filter-error"
        options=${[...all, ...errorCodes(filters.error).map((c) => [c, `${label('reject', c)} (${c})`])]} />
      <${Select} label=${t('admin.mutations.device')} value=${filters.device_id} onChange=${set('device_id')} testid="mutations-filter-device"
        options=${[...all, ...deviceOptions]} />
      ${userOptions
        ? html`<${Select} label=${t('admin.mutations.user')} value=${filters.user_id} onChange=${set('user_id')} testid="mutations-filter-user"
            options=${[...all, ...userOptions]} />`
        : html`<${TextFilter} key=${`u${filters.user_id}`} label=${t('admin.mutations.user')} value=${filters.user_id}
            onApply=${set('user_id')} testid="mutations-filter-user" />`}
      <${TextFilter} key=${`o${filters.order_id}`} label=${t('admin.mutations.order')} value=${filters.order_id}
        onApply=${set('order_id')} testid="mutations-filter-order" />
      <${TextFilter} key=${`c${filters.client_id}`} label=${t('admin.mutations.client')} value=${filters.client_id}
        onApply=${set('client_id')} testid="mutations-filter-client" />
      <${Field} label=${t('admin.mutations.from')} type="date" value=${filters.from} onInput=${set('from')} testid="mutations-filter-from" />
      <${Field} label=${t('admin.mutations.to')} type="date" value=${filters.to} onInput=${set('to')} testid="mutations-filter-to" />
    </div>`;
}

/** The order a row is about: its number (a link) where the server has it, else what was sent. */
function orderCell(m, refs) {
  if (!m.order_id) return '—';
  const sent = m.name === 'order.create' && typeof m.args?.number === 'string' ? m.args.number : null;
  return html`<${OrderName} id=${m.order_id} refs=${refs} fallback=${sent} />`;
}

function customerOf(m, refs) {
  const id = m.args?.customer_id ?? m.args?.set?.customer_id ?? refs.orders?.[m.order_id]?.customer_id;
  if (typeof id !== 'string') return m.name === 'customer.upsert' && typeof m.args?.name === 'string' ? m.args.name : '—';
  return refs.customers?.[id] ?? html`<code>${id}</code>`;
}

function Row({ m, refs, open, onToggle, role }) {
  return html`
    <tr data-testid="mutation-row" data-id=${m.id} data-name=${m.name} data-status=${m.status}
      data-error=${m.error ?? ''} class=${m.status === 'rejected' ? 'invalid' : ''}>
      <td class="nowrap">${formatDateTime(m.received_at)}</td>
      <td><${Badge} kind=${OUTCOME_KIND[m.status] ?? 'info'} testid="mutation-status">${label('admin.mutations.outcome', m.status)}<//></td>
      <td data-testid="mutation-name">${hasKey(`mutation.${m.name}`) ? t(`mutation.${m.name}`) : html`<code>${m.name}</code>`}</td>
      <td data-testid="mutation-order">${orderCell(m, refs)}</td>
      <td data-testid="mutation-customer">${customerOf(m, refs)}</td>
      <td>${m.user_name ?? html`<code>${m.user_id}</code>`}</td>
      <td><code>${m.device_code ?? ''}</code></td>
      <td data-testid="mutation-error">${m.error ? label('reject', m.error) : ''}</td>
      <td><button type="button" class="link" data-testid="mutation-toggle" aria-expanded=${String(open)}
        onClick=${onToggle}>${open ? t('admin.mutations.hide') : t('admin.mutations.show')}</button></td>
    </tr>
    ${open && html`
      <tr class="mutation-detail" data-testid="mutation-detail" data-id=${m.id}>
        <td colspan="9">
          ${m.error && html`<p class="error" data-testid="mutation-reason">${label('reject', m.error)}
            ${m.message && html`<br /><small>${t('admin.mutations.serverSaid')}: <span data-testid="mutation-message">${m.message}</span></small>`}</p>`}
          ${m.conflict_id && may(role, 'conflicts.resolve') && html`<p><${Link} href=${`/admin/conflicts/${m.conflict_id}`}
            data-testid="mutation-conflict">${t('admin.mutations.conflict')}<//></p>`}
          <${MutationData} row=${m} refs=${refs} />
          <p class="muted"><small>${t('admin.mutations.sentAs', { id: m.mutation_id, client: m.client_id })}</small></p>
        </td>
      </tr>`}`;
}

export function AdminMutations({ query }) {
  const { me } = useApp();
  const role = me.user.role;
  const allowed = may(role, 'devices.read');
  const filters = filtersOf(query);
  const qs = queryOf(filters);
  const [cursors, setCursors] = useState([]); // the cursors followed to reach this page
  const [opened, setOpened] = useState(() => new Set());
  const cursor = cursors[cursors.length - 1];
  const [page, error, reload] = useAdminList(
    `/api/admin/mutations?${qs}${qs ? '&' : ''}limit=${PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, allowed,
  );
  const [devices] = useAdminList('/api/admin/devices', allowed);
  const [users] = useAdminList('/api/admin/users', allowed && may(role, 'users.read'));
  if (!allowed) {
    return html`<${Screen} title=${t('admin.mutations.title')} testid="admin-mutations">
      <p class="error" data-testid="admin-forbidden">${t('admin.forbidden')}</p><//>`;
  }
  const change = (next) => {
    setCursors([]);
    setOpened(new Set());
    navigate(`/admin/mutations?${queryOf(next)}`, { replace: true });
  };
  const toggle = (id) => {
    const next = new Set(opened);
    if (next.has(id)) next.delete(id); else next.add(id);
    setOpened(next);
  };
  const refs = page?.refs ?? {};
  const number = filters.order_id && refs.orders?.[filters.order_id]?.number;
  // A link to one change (the only one of its filter) opens it at once.
  const single = page?.rows.length === 1 ? page.rows[0].id : null;
  const exportHref = (format) => `/api/admin/mutations?${qs}${qs ? '&' : ''}format=${format}`;
  return html`
    <${Screen} title=${number ? t('admin.mutations.titleOrder', { number }) : t('admin.mutations.title')} testid="admin-mutations"
      actions=${html`<button type="button" data-testid="mutations-reload" onClick=${reload}>${t('admin.reload')}</button>`}>
      <p class="muted">${t('admin.mutations.hint')}</p>
      <${Filters} filters=${filters} onChange=${change} devices=${devices} users=${users} />
      <div class="actions">
        ${page && html`<span class="muted" data-testid="mutations-total" data-total=${page.total}>${
          t(page.total_capped ? 'admin.mutations.totalMore' : 'admin.mutations.total', { count: page.total })}</span>`}
        ${qs && html`<button type="button" class="link" data-testid="mutations-clear" onClick=${() => change({})}>${t('admin.mutations.clear')}</button>`}
        <a href=${exportHref('csv')} download data-testid="mutations-export-csv">${t('admin.mutations.exportCsv')}</a>
        <a href=${exportHref('xlsx')} download data-testid="mutations-export-xlsx">${t('admin.mutations.exportXlsx')}</a>
      </div>
      <${ErrorBox} error=${error} />
      ${page === undefined && !error ? html`<${Loading} />` : !page?.rows.length ? html`<${Empty}>${t('admin.mutations.none')}<//>` : html`
        <div class="table-wrap" tabindex="0" role="region" aria-label=${t('admin.mutations.title')}>
          <table class="admin-table mutations-table" data-testid="mutations-table">
            <thead><tr>
              <th>${t('admin.mutations.when')}</th><th>${t('admin.mutations.status')}</th><th>${t('admin.mutations.name')}</th>
              <th>${t('admin.mutations.order')}</th><th>${t('admin.mutations.customer')}</th><th>${t('admin.mutations.user')}</th>
              <th>${t('admin.mutations.device')}</th><th>${t('admin.mutations.error')}</th><th><span class="visually-hidden">${t('common.actions')}</span></th>
            </tr></thead>
            <tbody>${page.rows.map((m) => html`<${Row} key=${m.id} m=${m} refs=${refs} role=${role}
              open=${opened.has(m.id) !== (m.id === single)} onToggle=${() => toggle(m.id)} />`)}</tbody>
          </table>
        </div>
        <div class="actions pager">
          <button type="button" data-testid="mutations-previous" disabled=${cursors.length === 0}
            onClick=${() => setCursors(cursors.slice(0, -1))}>${t('admin.mutations.previous')}</button>
          <span class="muted" data-testid="mutations-page">${t('admin.mutations.page', { n: cursors.length + 1 })}</span>
          <button type="button" data-testid="mutations-next" disabled=${page.next == null}
            onClick=${() => setCursors([...cursors, page.next])}>${t('admin.mutations.next')}</button>
        </div>`}
    <//>`;
}
