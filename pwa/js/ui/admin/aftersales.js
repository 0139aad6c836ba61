// /admin/after-sales (docs/admin.md § After-sales): complaints and returns linked to orders, worked
// on the desktop. The list is the server's (filters, paging, CSV/XLSX export); a case opens below
// the filters (?case=<id>) with its status buttons, resolution and notes, and the refund form next
// to the order's payments. "New case" looks the order up by number and, for a return, asks how
// many of each line come back.
// aftersales.read to see; aftersales.manage to open and move cases; refunds.record to refund.

import { html } from 'htm/preact';
import { useState } from 'preact/hooks';

import { api } from '../../api.js';
import { formatDateTime, formatMoney, inputToMinor } from '../../format.js';
import { t } from '../../i18n.js';
import { Badge, Empty, ErrorBox, Facts, Field, Loading, Screen, Select, StatusBadge, useAction } from '../components.js';
import { useApp } from '../context.js';
import { navigate } from '../router.js';
import { may, useAdminList } from './common.js';

const API = '/api/admin/after-sales';
const PAGE = 50;
const KINDS = ['complaint', 'return'];
const STATUSES = ['open', 'in_progress', 'resolved', 'rejected'];
const CATEGORIES = ['damaged', 'wrong_item', 'late', 'missing', 'quality', 'other'];
const METHODS = ['transfer', 'card', 'cash', 'wallet', 'credit'];
// The moves the server allows (server/admin/aftersales/schemas.py TRANSITIONS).
const NEXT = {
  open: ['in_progress', 'resolved', 'rejected'],
  in_progress: ['resolved', 'rejected'],
  resolved: ['in_progress'],
  rejected: ['in_progress'],
};
const CASE_KIND = { open: 'info', in_progress: 'warn', resolved: 'ok', rejected: 'muted' };
const FILTERS = ['kind', 'status', 'order', 'from', 'to'];

function filtersOf(query) {
  return Object.fromEntries(FILTERS.map((k) => [k, query?.get(k) ?? '']));
}

function queryOf(filters, extra = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...filters, ...extra })) if (v) q.set(k, v);
  return q.toString();
}

function CaseStatus({ status, testid = 'case-status' }) {
  return html`<${Badge} kind=${CASE_KIND[status] ?? 'info'} testid=${testid}>${t(`admin.aftersales.status.${status}`)}<//>`;
}

function Filters({ filters, onChange }) {
  const set = (k) => (v) => onChange({ ...filters, [k]: v });
  return html`
    <div class="filters admin-filters" data-testid="aftersales-filters">
      <${Select} label=${t('admin.aftersales.kind')} value=${filters.kind} onChange=${set('kind')} testid="filter-kind"
        options=${[['', t('common.all')], ...KINDS.map((k) => [k, t(`admin.aftersales.kind.${k}`)])]} />
      <${Select} label=${t('admin.aftersales.statusLabel')} value=${filters.status} onChange=${set('status')} testid="filter-status"
        options=${[['', t('common.all')], ...STATUSES.map((s) => [s, t(`admin.aftersales.status.${s}`)])]} />
      <${Field} label=${t('admin.aftersales.orderNumber')} value=${filters.order} testid="filter-order"
        onChange=${(e) => set('order')(e.currentTarget.value.trim())} />
      <${Field} label=${t('admin.aftersales.from')} type="date" value=${filters.from} testid="filter-from"
        onChange=${(e) => set('from')(e.currentTarget.value)} />
      <${Field} label=${t('admin.aftersales.to')} type="date" value=${filters.to} testid="filter-to"
        onChange=${(e) => set('to')(e.currentTarget.value)} />
    </div>`;
}

/** The order of a case: lines (what returns took), payments, paid / refunded / refundable. */
function OrderFacts({ order }) {
  return html`
    <div data-testid="case-order" data-status=${order.status}>
      <h3>${t('admin.aftersales.orderOf', { number: order.number })} <${StatusBadge} status=${order.status} testid="case-order-status" /></h3>
      <table class="admin-table" data-testid="case-order-lines">
        <thead><tr><th>${t('admin.aftersales.product')}</th><th>${t('admin.aftersales.ordered')}</th>
          <th>${t('admin.aftersales.returned')}</th><th>${t('admin.aftersales.unitPrice')}</th></tr></thead>
        <tbody>${order.lines.map((ln) => html`
          <tr key=${ln.product_id}><td>${ln.product_name ?? ln.product_id}</td><td class="num">${ln.qty}</td>
            <td class="num">${ln.returned}</td><td class="num">${formatMoney(ln.unit_price)}</td></tr>`)}</tbody>
      </table>
      <h3>${t('admin.aftersales.payments')}</h3>
      ${order.payments.length === 0 ? html`<${Empty}>${t('admin.aftersales.noPayments')}<//>` : html`
        <table class="admin-table" data-testid="case-payments">
          <thead><tr><th>${t('admin.aftersales.when')}</th><th>${t('admin.aftersales.method')}</th>
            <th>${t('admin.aftersales.amount')}</th><th>${t('admin.aftersales.paymentStatus')}</th></tr></thead>
          <tbody>${order.payments.map((p) => html`
            <tr key=${p.id} data-testid="payment-row" data-amount=${p.amount} data-status=${p.status}>
              <td>${formatDateTime(p.created_at)}</td><td>${t(`admin.aftersales.method.${p.method}`)}</td>
              <td class="num">${formatMoney(p.amount)}</td><td>${t(`admin.aftersales.payment.${p.status}`)}</td></tr>`)}</tbody>
        </table>`}
      <${Facts} rows=${[
        [t('admin.aftersales.orderTotal'), formatMoney(order.total), 'case-order-total'],
        [t('admin.aftersales.paid'), formatMoney(order.paid), 'case-paid'],
        [t('admin.aftersales.refunded'), formatMoney(order.refunded), 'case-refunded'],
        [t('admin.aftersales.refundable'), formatMoney(order.refundable), 'case-refundable'],
      ]} />
    </div>`;
}

function Refund({ c, order, onDone }) {
  const [amount, setAmount] = useState('');
  const [method, setMethod] = useState('transfer');
  const [run, busy, error, setError] = useAction();
  const submit = (e) => {
    e.preventDefault();
    const minor = inputToMinor(amount);
    if (!minor) {
      setError(new Error(t('admin.aftersales.badAmount')));
      return;
    }
    run(async () => {
      await api('POST', `${API}/${c.id}/refund`, { amount: minor, method });
      setAmount('');
      onDone();
    });
  };
  return html`
    <form class="card" data-testid="refund-form" onSubmit=${submit}>
      <h3>${t('admin.aftersales.refund')}</h3>
      <p class="muted">${t('admin.aftersales.refundHint', { amount: formatMoney(order.refundable) })}</p>
      <div class="row">
        <${Field} label=${t('admin.aftersales.amount')} value=${amount} onInput=${setAmount} testid="refund-amount"
          inputmode="decimal" required />
        <${Select} label=${t('admin.aftersales.method')} value=${method} onChange=${setMethod} testid="refund-method"
          options=${METHODS.map((m) => [m, t(`admin.aftersales.method.${m}`)])} />
      </div>
      <div class="actions">
        <button type="submit" class="primary" data-testid="refund-submit" disabled=${busy || order.refundable <= 0}>
          ${t('admin.aftersales.recordRefund')}</button>
      </div>
      <${ErrorBox} error=${error} />
    </form>`;
}

function Detail({ id, role, onChanged, onClose }) {
  const [got, error, reload] = useAdminList(`${API}/${id}`);
  const [resolution, setResolution] = useState(null);
  const [notes, setNotes] = useState(null);
  const [run, busy, failed] = useAction();
  if (error) return html`<div class="card" data-testid="case-detail"><${ErrorBox} error=${error} /></div>`;
  if (!got) return html`<div class="card" data-testid="case-detail"><${Loading} /></div>`;
  const c = got.case;
  const manage = may(role, 'aftersales.manage');
  const text = resolution ?? c.resolution ?? '';
  const note = notes ?? c.notes ?? '';
  const changed = () => { setResolution(null); setNotes(null); reload(); onChanged(); };
  const save = (status) => run(async () => {
    const body = { resolution: text, notes: note };
    if (status) body.status = status;
    await api('PATCH', `${API}/${c.id}`, body);
    changed();
  });
  return html`
    <div class="card" data-testid="case-detail" data-id=${c.id} data-number=${c.number} data-status=${c.status}>
      <div class="row">
        <h2>${c.number} · ${t(`admin.aftersales.kind.${c.kind}`)}</h2>
        <${CaseStatus} status=${c.status} testid="case-detail-status" />
        <button type="button" data-testid="case-close" onClick=${onClose}>${t('admin.aftersales.close')}</button>
      </div>
      <${Facts} rows=${[
        [t('admin.aftersales.customer'), c.customer_name ?? c.customer_id],
        [t('admin.aftersales.category'), t(`admin.aftersales.category.${c.category}`)],
        [t('admin.aftersales.description'), c.description, 'case-description'],
        c.kind === 'return' && [t('admin.aftersales.returnLines'), c.lines.map((ln) => {
          const line = got.order.lines.find((l) => l.product_id === ln.product_id);
          return `${line?.product_name ?? ln.product_id} × ${ln.qty}`;
        }).join(', '), 'case-lines'],
        [t('admin.aftersales.opened'), t('admin.aftersales.openedBy', { name: c.created_by_name ?? c.created_by, when: formatDateTime(c.created_at) })],
        c.resolved_at && [t('admin.aftersales.closedAt'), formatDateTime(c.resolved_at)],
        c.refunded > 0 && [t('admin.aftersales.refundedHere'), formatMoney(c.refunded), 'case-refunded-here'],
      ]} />
      ${manage ? html`
        <${Field} label=${t('admin.aftersales.resolution')} value=${text} onInput=${setResolution} testid="case-resolution" multiline />
        <${Field} label=${t('admin.aftersales.notes')} value=${note} onInput=${setNotes} testid="case-notes" multiline />
        <div class="actions">
          <button type="button" data-testid="case-save" disabled=${busy} onClick=${() => save(null)}>${t('common.save')}</button>
          ${(NEXT[c.status] ?? []).map((s) => html`
            <button type="button" class=${s === 'resolved' ? 'primary' : ''} data-testid=${`case-to-${s}`} disabled=${busy}
              onClick=${() => save(s)}>${t(c.status in { resolved: 1, rejected: 1 } ? 'admin.aftersales.reopen' : `admin.aftersales.to.${s}`)}</button>`)}
        </div>
        ${c.kind === 'return' && html`<p class="muted">${t('admin.aftersales.returnHint')}</p>`}
        <${ErrorBox} error=${failed} />`
      : html`<${Facts} rows=${[[t('admin.aftersales.resolution'), c.resolution], [t('admin.aftersales.notes'), c.notes]]} />`}
      <${OrderFacts} order=${got.order} />
      ${may(role, 'refunds.record') && html`<${Refund} c=${c} order=${got.order} onDone=${changed} />`}
    </div>`;
}

function NewCase({ onCreated, onCancel }) {
  const [number, setNumber] = useState('');
  const [order, setOrder] = useState(null);
  const [kind, setKind] = useState('complaint');
  const [category, setCategory] = useState('damaged');
  const [description, setDescription] = useState('');
  const [qty, setQty] = useState({});
  const [find, finding, notFound] = useAction();
  const [run, busy, error, setError] = useAction();
  const lookup = (e) => {
    e?.preventDefault();
    if (!number.trim()) return;
    find(async () => {
      setOrder(null);
      setOrder(await api('GET', `${API}/orders?number=${encodeURIComponent(number.trim())}`));
      setQty({});
    });
  };
  const submit = (e) => {
    e.preventDefault();
    const lines = kind === 'return'
      ? Object.entries(qty).map(([product_id, n]) => ({ product_id, qty: Number(n) })).filter((l) => l.qty > 0)
      : [];
    if (kind === 'return' && lines.length === 0) {
      setError(new Error(t('admin.aftersales.needLines')));
      return;
    }
    run(async () => {
      const made = await api('POST', API, { order_id: order.id, kind, category, description, lines });
      onCreated(made);
    });
  };
  return html`
    <div class="card" data-testid="case-new">
      <h2>${t('admin.aftersales.newCase')}</h2>
      <form class="row" onSubmit=${lookup} data-testid="case-new-lookup">
        <${Field} label=${t('admin.aftersales.orderNumber')} value=${number} onInput=${setNumber} testid="case-new-order" required />
        <button type="submit" data-testid="case-new-find" disabled=${finding}>${t('admin.aftersales.find')}</button>
      </form>
      <${ErrorBox} error=${notFound} />
      ${order && html`
        <form onSubmit=${submit} data-testid="case-new-form" data-order=${order.number}>
          <p data-testid="case-new-found">${t('admin.aftersales.orderOf', { number: order.number })}
            <${StatusBadge} status=${order.status} /> ${formatMoney(order.total)}</p>
          <div class="filters">
            <${Select} label=${t('admin.aftersales.kind')} value=${kind} onChange=${setKind} testid="case-new-kind"
              options=${KINDS.map((k) => [k, t(`admin.aftersales.kind.${k}`)])} />
            <${Select} label=${t('admin.aftersales.category')} value=${category} onChange=${setCategory} testid="case-new-category"
              options=${CATEGORIES.map((k) => [k, t(`admin.aftersales.category.${k}`)])} />
          </div>
          <${Field} label=${t('admin.aftersales.description')} value=${description} onInput=${setDescription}
            testid="case-new-description" multiline required />
          ${kind === 'return' && html`
            <table class="admin-table" data-testid="case-new-lines">
              <thead><tr><th>${t('admin.aftersales.product')}</th><th>${t('admin.aftersales.ordered')}</th>
                <th>${t('admin.aftersales.returned')}</th><th>${t('admin.aftersales.returnQty')}</th></tr></thead>
              <tbody>${order.lines.map((ln) => html`
                <tr key=${ln.product_id} data-testid="case-new-line" data-product=${ln.product_id}>
                  <td>${ln.product_name ?? ln.product_id}</td><td class="num">${ln.qty}</td><td class="num">${ln.returned}</td>
                  <td><input type="number" min="0" max=${ln.qty - ln.returned} step="1" data-testid="case-new-qty"
                    aria-label=${t('admin.aftersales.returnQtyOf', { product: ln.product_name ?? ln.product_id })}
                    value=${qty[ln.product_id] ?? ''} onInput=${(e) => setQty({ ...qty, [ln.product_id]: e.currentTarget.value })} /></td>
                </tr>`)}</tbody>
            </table>`}
          <div class="actions">
            <button type="submit" class="primary" data-testid="case-new-submit" disabled=${busy}>${t('admin.aftersales.create')}</button>
            <button type="button" data-testid="case-new-cancel" onClick=${onCancel}>${t('common.cancel')}</button>
          </div>
          <${ErrorBox} error=${error} />
        </form>`}
      ${!order && html`<div class="actions"><button type="button" data-testid="case-new-cancel" onClick=${onCancel}>${t('common.cancel')}</button></div>`}
    </div>`;
}

function Row({ c, open, onOpen }) {
  return html`
    <tr data-testid="case-row" data-id=${c.id} data-number=${c.number} data-status=${c.status} data-kind=${c.kind}
      class=${open ? 'selected' : ''}>
      <td><button type="button" class="link" data-testid="case-open" onClick=${onOpen}>${c.number}</button></td>
      <td>${t(`admin.aftersales.kind.${c.kind}`)}</td>
      <td data-testid="case-order-number">${c.order_number ?? '—'}</td>
      <td>${c.customer_name ?? '—'}</td>
      <td>${t(`admin.aftersales.category.${c.category}`)}</td>
      <td><${CaseStatus} status=${c.status} /></td>
      <td class="num">${c.refunded ? formatMoney(c.refunded) : '—'}</td>
      <td title=${formatDateTime(c.created_at)}>${formatDateTime(c.created_at)}</td>
    </tr>`;
}

export function AdminAfterSales({ query }) {
  const { me } = useApp();
  const role = me.user.role;
  const readable = may(role, 'aftersales.read');
  const filters = filtersOf(query);
  const caseId = query?.get('case') ?? '';
  const [offset, setOffset] = useState(0);
  const [creating, setCreating] = useState(false);
  const apiQs = queryOf(filters);
  const [page, error, reload] = useAdminList(`${API}?${apiQs}&limit=${PAGE}&offset=${offset}`, readable);
  if (!readable) {
    return html`<${Screen} title=${t('admin.aftersales.title')} testid="admin-aftersales">
      <p class="error" data-testid="admin-forbidden">${t('admin.forbidden')}</p><//>`;
  }
  const go = (next, id = caseId) => navigate(`/admin/after-sales?${queryOf(next, { case: id })}`, { replace: true });
  const change = (next) => { setOffset(0); go(next); };
  const exportHref = (format) => `${API}?${apiQs}${apiQs ? '&' : ''}format=${format}`;
  return html`
    <${Screen} title=${t('admin.aftersales.title')} testid="admin-aftersales"
      actions=${html`
        ${may(role, 'aftersales.manage') && html`<button type="button" class="primary" data-testid="case-new-open"
          onClick=${() => setCreating(true)}>${t('admin.aftersales.newCase')}</button>`}
        <button type="button" data-testid="aftersales-reload" onClick=${reload}>${t('admin.reload')}</button>`}>
      ${creating && html`<${NewCase} onCancel=${() => setCreating(false)}
        onCreated=${(made) => { setCreating(false); setOffset(0); reload(); go(filters, made.id); }} />`}
      <${Filters} filters=${filters} onChange=${change} />
      <div class="actions">
        ${page && html`<span class="muted" data-testid="aftersales-total">${t('admin.aftersales.total', { count: page.total })}</span>`}
        <a href=${exportHref('csv')} download data-testid="aftersales-export-csv">${t('admin.aftersales.exportCsv')}</a>
        <a href=${exportHref('xlsx')} download data-testid="aftersales-export-xlsx">${t('admin.aftersales.exportXlsx')}</a>
      </div>
      <${ErrorBox} error=${error} />
      ${caseId && html`<${Detail} key=${caseId} id=${caseId} role=${role} onChanged=${reload} onClose=${() => go(filters, '')} />`}
      ${page === undefined && !error ? html`<${Loading} />` : (page?.rows ?? []).length === 0 ? html`<${Empty}>${t('admin.aftersales.none')}<//>` : html`
        <div class="table-wrap" tabindex="0" role="region" aria-label=${t('admin.aftersales.title')}>
          <table class="admin-table" data-testid="aftersales-table">
            <thead><tr>
              <th>${t('admin.aftersales.number')}</th><th>${t('admin.aftersales.kind')}</th><th>${t('admin.aftersales.orderNumber')}</th>
              <th>${t('admin.aftersales.customer')}</th><th>${t('admin.aftersales.category')}</th><th>${t('admin.aftersales.statusLabel')}</th>
              <th>${t('admin.aftersales.refunded')}</th><th>${t('admin.aftersales.opened')}</th>
            </tr></thead>
            <tbody>${page.rows.map((c) => html`<${Row} key=${c.id} c=${c} open=${c.id === caseId} onOpen=${() => go(filters, c.id)} />`)}</tbody>
          </table>
        </div>
        <div class="actions">
          <button type="button" data-testid="aftersales-previous" disabled=${offset === 0}
            onClick=${() => setOffset(Math.max(0, offset - PAGE))}>${t('admin.aftersales.previous')}</button>
          <button type="button" data-testid="aftersales-next" disabled=${page.next === null}
            onClick=${() => setOffset(page.next)}>${t('admin.aftersales.next')}</button>
        </div>`}
    <//>`;
}
