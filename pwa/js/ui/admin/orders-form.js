// The console's order forms (docs/admin.md § Orders): a new order (customer, lines, due date,
// priority, warehouse, address, notes; a draft or submitted) and the edit of an open order's
// fields. Each is the mutation a phone sends (order.create / order.update), applied by the server
// as the admin: the rule decides. The form checks the catalog's bounds first (core/validate.js:
// the same schema the server holds) and shows them as they are typed; money is typed in yuan.

import { html } from 'htm/preact';
import { useState } from 'preact/hooks';

import { api } from '../../api.js';
import { uuid7 } from '../../core/ids.js';
import { Invalid, problems } from '../../core/validate.js';
import { priorities } from '../../core/vocab.js';
import { formatMoney, inputToMinor, minorToInput } from '../../format.js';
import { hasKey, t } from '../../i18n.js';
import { ErrorBox, Field, Select, useAction } from '../components.js';
import { useWarehouses } from '../hooks.js';
import { LimitedField, rangeHint } from '../validation.js';
import { useAdminList } from './common.js';

const label = (prefix, value) => (hasKey(`${prefix}.${value}`) ? t(`${prefix}.${value}`) : value);
const clean = (v) => (String(v ?? '').trim() === '' ? null : String(v).trim());
const PLACEHOLDER = 'x'; // an id the server gives, for checking the rest against the schema

/** Picks a customer by a search of their name or phone (GET /api/admin/customers?q=). */
function CustomerPick({ value, onPick }) {
  const [text, setText] = useState('');
  const [asked, setAsked] = useState(value ? `/api/admin/customers/${encodeURIComponent(value)}` : null);
  const [found] = useAdminList(asked ?? '/api/admin/customers?limit=1', asked !== null);
  const rows = found?.rows ?? (found?.customer ? [found.customer] : []);
  const search = () => setAsked(`/api/admin/customers?limit=20&q=${encodeURIComponent(text.trim())}`);
  return html`
    <div class="customer-pick">
      <${Field} label=${t('admin.orders.findCustomer')} type="search" value=${text} onInput=${setText} testid="order-form-customer-search"
        onKeyDown=${(e) => { if (e.key === 'Enter') { e.preventDefault(); search(); } }} />
      <button type="button" data-testid="order-form-customer-find" onClick=${search}>${t('admin.orders.find')}</button>
      <${Select} label=${t('admin.orders.customer')} value=${value} onChange=${onPick} testid="order-form-customer"
        options=${[['', t('admin.orders.pickCustomer')], ...rows.map((c) => [c.id, c.phone ? `${c.name} · ${c.phone}` : c.name])]} />
    </div>`;
}

/** /admin/orders/new[?customer=<id>]: `onSaved(detail)` with the new order. */
export function OrderForm({ customerId, onSaved }) {
  const warehouses = useWarehouses();
  const [products] = useAdminList('/api/admin/products?active=true&limit=500');
  const byId = Object.fromEntries((products?.rows ?? []).map((p) => [p.id, p]));
  const [customer, setCustomer] = useState(customerId ?? '');
  const [lines, setLines] = useState([{ product_id: '', qty: '1', price: '' }]);
  const [fields, setFields] = useState({ due_date: '', priority: 'normal', warehouse_id: '', delivery_address: '', notes: '', status: 'draft' });
  const [run, busy, error, setError] = useAction();
  const set = (f) => (v) => setFields({ ...fields, [f]: v });
  const setLine = (i, change) => setLines(lines.map((ln, j) => (j === i ? { ...ln, ...change } : ln)));
  const pickProduct = (i, id) => setLine(i, { product_id: id, price: byId[id] ? minorToInput(byId[id].unit_price) : '' });
  const sentLines = lines.map((ln) => ({ product_id: ln.product_id, qty: Number(ln.qty), unit_price: inputToMinor(ln.price) }));
  const total = sentLines.reduce((sum, ln) => sum + (Number.isInteger(ln.qty) && ln.unit_price != null ? ln.qty * ln.unit_price : 0), 0);
  const save = (e) => {
    e.preventDefault();
    if (!customer) return setError(new Error(t('admin.orders.customerRequired')));
    if (sentLines.some((ln) => !ln.product_id || ln.unit_price === null)) return setError(new Error(t('admin.orders.lineIncomplete')));
    const body = {
      customer_id: customer, lines: sentLines, status: fields.status, priority: fields.priority,
      due_date: fields.due_date || null, notes: clean(fields.notes), delivery_address: clean(fields.delivery_address),
      warehouse_id: fields.warehouse_id || null,
    };
    // The same schema the server's order.create holds: what it would refuse is refused here.
    const found = problems('order.create', { ...body, id: PLACEHOLDER, number: PLACEHOLDER, channel: 'web',
      lines: sentLines.map((ln) => ({ ...ln, id: PLACEHOLDER })) });
    if (found.length) return setError(new Invalid('order.create', found));
    if (!sentLines.length) return setError(new Error(t('admin.orders.lineIncomplete')));
    return run(async () => onSaved(await api('POST', '/api/admin/orders', body)));
  };
  return html`
    <form class="card form" data-testid="order-form" onSubmit=${save}>
      <h2>${t('admin.orders.new')}</h2>
      <${CustomerPick} value=${customer} onPick=${setCustomer} />
      <h3>${t('admin.orders.lines')}</h3>
      <p class="muted" data-testid="order-form-limits">${t('line.qty')}: ${rangeHint('order.create', ['lines', 0, 'qty'])} ·
        ${t('line.unitPrice')}: ${rangeHint('order.create', ['lines', 0, 'unit_price'])}</p>
      ${lines.map((ln, i) => html`
        <div class="actions order-form-line" key=${i} data-testid="order-form-line">
          <${Select} label=${t('admin.orders.product')} value=${ln.product_id} onChange=${(v) => pickProduct(i, v)} testid="order-form-product"
            options=${[['', t('admin.orders.pickProduct')], ...(products?.rows ?? []).map((p) => [p.id, `${p.sku} · ${p.name}`])]} />
          <${Field} label=${t('admin.orders.qty')} type="number" value=${ln.qty} onInput=${(v) => setLine(i, { qty: v })} testid="order-form-qty"
            min="1" max="1000000" step="1" />
          <${Field} label=${t('admin.orders.priceYuan')} value=${ln.price} onInput=${(v) => setLine(i, { price: v })} testid="order-form-price"
            inputmode="decimal" />
          ${lines.length > 1 && html`<button type="button" data-testid="order-form-line-remove"
            onClick=${() => setLines(lines.filter((_, j) => j !== i))}>${t('admin.orders.removeLine')}</button>`}
        </div>`)}
      <button type="button" data-testid="order-form-line-add" onClick=${() => setLines([...lines, { product_id: '', qty: '1', price: '' }])}>
        ${t('admin.orders.addLine')}</button>
      <p data-testid="order-form-total">${t('admin.orders.amount')}: ${formatMoney(total)}</p>
      <${Field} label=${t('admin.orders.due')} type="date" value=${fields.due_date} onInput=${set('due_date')} testid="order-form-due" />
      <${Select} label=${t('admin.orders.priority')} value=${fields.priority} onChange=${set('priority')} testid="order-form-priority"
        options=${priorities().map((p) => [p, label('priority', p)])} />
      <${Select} label=${t('admin.orders.warehouse')} value=${fields.warehouse_id} onChange=${set('warehouse_id')} testid="order-form-warehouse"
        options=${[['', t('common.none')], ...warehouses.map((w) => [w.id, `${w.code} · ${w.name}`])]} />
      <${LimitedField} name="order.create" path=${['delivery_address']} label=${t('admin.orders.address')} multiline
        value=${fields.delivery_address} onInput=${set('delivery_address')} testid="order-form-address" />
      <${LimitedField} name="order.create" path=${['notes']} label=${t('admin.orders.notes')} multiline
        value=${fields.notes} onInput=${set('notes')} testid="order-form-notes" />
      <${Select} label=${t('admin.orders.saveAs')} value=${fields.status} onChange=${set('status')} testid="order-form-status"
        options=${[['draft', label('status', 'draft')], ['submitted', label('status', 'submitted')]]} />
      <${ErrorBox} error=${error} />
      <button type="submit" class="primary" data-testid="order-form-save" disabled=${busy}>${t('common.save')}</button>
    </form>`;
}

const EDITABLE = ['priority', 'due_date', 'delivery_address', 'notes'];

/** The edit of an open order's fields from the version read (order.update). */
export function OrderEditForm({ detail, onSaved }) {
  const o = detail.order;
  const start = { priority: o.priority, due_date: o.due_date ?? '', delivery_address: detail.delivery_address ?? '', notes: detail.notes ?? '' };
  const [fields, setFields] = useState(start);
  const [run, busy, error, setError] = useAction();
  const set = (f) => (v) => setFields({ ...fields, [f]: v });
  const save = (e) => {
    e.preventDefault();
    const sent = { priority: fields.priority, due_date: fields.due_date || null,
      delivery_address: clean(fields.delivery_address), notes: clean(fields.notes) };
    const changed = Object.fromEntries(EDITABLE.filter((f) => sent[f] !== (f === 'priority' ? start[f] : clean(start[f])))
      .map((f) => [f, sent[f]]));
    if (!Object.keys(changed).length) return setError(new Error(t('admin.orders.nothingChanged')));
    const found = problems('order.update', { id: o.id, base_version: detail.version, set: changed });
    if (found.length) return setError(new Invalid('order.update', found));
    return run(async () => onSaved(await api('PUT', `/api/admin/orders/${encodeURIComponent(o.id)}`,
      { base_version: detail.version, ...changed })));
  };
  return html`
    <form class="card form" data-testid="order-edit-form" onSubmit=${save}>
      <h2>${t('admin.orders.editTitle')}</h2>
      <${Select} label=${t('admin.orders.priority')} value=${fields.priority} onChange=${set('priority')} testid="order-edit-priority"
        options=${priorities().map((p) => [p, label('priority', p)])} />
      <${Field} label=${t('admin.orders.due')} type="date" value=${fields.due_date} onInput=${set('due_date')} testid="order-edit-due" />
      <${LimitedField} name="order.update" path=${['set', 'delivery_address']} label=${t('admin.orders.address')} multiline
        value=${fields.delivery_address} onInput=${set('delivery_address')} testid="order-edit-address" />
      <${LimitedField} name="order.update" path=${['set', 'notes']} label=${t('admin.orders.notes')} multiline
        value=${fields.notes} onInput=${set('notes')} testid="order-edit-notes" />
      <${ErrorBox} error=${error} />
      <button type="submit" class="primary" data-testid="order-edit-save" disabled=${busy}>${t('common.save')}</button>
    </form>`;
}

/** An order's lines edited one at a time, each the mutation a phone sends (order.line.upsert,
 * order.line.remove) from the version read; shown while the order's lines may change. */
export function LinesEditor({ detail, onSaved }) {
  const [products] = useAdminList('/api/admin/products?active=true&limit=500');
  const byId = Object.fromEntries((products?.rows ?? []).map((p) => [p.id, p]));
  const [edits, setEdits] = useState({}); // line id -> {qty, price} as typed
  const [added, setAdded] = useState({ product_id: '', qty: '1', price: '' });
  const [run, busy, error, setError] = useAction();
  const o = detail.order;
  const path = (id) => `/api/admin/orders/${encodeURIComponent(o.id)}/lines/${encodeURIComponent(id)}`;
  const send = (id, productId, qty, price, discount = 0) => {
    const line = { id, product_id: productId, qty: Number(qty), unit_price: inputToMinor(price), discount_bp: discount };
    if (line.unit_price === null) return setError(new Error(t('admin.orders.lineIncomplete')));
    const found = problems('order.line.upsert', { order_id: o.id, base_version: detail.version, line });
    if (found.length) return setError(new Invalid('order.line.upsert', found));
    return run(async () => {
      onSaved(await api('PUT', path(id), { base_version: detail.version, product_id: productId, qty: line.qty,
        unit_price: line.unit_price, discount_bp: discount }));
      setEdits({});
      setAdded({ product_id: '', qty: '1', price: '' });
    });
  };
  const remove = (id) => run(async () => onSaved(await api('DELETE', `${path(id)}?base_version=${detail.version}`)));
  return html`
    <div class="card" data-testid="lines-editor">
      <h2>${t('admin.orders.editLines')}</h2>
      ${detail.lines.map((ln) => {
        const typed = edits[ln.id] ?? { qty: String(ln.qty), price: minorToInput(ln.unit_price) };
        const set = (change) => setEdits({ ...edits, [ln.id]: { ...typed, ...change } });
        return html`<div class="actions" key=${ln.id} data-testid="lines-editor-line" data-id=${ln.id}>
          <span>${ln.sku ?? ln.product_id} · ${ln.name ?? ''}</span>
          <${Field} label=${t('admin.orders.qty')} type="number" value=${typed.qty} onInput=${(v) => set({ qty: v })}
            testid="lines-editor-qty" min="1" max="1000000" step="1" />
          <${Field} label=${t('admin.orders.priceYuan')} value=${typed.price} onInput=${(v) => set({ price: v })}
            testid="lines-editor-price" inputmode="decimal" />
          <button type="button" data-testid="lines-editor-save" disabled=${busy}
            onClick=${() => send(ln.id, ln.product_id, typed.qty, typed.price, ln.discount_bp)}>${t('common.save')}</button>
          <button type="button" data-testid="lines-editor-remove" disabled=${busy || detail.lines.length < 2}
            onClick=${() => remove(ln.id)}>${t('line.remove')}</button>
        </div>`;
      })}
      <div class="actions" data-testid="lines-editor-new">
        <${Select} label=${t('admin.orders.product')} value=${added.product_id} testid="lines-editor-product"
          onChange=${(v) => setAdded({ ...added, product_id: v, price: byId[v] ? minorToInput(byId[v].unit_price) : '' })}
          options=${[['', t('admin.orders.pickProduct')], ...(products?.rows ?? []).map((p) => [p.id, `${p.sku} · ${p.name}`])]} />
        <${Field} label=${t('admin.orders.qty')} type="number" value=${added.qty} onInput=${(v) => setAdded({ ...added, qty: v })}
          testid="lines-editor-new-qty" min="1" max="1000000" step="1" />
        <${Field} label=${t('admin.orders.priceYuan')} value=${added.price} onInput=${(v) => setAdded({ ...added, price: v })}
          testid="lines-editor-new-price" inputmode="decimal" />
        <button type="button" data-testid="lines-editor-add" disabled=${busy || !added.product_id}
          onClick=${() => send(uuid7(), added.product_id, added.qty, added.price)}>${t('admin.orders.addLine')}</button>
      </div>
      <${ErrorBox} error=${error} />
    </div>`;
}
