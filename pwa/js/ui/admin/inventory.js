// /admin/inventory (docs/admin.md § Inventory): sub-tabs in the address (`?tab=`): stock levels
// (the default, with the low-stock alert banner), products, warehouses, the moves ledger,
// stocktakes, and receiving / adjusting stock. inventory.read to see; inventory.manage to change
// products, warehouses and stock; stocktakes.apply to apply a count.

import { html } from 'htm/preact';
import { useState } from 'preact/hooks';

import { t } from '../../i18n.js';
import { ErrorBox, Screen } from '../components.js';
import { useApp } from '../context.js';
import { navigate } from '../router.js';
import { may, useAdminList } from './common.js';
import { AdjustTab } from './inventory-adjust.js';
import { MovesTab } from './inventory-moves.js';
import { ProductsTab } from './inventory-products.js';
import { StockTab } from './inventory-stock.js';
import { StocktakesTab } from './inventory-stocktakes.js';
import { WarehousesTab } from './inventory-warehouses.js';

export const TABS = ['stock', 'products', 'warehouses', 'moves', 'stocktakes', 'receive'];
const SCREENS = {
  stock: StockTab, products: ProductsTab, warehouses: WarehousesTab, moves: MovesTab,
  stocktakes: StocktakesTab, receive: AdjustTab,
};

/** Goes to another tab (and its query), keeping one history entry per tab change. */
export function goTab(tab, params = {}) {
  const query = new URLSearchParams({ tab, ...params });
  navigate(`/admin/inventory?${query}`);
}

/** The low-stock alert banner: how many levels need stock, per state, with a link to them. */
function LowStockAlert({ alerts, onShow }) {
  if (!alerts || alerts.total === 0) return null;
  const { reorder, critical, negative } = alerts.counts;
  return html`
    <div class="card warn" role="status" data-testid="low-stock-alert" data-total=${alerts.total}>
      <strong>${t('admin.inventory.alert.title', { count: alerts.total })}</strong>
      <span> ${t('admin.inventory.alert.counts', { reorder, critical, negative })}</span>
      <ul class="low-stock-list">${alerts.rows.slice(0, 5).map((r) => html`
        <li key=${r.id} data-testid="low-stock-item" data-sku=${r.sku} data-state=${r.state}>
          <code>${r.sku}</code> ${r.name} · ${r.warehouse_code ?? r.warehouse_id}: ${t('admin.inventory.alert.item', { available: r.available, reorder: r.reorder_point, safety: r.safety_stock })}
        </li>`)}</ul>
      <div class="actions">
        <button type="button" data-testid="low-stock-show" onClick=${onShow}>${t('admin.inventory.alert.show')}</button>
      </div>
    </div>`;
}

export function AdminInventory({ query = new URLSearchParams() }) {
  const { me } = useApp();
  const role = me.user.role;
  const readable = may(role, 'inventory.read');
  const [round, setRound] = useState(0);
  const changed = () => setRound((n) => n + 1);
  const [alerts, alertsError] = useAdminList(`/api/admin/stock/alerts?limit=20&r=${round}`, readable);
  const [warehouses, warehousesError] = useAdminList(`/api/admin/warehouses?r=${round}`, readable);
  if (!readable) {
    return html`<${Screen} title=${t('admin.inventory.title')} testid="admin-inventory">
      <p class="error" data-testid="admin-forbidden">${t('admin.forbidden')}</p><//>`;
  }
  const tab = TABS.includes(query.get('tab')) ? query.get('tab') : 'stock';
  const Tab = SCREENS[tab];
  const manage = may(role, 'inventory.manage');
  return html`
    <${Screen} title=${t('admin.inventory.title')} testid="admin-inventory"
      actions=${html`<button type="button" data-testid="inventory-reload" onClick=${changed}>${t('admin.reload')}</button>`}>
      <nav class="actions inventory-tabs" role="tablist" aria-label=${t('admin.inventory.title')}>
        ${TABS.filter((name) => name !== 'receive' || manage).map((name) => html`
          <button type="button" role="tab" aria-selected=${String(name === tab)} data-testid=${`inventory-tab-${name}`}
            class=${name === tab ? 'primary' : ''} onClick=${() => goTab(name)}>
            ${t(`admin.inventory.tab.${name}`)}${name === 'stock' && alerts?.total ? html` <span class="badge badge-warn" data-testid="low-stock-badge">${alerts.total}</span>` : ''}
          </button>`)}
      </nav>
      <${ErrorBox} error=${alertsError ?? warehousesError} />
      ${tab === 'stock' && html`<${LowStockAlert} alerts=${alerts} onShow=${() => goTab('stock', { low: 'true' })} />`}
      <${Tab} key=${tab} query=${query} round=${round} onChanged=${changed} warehouses=${warehouses} role=${role} />
    <//>`;
}
