// The moves tab of /admin/inventory: the stock moves ledger, newest first, filtered by product
// (text, or the product of a level), warehouse, reason, reference and dates, paged with the
// server's keyset cursor (a page costs the same deep in 100,000 moves), exported as CSV/XLSX.

import { html } from 'htm/preact';
import { useState } from 'preact/hooks';

import { formatDateTime } from '../../format.js';
import { t } from '../../i18n.js';
import { Empty, ErrorBox, Field, Loading, Select } from '../components.js';
import { navigate } from '../router.js';
import { useAdminList } from './common.js';
import { ExportLinks, WarehouseSelect, qs } from './inventory-common.js';

const PAGE = 50;
const REASONS = ['receive', 'adjust', 'count', 'ship', 'return', 'pick'];
const KEYS = ['product_id', 'q', 'warehouse_id', 'reason', 'ref', 'from', 'to'];

function filtersOf(query) {
  return Object.fromEntries(KEYS.map((k) => [k, query.get(k) ?? '']));
}

export function MovesTab({ query, round, warehouses }) {
  const filters = filtersOf(query);
  const [cursors, setCursors] = useState([null]); // the cursor of each page seen; the last is shown
  const [text, setText] = useState(filters.q);
  const [ref, setRef] = useState(filters.ref);
  const cursor = cursors[cursors.length - 1];
  const [page, error] = useAdminList(
    `/api/admin/stock-moves?${qs(filters)}&limit=${PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}&r=${round}`,
  );
  const change = (next) => {
    setCursors([null]);
    navigate(`/admin/inventory?${qs({ tab: 'moves', ...filters, ...next })}`, { replace: true });
  };
  return html`
    <form class="filters" role="search" onSubmit=${(e) => { e.preventDefault(); change({ q: text.trim(), ref: ref.trim() }); }}>
      <${Field} label=${t('admin.inventory.product')} value=${text} onInput=${setText} testid="moves-search"
        placeholder=${t('admin.inventory.searchHint')} />
      <${WarehouseSelect} warehouses=${warehouses} value=${filters.warehouse_id} testid="moves-warehouse"
        onChange=${(v) => change({ warehouse_id: v })} />
      <${Select} label=${t('admin.inventory.reason')} value=${filters.reason} testid="moves-reason" onChange=${(v) => change({ reason: v })}
        options=${[['', t('common.all')], ...REASONS.map((r) => [r, t(`admin.inventory.reason.${r}`)])]} />
      <${Field} label=${t('admin.inventory.ref')} value=${ref} onInput=${setRef} testid="moves-ref" />
      <${Field} label=${t('admin.inventory.from')} type="date" value=${filters.from} testid="moves-from" onInput=${(v) => change({ from: v })} />
      <${Field} label=${t('admin.inventory.to')} type="date" value=${filters.to} testid="moves-to" onInput=${(v) => change({ to: v })} />
      <div class="actions">
        <button type="submit" data-testid="moves-search-go">${t('admin.inventory.find')}</button>
        ${filters.product_id && html`<button type="button" data-testid="moves-clear-product"
          onClick=${() => change({ product_id: '' })}>${t('admin.inventory.anyProduct')}</button>`}
      </div>
    </form>
    <div class="actions">
      ${page && html`<span class="muted" data-testid="moves-total">${t('admin.inventory.moveCount', { count: page.total })}</span>`}
      <${ExportLinks} path="/api/admin/stock-moves" filters=${filters} testid="moves" />
    </div>
    <${ErrorBox} error=${error} />
    ${page === undefined && !error ? html`<${Loading} />` : page?.rows.length === 0 ? html`<${Empty}>${t('admin.inventory.noMoves')}<//>` : page && html`
      <div class="table-wrap" tabindex="0" role="region" aria-label=${t('admin.inventory.tab.moves')}>
        <table class="admin-table" data-testid="moves-table">
          <thead><tr>
            <th>${t('admin.inventory.when')}</th><th>${t('admin.inventory.sku')}</th><th>${t('admin.inventory.product')}</th>
            <th>${t('admin.inventory.warehouse')}</th><th>${t('admin.inventory.delta')}</th><th>${t('admin.inventory.reason')}</th>
            <th>${t('admin.inventory.ref')}</th><th>${t('admin.inventory.by')}</th>
          </tr></thead>
          <tbody>${page.rows.map((m) => html`
            <tr key=${m.id} data-testid="move-row" data-sku=${m.sku} data-reason=${m.reason} data-delta=${m.delta}>
              <td>${formatDateTime(m.created_at)}</td>
              <td><code>${m.sku ?? m.product_id}</code></td>
              <td>${m.product_name ?? '—'}</td>
              <td>${m.warehouse_code ?? m.warehouse_id}</td>
              <td class="num" data-testid="move-delta">${m.delta > 0 ? `+${m.delta}` : m.delta}</td>
              <td data-testid="move-reason">${t(`admin.inventory.reason.${m.reason}`)}</td>
              <td data-testid="move-ref">${m.ref ?? '—'}</td>
              <td>${m.created_by_name ?? m.created_by}</td>
            </tr>`)}</tbody>
        </table>
      </div>
      <div class="actions pager">
        <button type="button" data-testid="moves-newer" disabled=${cursors.length === 1}
          onClick=${() => setCursors((c) => c.slice(0, -1))}>${t('admin.inventory.newer')}</button>
        <button type="button" data-testid="moves-older" disabled=${page.next == null}
          onClick=${() => setCursors((c) => [...c, page.next])}>${t('admin.inventory.older')}</button>
      </div>`}`;
}
