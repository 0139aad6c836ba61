// The lines of an existing order: shown, and while lines are not locked, each line's quantity
// and price editable (saved one line at a time), lines removed and added.

import { html } from 'htm/preact';
import { useState } from 'preact/hooks';

import { bpToPercent, lineNet } from '../core/totals.js';
import { formatMoney, formatNumber, minorToInput } from '../format.js';
import { t } from '../i18n.js';
import { ErrorBox, Loading, useAction } from './components.js';
import { useApp } from './context.js';
import { useById } from './hooks.js';
import { LineWarnings, QtyPrice, VatNote, lineProblems, parseLine, useAvailable } from './lines.js';
import { useLive } from './live.js';
import { ProductPicker } from './pickers.js';
import { FieldProblems } from './validation.js';

function EditableLine({ orderId, line, product, available }) {
  const { actions } = useApp();
  const [draft, setDraft] = useState(null);
  const [run, busy, error, setError] = useAction();
  const qty = draft?.qty ?? String(line.qty);
  const price = draft?.price ?? minorToInput(line.unit_price);
  const discount = draft?.discount ?? bpToPercent(line.discount_bp ?? 0);
  const changed = draft !== null && (qty !== String(line.qty) || price !== minorToInput(line.unit_price)
    || discount !== bpToPercent(line.discount_bp ?? 0));
  const typed = { productId: line.product_id, qty, price, discount };
  const problems = lineProblems(typed, 'order.line.upsert', ['line']);
  const save = () => {
    const parsed = parseLine(typed);
    if (parsed.error) return setError(new Error(t(`line.bad.${parsed.error}`)));
    if (problems.length) return undefined; // said next to the line already
    return run(async () => {
      await actions.upsertLine(orderId, { id: line.id, ...parsed.line });
      setDraft(null);
    });
  };
  return html`
    <li data-testid="line" data-id=${line.id} data-product=${line.product_id}>
      <div class="line-head"><strong>${product?.name ?? line.product_id}</strong>
        <small class="muted"> ${product?.sku ?? ''}</small>
        <button type="button" class="icon" data-testid="line-remove" aria-label=${t('line.remove')} disabled=${busy}
          onClick=${() => run(() => actions.removeLine(orderId, line.id))}>✕</button></div>
      <div class="line-fields">
        <${QtyPrice} qty=${qty} price=${price} discount=${discount} disabled=${busy} problems=${problems}
          onQty=${(v) => setDraft({ qty: v, price, discount })} onPrice=${(v) => setDraft({ qty, price: v, discount })}
          onDiscount=${(v) => setDraft({ qty, price, discount: v })} />
        ${changed
          ? html`<button type="button" class="primary" data-testid="line-save" disabled=${busy} onClick=${save}>${t('common.save')}</button>`
          : html`<span class="line-total" data-testid="line-total">${formatMoney(lineNet(line))}</span>`}
      </div>
      <${FieldProblems} problems=${problems} testid="line-problem" />
      ${changed && html`<${LineWarnings} productId=${line.product_id} qty=${qty} price=${price} available=${available} />`}
      <${ErrorBox} error=${error} />
    </li>`;
}

function ReadOnlyLine({ line, product }) {
  return html`
    <li data-testid="line" data-id=${line.id} data-product=${line.product_id}>
      <div class="line-head"><strong>${product?.name ?? line.product_id}</strong>
        <small class="muted"> ${product?.sku ?? ''}</small></div>
      <div class="line-fields ro">
        <span>${formatNumber(line.qty)} × ${formatMoney(line.unit_price)}${line.discount_bp
          ? html` <small class="badge" data-testid="line-discount-read">−${bpToPercent(line.discount_bp)} %</small>` : ''}</span>
        <span class="line-total" data-testid="line-total">${formatMoney(lineNet(line))}</span>
      </div>
    </li>`;
}

export function OrderLines({ order, editable }) {
  const { store, actions } = useApp();
  const lines = useLive(() => store.db.order_lines.where('order_id').equals(order.id).toArray(), [store, order.id]);
  const products = useById('products');
  const [picking, setPicking] = useState(false);
  const [run, , error] = useAction();
  const available = useAvailable((lines ?? []).map((l) => l.product_id), order.warehouse_id);
  if (!lines || !products) return html`<${Loading} />`;
  // A line's own units may be reserved already: only what it adds must be available.
  const besides = (l) => available && { [l.product_id]: (available[l.product_id] ?? 0) + l.qty };
  const add = (p) => run(() => actions.upsertLine(order.id, { productId: p.id, qty: 1, unitPrice: p.unit_price }));
  return html`
    <ul class="lines" data-testid="order-lines">
      ${lines.map((l) => (editable
        ? html`<${EditableLine} key=${l.id} orderId=${order.id} line=${l} product=${products[l.product_id]}
            available=${besides(l)} />`
        : html`<${ReadOnlyLine} key=${l.id} line=${l} product=${products[l.product_id]} />`))}
    </ul>
    ${order.discount_bp > 0 && html`<p class="muted" data-testid="order-discount-read">
      ${t('order.discountOff', { percent: bpToPercent(order.discount_bp) })}</p>`}
    <p class="total">${t('order.total')}: <strong data-testid="order-total">${formatMoney(order.total)}</strong>
      <${VatNote} total=${order.total} /></p>
    <${ErrorBox} error=${error} />
    ${editable && (picking
      ? html`<${ProductPicker} onPick=${add} onClose=${() => setPicking(false)} />`
      : html`<button type="button" class="big" data-testid="line-add" onClick=${() => setPicking(true)}>+ ${t('line.add')}</button>`)}`;
}
