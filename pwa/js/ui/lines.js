// Order lines being entered: product, quantity and unit price (prefilled from the product,
// editable), with the line and order totals.

import { html } from 'htm/preact';

import { formatMoney, inputToMinor, minorToInput } from '../format.js';
import { t } from '../i18n.js';

/** A new line for `product`: quantity 1 at the product's price (text as the fields hold it). */
export function lineFor(product, key) {
  return { key, productId: product.id, name: product.name, sku: product.sku,
    qty: '1', price: minorToInput(product.unit_price) };
}

/** The line as the action takes it, or null with the field that is wrong. */
export function parseLine(line) {
  const qty = Number(line.qty);
  if (!Number.isInteger(qty) || qty <= 0 || qty > 1_000_000) return { error: 'qty' };
  const unitPrice = inputToMinor(line.price);
  if (unitPrice === null) return { error: 'price' };
  return { line: { productId: line.productId, qty, unitPrice } };
}

export function lineTotal(line) {
  if (line.gone) return null; // a product retired since (refused work): not part of the order
  const parsed = parseLine(line).line;
  return parsed ? parsed.qty * parsed.unitPrice : null;
}

/** The quantity and price inputs of one line. */
export function QtyPrice({ qty, price, onQty, onPrice, disabled }) {
  return html`
    <label class="mini"><span>${t('line.qty')}</span>
      <input type="number" inputmode="numeric" min="1" step="1" data-testid="line-qty" value=${qty}
        disabled=${disabled} onInput=${(e) => onQty(e.currentTarget.value)} /></label>
    <label class="mini"><span>${t('line.unitPrice')}</span>
      <input type="text" inputmode="decimal" data-testid="line-price" value=${price}
        disabled=${disabled} onInput=${(e) => onPrice(e.currentTarget.value)} /></label>`;
}

export function LinesEditor({ lines, onChange }) {
  const update = (key, patch) => onChange(lines.map((l) => (l.key === key ? { ...l, ...patch } : l)));
  const remove = (key) => onChange(lines.filter((l) => l.key !== key));
  const total = lines.reduce((sum, l) => sum + (lineTotal(l) ?? 0), 0);
  return html`
    <ul class="lines">
      ${lines.map((l) => {
        const bad = l.gone ? 'gone' : parseLine(l).error;
        return html`
          <li key=${l.key} data-testid="line" data-product=${l.productId} class=${bad ? 'invalid' : ''}>
            <div class="line-head"><strong>${l.name}</strong><small class="muted"> ${l.sku}</small>
              <button type="button" class="icon" data-testid="line-remove" aria-label=${t('line.remove')}
                onClick=${() => remove(l.key)}>✕</button></div>
            <div class="line-fields">
              <${QtyPrice} qty=${l.qty} price=${l.price}
                onQty=${(qty) => update(l.key, { qty })} onPrice=${(price) => update(l.key, { price })} />
              <span class="line-total" data-testid="line-total">${bad ? t(`line.bad.${bad}`) : formatMoney(lineTotal(l))}</span>
            </div>
          </li>`;
      })}
    </ul>
    <p class="total">${t('order.total')}: <strong data-testid="order-total">${formatMoney(total)}</strong></p>`;
}
