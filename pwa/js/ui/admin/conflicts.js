// /admin/conflicts and /admin/conflicts/:id (docs/admin.md): every conflict, filtered (status,
// severity, kind, user, device, dates), a page at a time, with a detail beside the list (base,
// server and device values side by side, who, where, when, the change that was sent, the reason)
// and resolving: keep the server value, take the device value, or type a new one; several like
// conflicts (same kind, table and field) at once, after a confirmation that names each one's
// order and both values. conflicts.resolve to see and act. The filters are one compact row (the
// dates behind a disclosure) so the first conflict shows without scrolling; the order a conflict
// is about opens in the console (/admin/orders/<id>).
//
// Where the data comes from: the list is a page of GET /api/admin/conflicts (server-side filters
// and paging, with user names and device codes, which the store has not), laid over with the
// same rows from the store (admins and managers sync every conflict), so a decision shows at once
// (the optimistic view's conflict.resolve, core/optimistic.js) and the page reloads when a sync changes conflicts.
// Every decision is a conflict.resolve mutation through the store, like the phone's: it syncs,
// and every device holding the order pulls the value.

import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';

import { formatDateTime } from '../../format.js';
import { hasKey, t } from '../../i18n.js';
import { Badge, Empty, ErrorBox, Field, Loading, Screen, Select, useAction } from '../components.js';
import { explain, formatValue, sideText, subjectOfRow, subjectText, what } from '../conflict-text.js';
import { CustomInput, takesValue, useConflictNames, When } from '../conflicts.js';
import { useApp } from '../context.js';
import { OPEN_CONFLICT } from '../hooks.js';
import { useLive } from '../live.js';
import { Link, navigate } from '../router.js';
import { may, useAdminList } from './common.js';

const FILTERS = ['status', 'severity', 'kind', 'user_id', 'device_id', 'from', 'to'];
const STATUSES = ['open', 'referred', 'resolved'];
const SEVERITIES = ['low', 'normal', 'high'];
const KINDS = [
  'field', 'transition', 'locked', 'line_changed', 'line_removed', 'missing_reference',
  'negative_stock', 'payment', 'double_redemption', 'overwritten',
];
const PAGE = 50;

/** The filters of the address (?status=open&…): the list's state survives opening a detail. */
function filtersOf(query) {
  const f = Object.fromEntries(FILTERS.map((k) => [k, query?.get(k) ?? '']));
  if (!query?.has('status')) f.status = 'open';
  return f;
}

/** The address's query: an empty status is kept (it means "all", none means "open"). */
function queryOf(filters) {
  const q = new URLSearchParams();
  for (const k of FILTERS) if (filters[k] || k === 'status') q.set(k, filters[k] ?? '');
  return q.toString();
}

/** The API's query: only the filters that are set. */
function apiQueryOf(filters) {
  const q = new URLSearchParams();
  for (const k of FILTERS) if (filters[k]) q.set(k, filters[k]);
  return q.toString();
}

/** Conflicts that can be settled together: the same kind on the same table's field. */
const likeKey = (c) => `${c.kind}|${c.table_name}|${c.field ?? ''}`;
const label = (prefix, value) => (hasKey(`${prefix}.${value}`) ? t(`${prefix}.${value}`) : value);

function Filters({ filters, onChange, users, devices }) {
  const set = (key) => (value) => onChange({ ...filters, [key]: value });
  const all = [['', t('common.all')]];
  const dated = [filters.from, filters.to].filter(Boolean).length;
  return html`
    <div class="admin-filters conflict-filters" data-testid="conflict-filters">
      <${Select} label=${t('admin.conflicts.status')} value=${filters.status} onChange=${set('status')} testid="conflict-filter-status"
        options=${[...all, ...STATUSES.map((s) => [s, label('conflict.status', s)])]} />
      <${Select} label=${t('admin.conflicts.severity')} value=${filters.severity} onChange=${set('severity')} testid="conflict-filter-severity"
        options=${[...all, ...SEVERITIES.map((s) => [s, label('admin.conflicts.severity', s)])]} />
      <${Select} label=${t('admin.conflicts.kind')} value=${filters.kind} onChange=${set('kind')} testid="conflict-filter-kind"
        options=${[...all, ...KINDS.map((k) => [k, label('conflict.kind', k)])]} />
      <${Select} label=${t('admin.conflicts.user')} value=${filters.user_id} onChange=${set('user_id')} testid="conflict-filter-user"
        options=${[...all, ...(users ?? []).map((u) => [u.id, u.name])]} />
      <${Select} label=${t('admin.conflicts.device')} value=${filters.device_id} onChange=${set('device_id')} testid="conflict-filter-device"
        options=${[...all, ...(devices ?? []).map((d) => [d.id, `${d.code} · ${d.user_name}`])]} />
      <details class="conflict-dates" data-testid="conflict-filter-dates" open=${dated > 0}>
        <summary data-testid="conflict-filter-dates-toggle">${dated
          ? t('admin.conflicts.datesSet', { count: dated }) : t('admin.conflicts.dates')}</summary>
        <div class="conflict-dates-fields">
          <${Field} label=${t('admin.conflicts.from')} type="date" value=${filters.from} onInput=${set('from')} testid="conflict-filter-from" />
          <${Field} label=${t('admin.conflicts.to')} type="date" value=${filters.to} onInput=${set('to')} testid="conflict-filter-to" />
        </div>
      </details>
    </div>`;
}

/** What a conflict is about, in the console: its order opens the console's order page (never
 * the phone's /orders/<id>); the customer and product by name. */
function AdminSubject({ subject, testid }) {
  if (!subject) return null;
  const parts = [
    subject.orderNumber && (subject.orderId
      ? html`<${Link} href=${`/admin/orders/${subject.orderId}`} data-testid=${testid}>${subject.orderNumber}<//>`
      : html`<span data-testid=${testid}>${subject.orderNumber}</span>`),
    subject.customerName && html`<span data-testid=${`${testid}-customer`}>${subject.customerName}</span>`,
    subject.productName && html`<span data-testid=${`${testid}-product`}>${subject.productName}</span>`,
  ].filter(Boolean);
  return html`<span class="subject">${parts.map((p, i) => html`${i ? ' · ' : ''}${p}`)}</span>`;
}

/** The confirmation of a bulk decision: how many, and each conflict's record, field and both
 * values in words, the value that will stand marked. */
function BulkQuestion({ selected, resolution, subjects, names, busy, onYes, onNo }) {
  const count = selected.length;
  return html`
    <div class="bulk-question" data-testid="conflict-bulk-question" data-resolution=${resolution} data-count=${count}>
      <p><strong>${t(resolution === 'server' ? 'admin.conflicts.bulkServerQuestion' : 'admin.conflicts.bulkDeviceQuestion', { count })}</strong></p>
      <table class="admin-table">
        <thead><tr><th>${t('admin.conflicts.record')}</th><th>${t('admin.conflicts.what')}</th>
          <th>${t('admin.conflicts.server')}</th><th>${t('admin.conflicts.deviceValue')}</th></tr></thead>
        <tbody>${selected.map((c) => html`
          <tr key=${c.id} data-testid="conflict-bulk-item" data-id=${c.id}>
            <td data-testid="conflict-bulk-subject">${subjectText(subjects[c.id]) || '—'}</td>
            <td data-testid="conflict-bulk-what">${what(c)}</td>
            <td data-testid="conflict-bulk-server-value" class=${resolution === 'server' ? 'stands' : 'goes'}>${sideText(c, 'server_value', names)}</td>
            <td data-testid="conflict-bulk-device-value" class=${resolution === 'client' ? 'stands' : 'goes'}>${sideText(c, 'client_value', names)}
              <small class="muted"> · ${c.user_name ?? c.user_id}</small></td>
          </tr>`)}</tbody>
      </table>
      <div class="actions">
        <button type="button" class="primary" data-testid="conflict-bulk-yes" disabled=${busy} onClick=${onYes}>
          ${t(resolution === 'server' ? 'admin.conflicts.bulkServer' : 'admin.conflicts.bulkDevice', { count })}</button>
        <button type="button" data-testid="conflict-bulk-no" disabled=${busy} onClick=${onNo}>${t('common.cancel')}</button>
      </div>
    </div>`;
}

function Bulk({ selected, subjects, names, onClear, onSettled }) {
  const { actions, sync } = useApp();
  const [asking, setAsking] = useState(null);
  const [run, busy, error] = useAction();
  const alike = new Set(selected.map(likeKey)).size === 1;
  const resolveAll = (resolution) => run(async () => {
    for (const c of selected) await actions.resolveConflict(c.id, resolution);
    setAsking(null);
    // Sent before the list is asked again, so the server's page has them settled.
    await sync?.syncNow().catch(() => {});
    onSettled();
  });
  return html`
    <div class="card bulk" data-testid="conflict-bulk" data-count=${selected.length}>
      <strong>${t('admin.conflicts.selected', { count: selected.length })}</strong>
      ${asking ? html`<${BulkQuestion} selected=${selected} resolution=${asking} subjects=${subjects} names=${names}
          busy=${busy} onYes=${() => resolveAll(asking)} onNo=${() => setAsking(null)} />`
        : alike ? html`
        <button type="button" data-testid="conflict-bulk-server" disabled=${busy}
          onClick=${() => setAsking('server')}>${t('admin.conflicts.bulkServer', { count: selected.length })}</button>
        ${takesValue(selected[0]) && html`<button type="button" data-testid="conflict-bulk-device" disabled=${busy}
          onClick=${() => setAsking('client')}>${t('admin.conflicts.bulkDevice', { count: selected.length })}</button>`}`
        : html`<span class="muted" data-testid="conflict-bulk-unlike">${t('admin.conflicts.notAlike')}</span>`}
      ${!asking && html`<button type="button" class="link" data-testid="conflict-bulk-clear" onClick=${onClear}>${t('admin.conflicts.clear')}</button>`}
      <${ErrorBox} error=${error} />
    </div>`;
}

/** What a conflict is about, by name: the server's names (GET /api/admin/conflicts joins them),
 * else the store's. */
const subjectOf = (c, local) => (c.order_number || c.customer_name || c.product_name ? subjectOfRow(c) : local);

function Row({ c, open, picked, onPick, href, subject }) {
  const settled = !OPEN_CONFLICT.includes(c.status);
  return html`
    <tr data-testid="admin-conflict-row" data-id=${c.id} data-status=${c.status} data-kind=${c.kind}
      class=${open ? 'selected' : ''}>
      <td><input type="checkbox" data-testid="conflict-select" aria-label=${t('admin.conflicts.select')}
        checked=${picked} disabled=${settled} onChange=${(e) => onPick(e.currentTarget.checked)} /></td>
      <td class="nowrap">${formatDateTime(c.created_at)}</td>
      <td><${Link} href=${href} data-testid="conflict-open">${what(c)}<//></td>
      <td data-testid="conflict-row-subject">${subjectText(subject)}</td>
      <td>${c.user_name ?? c.user_id}</td>
      <td><code>${c.device_code ?? '—'}</code></td>
      <td>${label('admin.conflicts.severity', c.severity)}</td>
      <td data-testid="conflict-row-status">${label('conflict.status', c.status)}</td>
      <td class="muted">${explain(c)}</td>
    </tr>`;
}

function Value({ c, label: caption, side, testid, names }) {
  return html`<div class="value" data-testid=${testid}><small>${caption}</small><strong>${sideText(c, side, names)}</strong></div>`;
}

/** The change the device sent, in words: its name and the fields it set (no JSON). */
function mutationText(mutation, names) {
  const name = mutation?.name;
  if (!name) return '—';
  const title = hasKey(`mutation.${name}`) ? t(`mutation.${name}`) : name;
  const args = mutation.args ?? {};
  const body = args.set ?? (args.line ? { line: args.line } : args);
  const text = formatValue(null, body, names);
  return text === '—' ? title : `${title}: ${text}`;
}

function Resolve({ c }) {
  const { actions } = useApp();
  const [custom, setCustom] = useState(null);
  const [run, busy, error] = useAction();
  const resolve = (resolution, value) => run(() => actions.resolveConflict(c.id, resolution, value));
  return html`
    <div class="resolve actions">
      <button type="button" data-testid="admin-conflict-keep-server" disabled=${busy}
        onClick=${() => resolve('server')}>${t('admin.conflicts.keepServer')}</button>
      ${takesValue(c) && html`
        <button type="button" data-testid="admin-conflict-take-device" disabled=${busy}
          onClick=${() => resolve('client')}>${t('admin.conflicts.takeDevice')}</button>
        ${custom === null
          ? html`<button type="button" data-testid="admin-conflict-custom" disabled=${busy}
              onClick=${() => setCustom(typeof c.client_value === 'string' ? c.client_value : '')}>${t('admin.conflicts.typeValue')}</button>`
          : html`<div class="inset">
              <${CustomInput} field=${c.field} value=${custom} onInput=${setCustom} />
              <button type="button" class="primary" data-testid="admin-conflict-custom-save" disabled=${busy}
                onClick=${() => resolve('custom', custom)}>${t('common.save')}</button></div>`}`}
      <${ErrorBox} error=${error} />
    </div>`;
}

function Detail({ id, listed, back }) {
  const { store } = useApp();
  const local = useLive(() => store.db.conflicts.get(id), [store, id]);
  const [fetched, error] = useAdminList(`/api/admin/conflicts?id=${encodeURIComponent(id)}`, !listed);
  const server = listed ?? fetched?.rows?.[0];
  const named = useConflictNames(server ?? local ? [{ ...server, ...(local ?? {}) }] : []);
  if (!server && !local) {
    return html`<div class="card" data-testid="admin-conflict-detail">
      <${ErrorBox} error=${error} />${fetched || local === null ? html`<p class="empty">${t('common.notFound')}</p>` : html`<${Loading} />`}</div>`;
  }
  // The store's row is the freshest (a decision made here shows before it syncs); the server's
  // adds the names.
  const c = { ...server, ...(local ?? {}) };
  const mutation = c.mutation ?? {};
  const subject = subjectOf(c, named.subjects[c.id]);
  const open = OPEN_CONFLICT.includes(c.status);
  const pending = server && local && local.status !== server.status;
  return html`
    <div class="card conflict-detail" data-testid="admin-conflict-detail" data-id=${c.id} data-status=${c.status}>
      <div class="actions"><h2>${what(c)}</h2>
        <${Link} href=${back} data-testid="admin-conflict-close">${t('admin.conflicts.close')}<//></div>
      <p><${AdminSubject} subject=${subject} testid="admin-conflict-subject" /> · <span data-testid="admin-conflict-status">${label('conflict.status', c.status)}</span>
        ${c.severity !== 'normal' && html` <${Badge} kind="warn">${label('admin.conflicts.severity', c.severity)}<//>`}</p>
      <p class="muted" data-testid="admin-conflict-reason" title=${c.reason}>${explain(c)}</p>
      <div class="side-by-side">
        <${Value} c=${c} label=${t('admin.conflicts.base')} side="base_value" testid="admin-conflict-base" names=${named.names} />
        <${Value} c=${c} label=${t('admin.conflicts.server')} side="server_value" testid="admin-conflict-server" names=${named.names} />
        <${Value} c=${c} label=${t('admin.conflicts.deviceValue')} side="client_value" testid="admin-conflict-device" names=${named.names} />
      </div>
      <dl class="facts">
        <dt>${t('admin.conflicts.who')}</dt><dd data-testid="admin-conflict-who">${c.user_name ?? c.user_id}</dd>
        <dt>${t('admin.conflicts.where')}</dt><dd data-testid="admin-conflict-where"><code>${c.device_code ?? '—'}</code> <small class="muted">${c.client_id}</small></dd>
        <dt>${t('admin.conflicts.when')}</dt><dd data-testid="admin-conflict-when"><${When} at=${c.created_at} /></dd>
        ${c.winner_id && html`<dt>${t('admin.conflicts.winner')}</dt><dd data-testid="admin-conflict-winner">${
          t('admin.conflicts.writtenBy', { name: c.winner_name ?? c.winner_id, when: formatDateTime(c.winner_at) })}</dd>`}
        <dt>${t('admin.conflicts.mutation')}</dt><dd data-testid="admin-conflict-mutation">${mutationText(mutation, named.names)}</dd>
        ${c.resolution && html`<dt>${t('admin.conflicts.resolution')}</dt><dd data-testid="admin-conflict-resolution">
          ${t('admin.conflicts.resolvedBy', {
            resolution: label('admin.conflicts.resolution', c.resolution),
            name: c.resolver_name ?? c.resolver_id ?? '—',
            when: formatDateTime(c.resolved_at),
          })}${c.status === 'resolved' ? html`: <strong data-testid="admin-conflict-resolved-value">${formatValue(c.field, c.resolved_value, named.names)}</strong>` : ''}</dd>`}
      </dl>
      ${pending && html`<p class="note" data-testid="admin-conflict-pending">${t('admin.conflicts.pendingSync')}</p>`}
      ${open && html`<${Resolve} key=${c.id} c=${c} />`}
    </div>`;
}

export function AdminConflicts({ params = {}, query }) {
  const { me, store } = useApp();
  const role = me.user.role;
  const allowed = may(role, 'conflicts.resolve');
  const filters = filtersOf(query);
  const qs = queryOf(filters);
  const apiQs = apiQueryOf(filters);
  const [offset, setOffset] = useState(0);
  const [picked, setPicked] = useState({});
  const [page, error, reload] = useAdminList(`/api/admin/conflicts?${apiQs}&limit=${PAGE}&offset=${offset}`, allowed);
  const [users] = useAdminList('/api/admin/users', allowed && may(role, 'users.read'));
  const [devices] = useAdminList('/api/admin/devices', allowed && may(role, 'devices.read'));
  // A sync that brings or settles conflicts changes these counts: the page is asked again.
  const changed = useLive(() => Promise.all([
    store.db.conflicts.count(), store.db.conflicts.where('status').anyOf(OPEN_CONFLICT).count(),
  ]).then((n) => n.join(':')), [store]);
  useEffect(() => { if (changed !== undefined && page) reload(); }, [changed]);
  const ids = (page?.rows ?? []).map((r) => r.id);
  const local = useLive(() => store.db.conflicts.bulkGet(ids), [store, ids.join(',')]);
  const named = useConflictNames(page?.rows);
  if (!allowed) {
    return html`<${Screen} title=${t('admin.conflicts.title')} testid="admin-conflicts">
      <p class="error" data-testid="admin-forbidden">${t('admin.forbidden')}</p><//>`;
  }
  // The store's rows by id (a live answer may still be of the page before).
  const fresh = Object.fromEntries((local ?? []).filter(Boolean).map((c) => [c.id, c]));
  // A row settled here leaves a list filtered on another status at once, not at the next Reload.
  const rows = (page?.rows ?? []).map((r) => ({ ...r, ...(fresh[r.id] ?? {}) }))
    .filter((r) => !filters.status || r.status === filters.status || r.id === params.id);
  const selected = rows.filter((r) => picked[r.id] && OPEN_CONFLICT.includes(r.status));
  const change = (next) => {
    setOffset(0);
    setPicked({});
    navigate(`${params.id ? `/admin/conflicts/${params.id}` : '/admin/conflicts'}?${queryOf(next)}`, { replace: true });
  };
  const exportHref = (format) => `/api/admin/conflicts?${apiQs}&format=${format}`;
  return html`
    <${Screen} title=${t('admin.conflicts.title')} testid="admin-conflicts"
      actions=${html`<button type="button" data-testid="conflicts-reload" onClick=${reload}>${t('admin.reload')}</button>`}>
      <${Filters} filters=${filters} onChange=${change} users=${users} devices=${devices} />
      <div class="actions">
        ${page && html`<span class="muted" data-testid="conflicts-total">${t('admin.conflicts.total', { count: page.total })}</span>`}
        <a href=${exportHref('csv')} download data-testid="conflicts-export-csv">${t('admin.conflicts.exportCsv')}</a>
        <a href=${exportHref('xlsx')} download data-testid="conflicts-export-xlsx">${t('admin.conflicts.exportXlsx')}</a>
      </div>
      <${ErrorBox} error=${error} />
      ${selected.length > 0 && html`<${Bulk} selected=${selected} names=${named.names}
        subjects=${Object.fromEntries(selected.map((c) => [c.id, subjectOf(c, named.subjects[c.id])]))}
        onClear=${() => setPicked({})} onSettled=${() => { setPicked({}); reload(); }} />`}
      ${params.id && html`<${Detail} key=${params.id} id=${params.id} listed=${page?.rows.find((r) => r.id === params.id)}
        back=${`/admin/conflicts?${qs}`} />`}
      ${page === undefined && !error ? html`<${Loading} />` : rows.length === 0 ? html`<${Empty}>${t('admin.conflicts.none')}<//>` : html`
        <div class="table-wrap" tabindex="0" role="region" aria-label=${t('admin.conflicts.title')}>
          <table class="admin-table" data-testid="conflicts-table">
            <thead><tr>
              <th><span class="visually-hidden">${t('common.select')}</span></th><th>${t('admin.conflicts.when')}</th><th>${t('admin.conflicts.what')}</th>
              <th>${t('admin.conflicts.record')}</th><th>${t('admin.conflicts.user')}</th>
              <th>${t('admin.conflicts.device')}</th><th>${t('admin.conflicts.severity')}</th><th>${t('admin.conflicts.status')}</th>
              <th>${t('admin.conflicts.reason')}</th>
            </tr></thead>
            <tbody>${rows.map((c) => html`<${Row} key=${c.id} c=${c} open=${c.id === params.id} picked=${!!picked[c.id]}
              subject=${subjectOf(c, named.subjects[c.id])}
              href=${`/admin/conflicts/${c.id}?${qs}`}
              onPick=${(on) => setPicked((p) => ({ ...p, [c.id]: on }))} />`)}</tbody>
          </table>
        </div>
        <div class="actions pager">
          <button type="button" data-testid="conflicts-previous" disabled=${offset === 0}
            onClick=${() => setOffset(Math.max(0, offset - PAGE))}>${t('admin.conflicts.previous')}</button>
          <button type="button" data-testid="conflicts-next" disabled=${page?.next == null}
            onClick=${() => setOffset(page.next)}>${t('admin.conflicts.next')}</button>
        </div>`}
    <//>`;
}
