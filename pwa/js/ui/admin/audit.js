// /admin/audit (docs/admin.md): the audit log, newest first, in words — each action named, each
// subject the record it is (order SAPI-00101, not a UUID), an import's hundreds of entries one
// row — filtered (an action or a kind of action from the list the log holds; actor; subject by
// its name or as stored; dates), a page at a time (GET /api/admin/audit, keyset pages by sequence
// number), exported as CSV/XLSX, and the check of its hash chain (GET /api/admin/audit/verify).
// audit.read to see.

import { html } from 'htm/preact';
import { useState } from 'preact/hooks';

import { api } from '../../api.js';
import { formatDateTime, formatMoney, formatNumber } from '../../format.js';
import { t } from '../../i18n.js';
import { Empty, ErrorBox, Field, Loading, Screen, Select, useAction } from '../components.js';
import { useApp } from '../context.js';
import { Link } from '../router.js';
import { may, useAdminList } from './common.js';

const PAGE = 50;
const EMPTY = { action: '', actor_id: '', subject: '', from: '', to: '' };

function queryOf(filters, extra = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...filters, ...extra })) if (v !== '' && v != null) q.set(k, v);
  return q.toString();
}

/** `key`'s text, or null where the locale has none (i18n answers the key itself). */
function known(key, params) {
  const text = t(key, params);
  return text === key ? null : text;
}

/** An action in words: its own label, else its kind's ("Stock moves · receive"), else as stored. */
export function actionText(action) {
  const family = action.split('.', 1)[0];
  const rest = action.slice(family.length + 1);
  return known(`admin.audit.act.${action}`) ?? (known(`admin.audit.fam.${family}`)
    ? `${t(`admin.audit.fam.${family}`)} · ${rest}` : action);
}

/** The action filter's choices: every kind of action the log holds ("auth.*"), then each action. */
function actionOptions(actions) {
  const families = [...new Set(actions.map((a) => a.action.split('.', 1)[0]))];
  return [
    ['', t('admin.audit.allActions')],
    ...families.map((f) => [`${f}.*`, t('admin.audit.family', { name: known(`admin.audit.fam.${f}`) ?? f })]),
    ...actions.map((a) => [a.action, `${actionText(a.action)} (${formatNumber(a.count)})`]),
  ];
}

/** The record a subject names, in words, linked where the console shows it; else as stored. */
function SubjectCell({ subject, named }) {
  if (!named) return html`<code>${subject}</code>`;
  const text = `${t(`admin.audit.kind.${named.kind}`)} ${named.name}`;
  return html`<span title=${subject} data-testid="audit-subject-name" data-kind=${named.kind}>${named.kind === 'order'
    ? html`<${Link} href=${`/admin/orders/${encodeURIComponent(named.id)}`}>${text}<//>` : text}
    ${named.mutation && html`<br /><small class="muted">${t('admin.audit.via', { mutation: named.mutation })}</small>`}</span>`;
}

/** The client of a ``client#mutation`` subject (a device's, an import's), or null. */
function clientOf(subject) {
  const at = subject.lastIndexOf('#');
  return at > 0 && /^\d+$/.test(subject.slice(at + 1)) ? subject.slice(0, at) : null;
}

const GROUP_FROM = 3; // a run of this many entries of one action and one client is one row

/** The page's entries with runs of one client's same action (an import's hundreds of applied
 * orders) cut into groups: [{entry} | {group: [entries], client}]. */
export function groupRuns(rows) {
  const out = [];
  let run = [];
  const flush = () => {
    if (run.length >= GROUP_FROM) out.push({ group: run, client: clientOf(run[0].subject) });
    else out.push(...run.map((entry) => ({ entry })));
    run = [];
  };
  for (const e of rows) {
    const client = clientOf(e.subject);
    const last = run.at(-1);
    if (!(client && last && last.action === e.action && clientOf(last.subject) === client)) flush();
    run.push(e);
  }
  flush();
  return out;
}

// Keys of a detail that hold money in minor units (as stored): said in yuan (the export too:
// server/admin/audit/queries.py MONEY_KEYS).
const MONEY_KEYS = new Set(['amount', 'refund_amount', 'total', 'unit_price']);

/** The detail JSON as one readable line: {"role":"sales"} → role: sales (empty values left out,
 * money in yuan). */
export function detailText(detail) {
  try {
    const parsed = JSON.parse(detail);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      const say = (k, v) => (MONEY_KEYS.has(k) && Number.isInteger(v) ? formatMoney(v)
        : typeof v === 'object' ? JSON.stringify(v) : v);
      return Object.entries(parsed).filter(([, v]) => v !== null && v !== '')
        .map(([k, v]) => `${k}: ${say(k, v)}`).join(' · ');
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

function Filters({ initial, users, actions, onSearch }) {
  const [f, setF] = useState(initial);
  const set = (key) => (value) => setF({ ...f, [key]: value });
  const submit = (e) => {
    e.preventDefault();
    onSearch(f);
  };
  return html`
    <form class="filters admin-filters" data-testid="audit-filters" onSubmit=${submit}>
      ${actions
        ? html`<${Select} label=${t('admin.audit.action')} value=${f.action} onChange=${set('action')} testid="audit-filter-action"
            options=${actionOptions(actions)} />`
        : html`<${Field} label=${t('admin.audit.action')} value=${f.action} onInput=${set('action')} testid="audit-filter-action"
            placeholder="auth.*" />`}
      ${users
        ? html`<${Select} label=${t('admin.audit.actor')} value=${f.actor_id} onChange=${set('actor_id')} testid="audit-filter-actor"
            options=${[['', t('common.all')], ...users.map((u) => [u.id, u.name])]} />`
        : html`<${Field} label=${t('admin.audit.actor')} value=${f.actor_id} onInput=${set('actor_id')} testid="audit-filter-actor" />`}
      <${Field} label=${t('admin.audit.subject')} value=${f.subject} onInput=${set('subject')} testid="audit-filter-subject"
        placeholder=${t('admin.audit.subjectHint')} />
      <${Field} label=${t('admin.audit.from')} type="date" value=${f.from} onInput=${set('from')} testid="audit-filter-from" />
      <${Field} label=${t('admin.audit.to')} type="date" value=${f.to} onInput=${set('to')} testid="audit-filter-to" />
      <div class="actions">
        <button type="submit" class="primary" data-testid="audit-search">${t('admin.audit.search')}</button>
        <button type="button" data-testid="audit-clear" onClick=${() => { setF(EMPTY); onSearch(EMPTY); }}>
          ${t('admin.audit.clear')}</button>
      </div>
    </form>`;
}

function Row({ e, names, subjects, inGroup = false }) {
  return html`
    <tr data-testid="audit-row" data-seq=${e.seq} data-action=${e.action} class=${inGroup ? 'in-group' : ''}>
      <td>${e.seq}</td>
      <td>${formatDateTime(e.at)}</td>
      <td data-testid="audit-actor">${e.actor_id ? names[e.actor_id] ?? html`<code>${e.actor_id}</code>` : t('admin.audit.system')}</td>
      <td data-testid="audit-action">${actionText(e.action)}<br /><small class="muted"><code>${e.action}</code></small></td>
      <td data-testid="audit-subject"><${SubjectCell} subject=${e.subject} named=${subjects[e.subject]} /></td>
      <td class="muted">${detailText(e.detail)}</td>
    </tr>`;
}

/** A run of one client's same action as one row ("120 × Change applied, from import-…"), opened
 * to its entries on demand. */
function GroupRows({ item, names, subjects, open, onToggle }) {
  const first = item.group[0];
  const last = item.group.at(-1);
  return html`
    <tr data-testid="audit-group" data-count=${item.group.length} data-action=${first.action} class="audit-group">
      <td>${last.seq}–${first.seq}</td>
      <td>${formatDateTime(last.at)}</td>
      <td>${first.actor_id ? names[first.actor_id] ?? html`<code>${first.actor_id}</code>` : t('admin.audit.system')}</td>
      <td>${t('admin.audit.group', { count: formatNumber(item.group.length), action: actionText(first.action) })}</td>
      <td><code>${t('admin.audit.groupOf', { client: item.client })}</code></td>
      <td><button type="button" class="link" data-testid="audit-group-toggle" aria-expanded=${String(open)}
        onClick=${onToggle}>${open ? t('admin.audit.hideGroup') : t('admin.audit.showGroup')}</button></td>
    </tr>
    ${open && item.group.map((e) => html`<${Row} key=${e.seq} e=${e} names=${names} subjects=${subjects} inGroup=${true} />`)}`;
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
  const [actions] = useAdminList('/api/admin/audit/actions', allowed);
  const [open, setOpen] = useState(() => new Set()); // the groups shown entry by entry
  if (!allowed) {
    return html`<${Screen} title=${t('admin.audit.title')} testid="admin-audit">
      <p class="error" data-testid="admin-forbidden">${t('admin.forbidden')}</p><//>`;
  }
  const search = (next) => {
    setFilters(next);
    setCursors(['']);
  };
  const names = page?.names ?? {};
  const subjects = page?.subjects ?? {};
  const toggle = (seq) => setOpen((now) => {
    const next = new Set(now);
    if (!next.delete(seq)) next.add(seq);
    return next;
  });
  const exportHref = (format) => `/api/admin/audit?${queryOf(filters, { format })}`;
  return html`
    <${Screen} title=${t('admin.audit.title')} testid="admin-audit"
      actions=${html`<button type="button" data-testid="audit-reload" onClick=${reload}>${t('admin.reload')}</button>`}>
      <${ChainCheck} />
      <${Filters} initial=${filters} users=${users} actions=${actions} onSearch=${search} />
      <div class="actions">
        ${page && html`<span class="muted" data-testid="audit-total">${t('admin.audit.total', { count: page.total })}</span>`}
        <a href=${exportHref('csv')} download data-testid="audit-export-csv">${t('admin.audit.exportCsv')}</a>
        <a href=${exportHref('xlsx')} download data-testid="audit-export-xlsx">${t('admin.audit.exportXlsx')}</a>
      </div>
      <${ErrorBox} error=${error} />
      ${page === undefined && !error ? html`<${Loading} />` : !page?.rows.length ? html`<${Empty}>${t('admin.audit.none')}<//>` : html`
        <div class="table-wrap" tabindex="0" role="region" aria-label=${t('admin.audit.title')}>
          <table class="admin-table" data-testid="audit-table">
            <thead><tr>
              <th>${t('admin.audit.seq')}</th><th>${t('admin.audit.at')}</th><th>${t('admin.audit.actor')}</th>
              <th>${t('admin.audit.action')}</th><th>${t('admin.audit.subject')}</th><th>${t('admin.audit.detail')}</th>
            </tr></thead>
            <tbody>${groupRuns(page.rows).map((item) => item.entry
              ? html`<${Row} key=${item.entry.seq} e=${item.entry} names=${names} subjects=${subjects} />`
              : html`<${GroupRows} key=${`g${item.group[0].seq}`} item=${item} names=${names} subjects=${subjects}
                  open=${open.has(item.group[0].seq)} onToggle=${() => toggle(item.group[0].seq)} />`)}</tbody>
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
