// Products: search by name, SKU or barcode (a hardware scanner types the code and Enter into
// the search box); price and the stock of each warehouse.

import { html } from 'htm/preact';
import { useState } from 'preact/hooks';

import { formatMoney, formatNumber } from '../format.js';
import { t } from '../i18n.js';
import { Empty, Loading, Screen, Search, normalize } from './components.js';
import { useApp } from './context.js';
import { useById } from './hooks.js';
import { useLive } from './live.js';

const SHOWN = 100;

/** Products matching the text: an exact SKU or barcode first, then names and SKUs containing it. */
export function matchProducts(products, text) {
  const q = normalize(text).trim();
  if (!q) return products;
  const exact = products.filter((p) => normalize(p.sku) === q || normalize(p.barcode) === q);
  const rest = products.filter((p) => !exact.includes(p) &&
    (normalize(p.name).includes(q) || normalize(p.sku).includes(q) || normalize(p.barcode).startsWith(q)));
  return [...exact, ...rest];
}

function Stock({ productId }) {
  const { store } = useApp();
  const warehouses = useById('warehouses');
  const levels = useLive(() => store.db.stock_levels.where('product_id').equals(productId).toArray(), [store, productId]);
  if (!levels || !warehouses) return html`<${Loading} />`;
  if (!levels.length) return html`<p class="muted" data-testid="stock-none">${t('product.noStock')}</p>`;
  return html`
    <table class="stock" data-testid="stock-levels">
      <thead><tr><th>${t('product.warehouse')}</th><th>${t('product.onHand')}</th>
        <th>${t('product.reserved')}</th><th>${t('product.available')}</th></tr></thead>
      <tbody>${levels.map((l) => html`
        <tr key=${l.id} data-testid="stock-row" data-warehouse=${warehouses[l.warehouse_id]?.code ?? ''}>
          <td>${warehouses[l.warehouse_id]?.name ?? l.warehouse_id}</td>
          <td>${formatNumber(l.on_hand)}</td><td>${formatNumber(l.reserved)}</td>
          <td><strong>${formatNumber(l.on_hand - l.reserved)}</strong></td>
        </tr>`)}</tbody>
    </table>`;
}

function ProductItem({ product, open, onToggle }) {
  return html`
    <li class=${open ? 'open' : ''}>
      <button type="button" class="item" data-testid="product-item" data-id=${product.id}
        aria-expanded=${open} onClick=${onToggle}>
        <span class="main">${product.name}${!product.active && html` <small class="muted">${t('product.inactive')}</small>`}</span>
        <span class="sub">${product.sku}${product.barcode ? ` · ${product.barcode}` : ''}</span>
        <span class="price" data-testid="product-price">${formatMoney(product.unit_price)} / ${product.unit}</span>
      </button>
      ${open && html`<div class="detail"><${Stock} productId=${product.id} /></div>`}
    </li>`;
}

export function ProductList() {
  const { store } = useApp();
  const [q, setQ] = useState('');
  const [openId, setOpenId] = useState(null);
  const products = useLive(() => store.db.products.orderBy('name').toArray(), [store]);
  const found = products && matchProducts(products, q);
  const onEnter = (e) => {
    // A scanner's Enter: open the product whose code was typed.
    if (e.key === 'Enter' && found?.length) setOpenId(found[0].id);
  };
  return html`
    <${Screen} title=${t('products.title')} testid="products">
      <${Search} value=${q} onInput=${setQ} placeholder=${t('products.search')} testid="product-search"
        onKeyDown=${onEnter} />
      ${!found ? html`<${Loading} />` : !found.length ? html`<${Empty}>${t('products.none')}<//>` : html`
        <ul class="list">
          ${found.slice(0, SHOWN).map((p) => html`<${ProductItem} key=${p.id} product=${p}
            open=${openId === p.id || found.length === 1} onToggle=${() => setOpenId(openId === p.id ? null : p.id)} />`)}
        </ul>
        ${found.length > SHOWN && html`<p class="muted">${t('common.more', { count: found.length - SHOWN })}</p>`}`}
    <//>`;
}
