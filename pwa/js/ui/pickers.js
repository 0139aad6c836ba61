// Pickers of the order screens: a customer with search, a product with search (a scanner's
// code and Enter picks the first match).

import { html } from 'htm/preact';
import { useState } from 'preact/hooks';

import { formatMoney } from '../format.js';
import { t } from '../i18n.js';
import { Search } from './components.js';
import { useApp } from './context.js';
import { matchCustomers } from './customers.js';
import { useLive } from './live.js';
import { useFavourites } from './personal.js';
import { matchProducts } from './products.js';

const OPTIONS = 8;
const RECENT = 3; // recent customers offered before anything is typed

export function CustomerPicker({ value, onChange }) {
  const { store } = useApp();
  const [q, setQ] = useState('');
  const customers = useLive(() => store.db.customers.orderBy('name').toArray(), [store]) ?? [];
  const favourites = useFavourites();
  // Before anything is typed: the customers of the latest orders first (a rep mostly orders
  // again for whom they visited lately), then the rest by name.
  const lastOrdered = useLive(async () => {
    const latest = new Map();
    await store.db.orders.each((o) => {
      const at = o.created_at ?? '';
      if (at > (latest.get(o.customer_id) ?? '')) latest.set(o.customer_id, at);
    });
    return latest;
  }, [store]) ?? new Map();
  if (value) {
    return html`
      <div class="picked" data-testid="customer-selected" data-id=${value.id}>
        <div><strong>${value.name}</strong><br /><small>${[value.phone, value.region].filter(Boolean).join(' · ')}</small></div>
        <button type="button" data-testid="customer-change" onClick=${() => onChange(null)}>${t('common.change')}</button>
      </div>`;
  }
  const recent = q.trim() ? [] : [...lastOrdered].sort((a, b) => (a[1] < b[1] ? 1 : -1)).slice(0, RECENT).map(([id]) => id);
  const byId = Object.fromEntries(customers.map((c) => [c.id, c]));
  // Favourites (ui/personal.js) before anything, among the matches while typing too; then the
  // recent ones before anything is typed.
  const matches = matchCustomers(customers, q);
  const starred = matches.filter((c) => favourites.has(c.id));
  const first = [...starred, ...recent.map((id) => byId[id]).filter((c) => c && !favourites.has(c.id))];
  const found = [...first, ...matches.filter((c) => !first.includes(c))].slice(0, OPTIONS);
  return html`
    <div class="picker">
      <${Search} value=${q} onInput=${setQ} placeholder=${t('customers.search')} testid="customer-search"
        onKeyDown=${(e) => e.key === 'Enter' && found[0] && (e.preventDefault(), onChange(found[0]))} />
      <ul class="options">
        ${found.map((c) => html`<li key=${c.id}>
          <button type="button" data-testid="customer-option" data-id=${c.id}
            data-recent=${first.includes(c) && !favourites.has(c.id) ? 'true' : 'false'} data-favourite=${String(favourites.has(c.id))}
            onClick=${() => onChange(c)}>
            <span class="main">${c.name}${favourites.has(c.id)
              ? html` <small class="badge" aria-label=${t('customer.favourite')}>★</small>`
              : first.includes(c) && html` <small class="badge">${t('customers.recent')}</small>`}</span>
            <span class="sub">${c.phone ?? ''}</span>
          </button></li>`)}
        ${!found.length && html`<li class="muted">${t('customers.none')}</li>`}
      </ul>
    </div>`;
}

export function ProductPicker({ onPick, onClose }) {
  const { store } = useApp();
  const [q, setQ] = useState('');
  const products = useLive(() => store.db.products.orderBy('name').toArray(), [store]) ?? [];
  const found = matchProducts(products.filter((p) => p.active !== false), q).slice(0, OPTIONS);
  const pick = (p) => {
    onPick(p);
    setQ('');
  };
  return html`
    <div class="picker" data-testid="product-picker">
      <div class="row">
        <${Search} value=${q} onInput=${setQ} placeholder=${t('products.search')} testid="product-search" autoFocus
          onKeyDown=${(e) => e.key === 'Enter' && found[0] && (e.preventDefault(), pick(found[0]))} />
        ${onClose && html`<button type="button" data-testid="product-picker-close" onClick=${onClose}>${t('common.done')}</button>`}
      </div>
      <ul class="options">
        ${found.map((p) => html`<li key=${p.id}>
          <button type="button" data-testid="product-option" data-id=${p.id} onClick=${() => pick(p)}>
            <span class="main">${p.name}</span>
            <span class="sub">${p.sku} · ${formatMoney(p.unit_price)}</span>
          </button></li>`)}
        ${!found.length && html`<li class="muted">${t('products.none')}</li>`}
      </ul>
    </div>`;
}
