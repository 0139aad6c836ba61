// The products tab of /admin/inventory: every product with its stock over all warehouses
// (filtered by text, active, low stock; paged on the server; exported), and the form that creates
// or changes one: SKU, name, barcode, unit price, unit, active, safety stock, reorder point.
// Written through the sync engine on the server: every device pulls the change.

import { html } from 'htm/preact';
import { useState } from 'preact/hooks';

import { api } from '../../api.js';
import { formatMoney, inputToMinor, minorToInput } from '../../format.js';
import { t } from '../../i18n.js';
import { Badge, Empty, ErrorBox, Field, Loading, Select, useAction } from '../components.js';
import { navigate } from '../router.js';
import { may, useAdminList } from './common.js';
import { ExportLinks, Pager, qs } from './inventory-common.js';

const PAGE = 50;

function filtersOf(query) {
  return { q: query.get('q') ?? '', active: query.get('active') ?? '', low_stock: query.get('low_stock') ?? '' };
}

const EMPTY = { sku: '', name: '', barcode: '', price: '', unit: 'pcs', active: true, safety_stock: '0', reorder_point: '0' };

function formOf(p) {
  if (!p) return EMPTY;
  return { sku: p.sku, name: p.name, barcode: p.barcode ?? '', price: minorToInput(p.unit_price), unit: p.unit,
    active: p.active, safety_stock: String(p.safety_stock), reorder_point: String(p.reorder_point) };
}

function count(text) {
  const n = Number(text);
  return text.trim() !== '' && Number.isInteger(n) && n >= 0 ? n : null;
}

/** Create (product null) or change a product. */
export function ProductForm({ product, onSaved, onCancel }) {
  const [form, setForm] = useState(() => formOf(product));
  const [run, busy, error, setError] = useAction();
  const set = (key) => (value) => setForm((f) => ({ ...f, [key]: value }));
  const submit = (e) => {
    e.preventDefault();
    const price = inputToMinor(form.price || '0');
    const safety = count(form.safety_stock);
    const reorder = count(form.reorder_point);
    if (price === null) return setError(new Error(t('admin.inventory.badPrice')));
    if (safety === null || reorder === null) return setError(new Error(t('admin.inventory.badCount')));
    const body = { sku: form.sku.trim(), name: form.name.trim(), barcode: form.barcode.trim() || null, unit_price: price,
      unit: form.unit.trim() || 'pcs', active: form.active, safety_stock: safety, reorder_point: reorder };
    return run(async () => {
      const saved = product
        ? await api('PATCH', `/api/admin/products/${encodeURIComponent(product.id)}`, body)
        : await api('POST', '/api/admin/products', body);
      onSaved(saved);
    });
  };
  return html`
    <form class="card form" data-testid="product-form" data-id=${product?.id ?? ''} onSubmit=${submit}>
      <h2>${product ? t('admin.inventory.editProduct', { sku: product.sku }) : t('admin.inventory.newProduct')}</h2>
      <${Field} label=${t('admin.inventory.sku')} value=${form.sku} onInput=${set('sku')} testid="product-sku" required maxLength="64" />
      <${Field} label=${t('admin.inventory.name')} value=${form.name} onInput=${set('name')} testid="product-name" required maxLength="200" />
      <${Field} label=${t('admin.inventory.barcode')} value=${form.barcode} onInput=${set('barcode')} testid="product-barcode" maxLength="64" />
      <${Field} label=${t('admin.inventory.unitPrice')} value=${form.price} onInput=${set('price')} testid="product-price" inputMode="decimal" />
      <${Field} label=${t('admin.inventory.unit')} value=${form.unit} onInput=${set('unit')} testid="product-unit" maxLength="16" />
      <${Field} label=${t('admin.inventory.safety')} type="number" min="0" step="1" value=${form.safety_stock}
        onInput=${set('safety_stock')} testid="product-safety" />
      <${Field} label=${t('admin.inventory.reorder')} type="number" min="0" step="1" value=${form.reorder_point}
        onInput=${set('reorder_point')} testid="product-reorder" />
      <${Select} label=${t('admin.inventory.active')} value=${form.active ? 'true' : 'false'} testid="product-active"
        onChange=${(v) => set('active')(v === 'true')} options=${[['true', t('common.yes')], ['false', t('common.no')]]} />
      <${ErrorBox} error=${error} />
      <div class="actions">
        <button type="submit" class="primary" data-testid="product-save" disabled=${busy}>${t('common.save')}</button>
        <button type="button" data-testid="product-cancel" onClick=${onCancel}>${t('common.cancel')}</button>
      </div>
    </form>`;
}

export function ProductsTab({ query, round, onChanged, role }) {
  const filters = filtersOf(query);
  const [offset, setOffset] = useState(0);
  const [text, setText] = useState(filters.q);
  const [editing, setEditing] = useState(null); // null, 'new' or a product row
  const [page, error, reload] = useAdminList(`/api/admin/products?${qs(filters)}&limit=${PAGE}&offset=${offset}&r=${round}`);
  const manage = may(role, 'inventory.manage');
  const change = (next) => {
    setOffset(0);
    navigate(`/admin/inventory?${qs({ tab: 'products', ...filters, ...next })}`, { replace: true });
  };
  const saved = () => {
    setEditing(null);
    reload();
    onChanged();
  };
  return html`
    <form class="filters" role="search" onSubmit=${(e) => { e.preventDefault(); change({ q: text.trim() }); }}>
      <${Field} label=${t('admin.inventory.search')} value=${text} onInput=${setText} testid="products-search"
        placeholder=${t('admin.inventory.searchHint')} />
      <${Select} label=${t('admin.inventory.active')} value=${filters.active} onChange=${(v) => change({ active: v })} testid="products-active"
        options=${[['', t('common.all')], ['true', t('admin.inventory.activeOnly')], ['false', t('admin.inventory.inactiveOnly')]]} />
      <${Select} label=${t('admin.inventory.stockLabel')} value=${filters.low_stock} onChange=${(v) => change({ low_stock: v })}
        testid="products-low" options=${[['', t('common.all')], ['true', t('admin.inventory.lowOnly')]]} />
      <div class="actions"><button type="submit" data-testid="products-search-go">${t('admin.inventory.find')}</button></div>
    </form>
    <div class="actions">
      ${page && html`<span class="muted" data-testid="products-total">${t('admin.inventory.productCount', { count: page.total })}</span>`}
      <${ExportLinks} path="/api/admin/products" filters=${filters} testid="products" />
      ${manage && !editing && html`<button type="button" data-testid="product-new" onClick=${() => setEditing('new')}>
        ${t('admin.inventory.newProduct')}</button>`}
    </div>
    ${editing && html`<${ProductForm} key=${editing === 'new' ? 'new' : editing.id} product=${editing === 'new' ? null : editing}
      onSaved=${saved} onCancel=${() => setEditing(null)} />`}
    <${ErrorBox} error=${error} />
    ${page === undefined && !error ? html`<${Loading} />` : page?.rows.length === 0 ? html`<${Empty}>${t('admin.inventory.noProducts')}<//>` : page && html`
      <div class="table-wrap" tabindex="0" role="region" aria-label=${t('admin.inventory.tab.products')}>
        <table class="admin-table" data-testid="products-table">
          <thead><tr>
            <th>${t('admin.inventory.sku')}</th><th>${t('admin.inventory.name')}</th><th>${t('admin.inventory.barcode')}</th>
            <th>${t('admin.inventory.unitPrice')}</th><th>${t('admin.inventory.onHand')}</th><th>${t('admin.inventory.available')}</th>
            <th>${t('admin.inventory.safety')}</th><th>${t('admin.inventory.reorder')}</th><th><span class="visually-hidden">${t('common.actions')}</span></th>
          </tr></thead>
          <tbody>${page.rows.map((p) => html`
            <tr key=${p.id} data-testid="product-row" data-sku=${p.sku} class=${p.active ? '' : 'disabled'}>
              <td><code>${p.sku}</code></td>
              <td>${p.name} ${!p.active && html`<${Badge} kind="muted">${t('admin.inventory.inactive')}<//>`}
                ${p.low > 0 && html`<${Badge} kind="warn" testid="product-low">${t('admin.inventory.lowIn', { count: p.low })}<//>`}</td>
              <td>${p.barcode ?? '—'}</td>
              <td class="num">${formatMoney(p.unit_price)} / ${p.unit}</td>
              <td class="num">${p.on_hand}</td>
              <td class="num" data-testid="product-available">${p.available}</td>
              <td class="num" data-testid="product-safety-value">${p.safety_stock}</td>
              <td class="num" data-testid="product-reorder-value">${p.reorder_point}</td>
              <td class="row-actions">${manage && html`<button type="button" data-testid="product-edit"
                onClick=${() => setEditing(p)}>${t('common.edit')}</button>`}</td>
            </tr>`)}</tbody>
        </table>
      </div>
      <${Pager} page=${page} offset=${offset} size=${PAGE} onOffset=${setOffset} testid="products" />`}`;
}
