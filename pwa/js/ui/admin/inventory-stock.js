// The stock levels tab of /admin/inventory: per product and warehouse on hand, reserved,
// available (= on hand − reserved), the product's safety stock and reorder point, and the state;
// filtered by warehouse, product text and low stock (in the address), paged on the server.

import { html } from 'htm/preact';
import { useState } from 'preact/hooks';

import { t } from '../../i18n.js';
import { Empty, ErrorBox, Field, Loading, Select } from '../components.js';
import { navigate } from '../router.js';
import { may, useAdminList } from './common.js';
import { ExportLinks, Pager, StateBadge, WarehouseSelect, qs } from './inventory-common.js';

const PAGE = 50;

function filtersOf(query) {
  return { warehouse_id: query.get('warehouse_id') ?? '', q: query.get('q') ?? '', low: query.get('low') === 'true' };
}

export function StockTab({ query, round, warehouses, role }) {
  const filters = filtersOf(query);
  const [offset, setOffset] = useState(0);
  const [text, setText] = useState(filters.q);
  const [page, error] = useAdminList(`/api/admin/stock?${qs(filters)}&limit=${PAGE}&offset=${offset}&r=${round}`);
  const change = (next) => {
    setOffset(0);
    navigate(`/admin/inventory?${qs({ tab: 'stock', ...filters, ...next })}`, { replace: true });
  };
  const manage = may(role, 'inventory.manage');
  return html`
    <form class="filters" role="search" onSubmit=${(e) => { e.preventDefault(); change({ q: text.trim() }); }}>
      <${WarehouseSelect} warehouses=${warehouses} value=${filters.warehouse_id} testid="stock-warehouse"
        onChange=${(v) => change({ warehouse_id: v })} />
      <${Field} label=${t('admin.inventory.search')} value=${text} onInput=${setText} testid="stock-search"
        placeholder=${t('admin.inventory.searchHint')} />
      <${Select} label=${t('admin.inventory.stockLabel')} value=${filters.low ? 'true' : ''} testid="stock-low"
        onChange=${(v) => change({ low: v === 'true' })} options=${[['', t('common.all')], ['true', t('admin.inventory.lowOnly')]]} />
      <div class="actions"><button type="submit" data-testid="stock-search-go">${t('admin.inventory.find')}</button></div>
    </form>
    <div class="actions">
      ${page && html`<span class="muted" data-testid="stock-total">${t('admin.inventory.levels', { count: page.total })}</span>`}
      <${ExportLinks} path="/api/admin/stock" filters=${filters} testid="stock" />
    </div>
    <${ErrorBox} error=${error} />
    ${page === undefined && !error ? html`<${Loading} />` : page?.rows.length === 0 ? html`<${Empty}>${t('admin.inventory.noLevels')}<//>` : page && html`
      <div class="table-wrap" tabindex="0" role="region" aria-label=${t('admin.inventory.tab.stock')}>
        <table class="admin-table" data-testid="stock-table">
          <thead><tr>
            <th>${t('admin.inventory.sku')}</th><th>${t('admin.inventory.product')}</th><th>${t('admin.inventory.warehouse')}</th>
            <th>${t('admin.inventory.onHand')}</th><th>${t('admin.inventory.reserved')}</th><th>${t('admin.inventory.available')}</th>
            <th>${t('admin.inventory.safety')}</th><th>${t('admin.inventory.reorder')}</th><th>${t('admin.inventory.stateLabel')}</th><th><span class="visually-hidden">${t('common.actions')}</span></th>
          </tr></thead>
          <tbody>${page.rows.map((r) => html`
            <tr key=${r.id} data-testid="stock-row" data-sku=${r.sku} data-warehouse=${r.warehouse_code} data-state=${r.state}>
              <td><code>${r.sku}</code></td>
              <td>${r.name}</td>
              <td>${r.warehouse_code ?? r.warehouse_id}</td>
              <td class="num" data-testid="stock-on-hand">${r.on_hand}</td>
              <td class="num" data-testid="stock-reserved">${r.reserved}</td>
              <td class="num" data-testid="stock-available"><strong>${r.available}</strong></td>
              <td class="num">${r.safety_stock}</td>
              <td class="num">${r.reorder_point}</td>
              <td><${StateBadge} state=${r.state} /></td>
              <td class="row-actions">
                ${manage && html`<button type="button" data-testid="stock-receive"
                  onClick=${() => navigate(`/admin/inventory?${qs({ tab: 'receive', sku: r.sku, warehouse_id: r.warehouse_id })}`)}>
                  ${t('admin.inventory.receive')}</button>`}
                <button type="button" data-testid="stock-moves"
                  onClick=${() => navigate(`/admin/inventory?${qs({ tab: 'moves', product_id: r.product_id, warehouse_id: r.warehouse_id })}`)}>
                  ${t('admin.inventory.tab.moves')}</button>
              </td>
            </tr>`)}</tbody>
        </table>
      </div>
      <${Pager} page=${page} offset=${offset} size=${PAGE} onOffset=${setOffset} testid="stock" />`}`;
}
