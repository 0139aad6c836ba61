// The stocktakes tab of /admin/inventory: sessions (open first, then applied) with warehouse,
// counts and who opened / applied them; opening a session; one session's variance table (the
// latest count per product against on hand now, GET /api/stocktakes/{id}; once applied, the
// variances as applied and the book they were counted against) and Apply with a confirmation
// (POST /api/stocktakes/{id}/apply: a count move per variance).

import { html } from 'htm/preact';
import { useState } from 'preact/hooks';

import { api } from '../../api.js';
import { formatDateTime } from '../../format.js';
import { t } from '../../i18n.js';
import { Badge, Empty, ErrorBox, Loading, useAction } from '../components.js';
import { navigate } from '../router.js';
import { may, useAdminList } from './common.js';
import { WarehouseSelect, qs } from './inventory-common.js';

function open(id) {
  navigate(`/admin/inventory?${qs({ tab: 'stocktakes', id })}`);
}

function ApplyButton({ session, lines, onApplied }) {
  const [asking, setAsking] = useState(false);
  const [run, busy, error] = useAction();
  const moves = lines.filter((l) => l.variance !== 0).length;
  if (!asking) {
    return html`<button type="button" class="primary" data-testid="stocktake-apply" onClick=${() => setAsking(true)}>
      ${t('admin.inventory.apply')}</button>`;
  }
  return html`
    <p class="note" data-testid="stocktake-apply-question">${t('admin.inventory.applyQuestion', { count: moves })}</p>
    <div class="actions">
      <button type="button" class="primary" data-testid="stocktake-apply-confirm" disabled=${busy}
        onClick=${() => run(async () => { await api('POST', `/api/stocktakes/${encodeURIComponent(session.id)}/apply`); onApplied(); })}>
        ${t('admin.inventory.applyConfirm', { count: moves })}</button>
      <button type="button" data-testid="stocktake-apply-cancel" onClick=${() => setAsking(false)}>${t('common.cancel')}</button>
    </div>
    <${ErrorBox} error=${error} />`;
}

function Variances({ id, round, role, onChanged }) {
  const [session, error, reload] = useAdminList(`/api/stocktakes/${encodeURIComponent(id)}?r=${round}`);
  const [levels] = useAdminList(`/api/admin/stock?warehouse_id=${encodeURIComponent(session?.warehouse_id ?? '')}&limit=500&r=${round}`,
    Boolean(session));
  const names = Object.fromEntries((levels?.rows ?? []).map((l) => [l.product_id, l]));
  const applied = () => {
    reload();
    onChanged();
  };
  return html`
    <div class="card" data-testid="stocktake-detail" data-id=${id} data-status=${session?.status ?? ''}>
      <h2>${t('admin.inventory.stocktakeOf', { at: formatDateTime(session?.opened_at) })}</h2>
      <${ErrorBox} error=${error} />
      ${session === undefined && !error ? html`<${Loading} />` : session && html`
        ${session.lines.length === 0 ? html`<${Empty}>${t('admin.inventory.nothingCounted')}<//>` : html`
          <table class="admin-table" data-testid="variance-table">
            <thead><tr><th>${t('admin.inventory.sku')}</th><th>${t('admin.inventory.product')}</th>
              <th>${t('admin.inventory.counted')}</th><th>${t(session.status === 'applied' ? 'admin.inventory.bookWhenApplied' : 'admin.inventory.onHand')}</th><th>${t('admin.inventory.variance')}</th></tr></thead>
            <tbody>${session.lines.map((l) => html`
              <tr key=${l.product_id} data-testid="variance-row" data-sku=${names[l.product_id]?.sku ?? l.product_id}>
                <td><code>${names[l.product_id]?.sku ?? l.product_id}</code></td>
                <td>${names[l.product_id]?.name ?? '—'}</td>
                <td class="num" data-testid="variance-counted">${l.counted}</td>
                <td class="num" data-testid="variance-book">${l.on_hand}</td>
                <td class="num" data-testid="variance-value"><strong>${l.variance > 0 ? `+${l.variance}` : l.variance}</strong></td>
              </tr>`)}</tbody>
          </table>`}
        ${session.status === 'open' && may(role, 'stocktakes.apply')
          ? html`<${ApplyButton} session=${session} lines=${session.lines} onApplied=${applied} />`
          : session.status === 'applied' && html`<p class="muted" data-testid="stocktake-applied">
            ${t('admin.inventory.appliedAt', { at: formatDateTime(session.applied_at) })}</p>`}`}
    </div>`;
}

function OpenForm({ warehouses, onOpened }) {
  const [warehouseId, setWarehouseId] = useState('');
  const [run, busy, error] = useAction();
  return html`
    <form class="row" data-testid="stocktake-open-form" onSubmit=${(e) => {
      e.preventDefault();
      if (warehouseId) run(async () => onOpened(await api('POST', '/api/stocktakes', { warehouse_id: warehouseId })));
    }}>
      <${WarehouseSelect} warehouses=${warehouses} value=${warehouseId} onChange=${setWarehouseId} testid="stocktake-warehouse"
        first=${t('admin.inventory.choose')} />
      <button type="submit" data-testid="stocktake-open" disabled=${busy || !warehouseId}>${t('admin.inventory.openStocktake')}</button>
      <${ErrorBox} error=${error} />
    </form>`;
}

export function StocktakesTab({ query, round, role, warehouses, onChanged }) {
  const id = query.get('id');
  const [status, setStatus] = useState('');
  const [page, error, reload] = useAdminList(`/api/admin/stocktakes?${qs({ status })}&limit=100&r=${round}`);
  return html`
    ${may(role, 'stocktakes.run') && html`<${OpenForm} warehouses=${warehouses}
      onOpened=${(s) => { reload(); open(s.id); }} />`}
    <div class="actions" role="group">
      ${[['', t('common.all')], ['open', t('admin.inventory.open')], ['applied', t('admin.inventory.applied')]].map(([value, label]) => html`
        <button type="button" data-testid=${`stocktakes-status-${value || 'all'}`} class=${status === value ? 'primary' : ''}
          aria-pressed=${String(status === value)} onClick=${() => setStatus(value)}>${label}</button>`)}
    </div>
    ${id && html`<${Variances} key=${id} id=${id} round=${round} role=${role} onChanged=${() => { reload(); onChanged(); }} />`}
    <${ErrorBox} error=${error} />
    ${page === undefined && !error ? html`<${Loading} />` : page?.rows.length === 0 ? html`<${Empty}>${t('admin.inventory.noStocktakes')}<//>` : page && html`
      <div class="table-wrap" tabindex="0" role="region" aria-label=${t('admin.inventory.tab.stocktakes')}>
        <table class="admin-table" data-testid="stocktakes-table">
          <thead><tr>
            <th>${t('admin.inventory.opened')}</th><th>${t('admin.inventory.warehouse')}</th><th>${t('admin.inventory.stateLabel')}</th>
            <th>${t('admin.inventory.countedProducts')}</th><th>${t('admin.inventory.openedBy')}</th><th>${t('admin.inventory.appliedBy')}</th><th><span class="visually-hidden">${t('common.actions')}</span></th>
          </tr></thead>
          <tbody>${page.rows.map((s) => html`
            <tr key=${s.id} data-testid="stocktake-row" data-id=${s.id} data-status=${s.status}>
              <td>${formatDateTime(s.opened_at)}</td>
              <td>${s.warehouse_code ?? s.warehouse_id}</td>
              <td><${Badge} kind=${s.status === 'open' ? 'warn' : 'ok'}>${t(`admin.inventory.${s.status}`)}<//></td>
              <td class="num">${s.products} (${s.lines})</td>
              <td>${s.opened_by_name ?? s.opened_by}</td>
              <td>${s.applied_by ? `${s.applied_by_name ?? s.applied_by} · ${formatDateTime(s.applied_at)}` : '—'}</td>
              <td class="row-actions"><button type="button" data-testid="stocktake-view" onClick=${() => open(s.id)}>
                ${t('admin.inventory.review')}</button></td>
            </tr>`)}</tbody>
        </table>
      </div>`}`;
}
