// /admin/audit (docs/admin.md): the audit log, newest first, filtered (action, with * as a
// wildcard; actor; subject; dates), a page at a time (GET /api/admin/audit, keyset pages by
// sequence number), exported as CSV/XLSX, and the check of its hash chain
// (GET /api/admin/audit/verify). audit.read to see.

import { html } from 'htm/preact';
import { useState } from 'preact/hooks';

import { api } from '../../api.js';
import { formatDateTime, formatNumber } from '../../format.js';
import { t } from '../../i18n.js';
import { Empty, ErrorBox, Field, Loading, Screen, Select, useAction } from '../components.js';
import { useApp } from '../context.js';
import { may, useAdminList } from './common.js';

const PAGE = 50;
const EMPTY = { action: '', actor_id: '', subject: '', from: '', to: '' };

function queryOf(filters, extra = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...filters, ...extra })) if (v !== '' && v != null) q.set(k, v);
  return q.toString();
}

/** The detail JSON as one readable line: {"role":"sales"} → role: sales. */
function detailText(detail) {
  try {
    const parsed = JSON.parse(detail);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      return Object.entries(parsed).map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : v}`).join(' · ');
    }
  } catch {
    // Not JSON: shown as stored.
  }
  return detail;
}

function ChainCheck() {
  const [result, setResult] = useState(null);
  const [run, busy, error] = useAction();
  const check = () => run(async () => setResult(await api('GET', '/api/admin/audit/verify')));
  return html`
    <div class="card audit-chain">
      <button type="button" data-testid="audit-verify" disabled=${busy} onClick=${check}>
        ${busy ? t('common.wait') : t('admin.audit.verify')}</button>
      ${result?.ok && html`<p class="ok" data-testid="audit-chain-ok" role="status">
        ${t('admin.audit.chainOk', { count: formatNumber(result.entries) })}</p>`}
      ${result && !result.ok && html`<p class="error" data-testid="audit-chain-broken" role="alert"
        data-seq=${result.first_bad_seq}>${t('admin.audit.chainBroken', {
          seq: result.first_bad_seq ?? '—', reason: result.reason ?? '', count: formatNumber(result.entries),
        })}</p>`}
      <${ErrorBox} error=${error} />
    </div>`;
}

function Filters({ initial, users, onSearch }) {
  const [f, setF] = useState(initial);
  const set = (key) => (value) => setF({ ...f, [key]: value });
  const submit = (e) => {
    e.preventDefault();
    onSearch(f);
  };
  return html`
    <form class="filters admin-filters" data-testid="audit-filters" onSubmit=${submit}>
      <${Field} label=${t('admin.audit.action')} value=${f.action} onInput=${set('action')} testid="audit-filter-action"
        placeholder="auth.*" />
      ${users
        ? html`<${Select} label=${t('admin.audit.actor')} value=${f.actor_id} onChange=${set('actor_id')} testid="audit-filter-actor"
            options=${[['', t('common.all')], ...users.map((u) => [u.id, u.name])]} />`
        : html`<${Field} label=${t('admin.audit.actor')} value=${f.actor_id} onInput=${set('actor_id')} testid="audit-filter-actor" />`}
      <${Field} label=${t('admin.audit.subject')} value=${f.subject} onInput=${set('subject')} testid="audit-filter-subject" />
      <${Field} label=${t('admin.audit.from')} type="date" value=${f.from} onInput=${set('from')} testid="audit-filter-from" />
      <${Field} label=${t('admin.audit.to')} type="date" value=${f.to} onInput=${set('to')} testid="audit-filter-to" />
      <div class="actions">
        <button type="submit" class="primary" data-testid="audit-search">${t('admin.audit.search')}</button>
        <button type="button" data-testid="audit-clear" onClick=${() => { setF(EMPTY); onSearch(EMPTY); }}>
          ${t('admin.audit.clear')}</button>
      </div>
    </form>`;
}

export function AdminAudit() {
  const { me } = useApp();
  const role = me.user.role;
  const allowed = may(role, 'audit.read');
  const [filters, setFilters] = useState(EMPTY);
  // The pages seen so far: each one's before_seq ('' for the newest), for "previous".
  const [cursors, setCursors] = useState(['']);
  const before = cursors[cursors.length - 1];
  const [page, error, reload] = useAdminList(`/api/admin/audit?${queryOf(filters, { limit: PAGE, before_seq: before })}`, allowed);
  const [users] = useAdminList('/api/admin/users', allowed && may(role, 'users.read'));
  if (!allowed) {
    return html`<${Screen} title=${t('admin.audit.title')} testid="admin-audit">
      <p class="error" data-testid="admin-forbidden">${t('admin.forbidden')}</p><//>`;
  }
  const search = (next) => {
    setFilters(next);
    setCursors(['']);
  };
  const names = page?.names ?? {};
  const exportHref = (format) => `/api/admin/audit?${queryOf(filters, { format })}`;
  return html`
    <${Screen} title=${t('admin.audit.title')} testid="admin-audit"
      actions=${html`<button type="button" data-testid="audit-reload" onClick=${reload}>${t('admin.reload')}</button>`}>
      <${ChainCheck} />
      <${Filters} initial=${filters} users=${users} onSearch=${search} />
      <div class="actions">
        ${page && html`<span class="muted" data-testid="audit-total">${t('admin.audit.total', { count: page.total })}</span>`}
        <a href=${exportHref('csv')} download data-testid="audit-export-csv">${t('admin.audit.exportCsv')}</a>
        <a href=${exportHref('xlsx')} download data-testid="audit-export-xlsx">${t('admin.audit.exportXlsx')}</a>
      </div>
      <${ErrorBox} error=${error} />
      ${page === undefined && !error ? html`<${Loading} />` : !page?.rows.length ? html`<${Empty}>${t('admin.audit.none')}<//>` : html`
        <div class="table-wrap">
          <table class="admin-table" data-testid="audit-table">
            <thead><tr>
              <th>${t('admin.audit.seq')}</th><th>${t('admin.audit.at')}</th><th>${t('admin.audit.actor')}</th>
              <th>${t('admin.audit.action')}</th><th>${t('admin.audit.subject')}</th><th>${t('admin.audit.detail')}</th>
            </tr></thead>
            <tbody>${page.rows.map((e) => html`
              <tr key=${e.seq} data-testid="audit-row" data-seq=${e.seq} data-action=${e.action}>
                <td>${e.seq}</td>
                <td>${formatDateTime(e.at)}</td>
                <td data-testid="audit-actor">${e.actor_id ? names[e.actor_id] ?? html`<code>${e.actor_id}</code>` : t('admin.audit.system')}</td>
                <td><code>${e.action}</code></td>
                <td><code>${e.subject}</code></td>
                <td class="muted">${detailText(e.detail)}</td>
              </tr>`)}</tbody>
          </table>
        </div>
        <div class="actions pager">
          <button type="button" data-testid="audit-previous" disabled=${cursors.length === 1}
            onClick=${() => setCursors(cursors.slice(0, -1))}>${t('admin.audit.previous')}</button>
          <button type="button" data-testid="audit-next" disabled=${page.next == null}
            onClick=${() => setCursors([...cursors, String(page.next)])}>${t('admin.audit.next')}</button>
        </div>`}
    <//>`;
}
