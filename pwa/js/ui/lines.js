// Order lines being entered: product, quantity and unit price (prefilled from the product,
// editable), with the line and order totals.

import { html } from 'htm/preact';

import { limitsOf, valueProblems } from '../core/validate.js';
import { formatMoney, inputToMinor, minorToInput } from '../format.js';
import { t } from '../i18n.js';
import { FieldProblems, rangeHint } from './validation.js';

/** A new line for `product`: quantity 1 at the product's price (text as the fields hold it). */
export function lineFor(product, key) {
  return { key, productId: product.id, name: product.name, sku: product.sku,
    qty: '1', price: minorToInput(product.unit_price) };
}

/** The line as the action takes it, or null with the field that is wrong (its bounds are the
 * catalog's: lineProblems). */
export function parseLine(line) {
  const qty = Number(line.qty);
  if (!Number.isInteger(qty) || qty <= 0) return { error: 'qty' };
  const unitPrice = inputToMinor(line.price);
  if (unitPrice === null) return { error: 'price' };
  return { line: { productId: line.productId, qty, unitPrice } };
}

export function lineTotal(line) {
  if (line.gone) return null; // a product retired since (refused work): not part of the order
  const parsed = parseLine(line).line;
  return parsed ? parsed.qty * parsed.unitPrice : null;
}

/** What the catalog refuses in a parsed line: its quantity and unit price checked at `at` of
 * mutation `name` (['lines', i] of order.create, ['line'] of order.line.upsert). */
export function lineProblems(line, name = 'order.create', at = ['lines', 0]) {
  const parsed = parseLine(line);
  if (parsed.error) return [];
  return [
    ...valueProblems(name, [...at, 'qty'], parsed.line.qty),
    ...valueProblems(name, [...at, 'unit_price'], parsed.line.unitPrice),
  ];
}

/** The range of a line's quantity and price, as the catalog bounds them. */
export function LineLimits() {
  return html`<p class="hint" data-testid="line-limits">
    ${t('line.qty')}: ${rangeHint('order.create', ['lines', 0, 'qty'])} · ${t('line.unitPrice')}: ${rangeHint('order.create', ['lines', 0, 'unit_price'])}</p>`;
}

/** The quantity and price inputs of one line (the quantity's range is the catalog's). */
export function QtyPrice({ qty, price, onQty, onPrice, disabled, problems = [] }) {
  const { minimum, maximum } = limitsOf('order.create', ['lines', 0, 'qty']);
  const wrong = (field) => (problems.some((p) => p.path[p.path.length - 1] === field) ? 'true' : 'false');
  return html`
    <label class="mini"><span>${t('line.qty')}</span>
      <input type="number" inputmode="numeric" min=${minimum ?? 1} max=${maximum} step="1" data-testid="line-qty" value=${qty}
        aria-invalid=${wrong('qty')} disabled=${disabled} onInput=${(e) => onQty(e.currentTarget.value)} /></label>
    <label class="mini"><span>${t('line.unitPrice')}</span>
      <input type="text" inputmode="decimal" data-testid="line-price" value=${price}
        aria-invalid=${wrong('unit_price')} disabled=${disabled} onInput=${(e) => onPrice(e.currentTarget.value)} /></label>`;
}

export function LinesEditor({ lines, onChange }) {
  const update = (key, patch) => onChange(lines.map((l) => (l.key === key ? { ...l, ...patch } : l)));
  const remove = (key) => onChange(lines.filter((l) => l.key !== key));
  const total = lines.reduce((sum, l) => sum + (lineTotal(l) ?? 0), 0);
  return html`
    <ul class="lines">
      ${lines.map((l, i) => {
        const bad = l.gone ? 'gone' : parseLine(l).error;
        const problems = bad ? [] : lineProblems(l, 'order.create', ['lines', i]);
        return html`
          <li key=${l.key} data-testid="line" data-product=${l.productId} class=${bad || problems.length ? 'invalid' : ''}>
            <div class="line-head"><strong>${l.name}</strong><small class="muted"> ${l.sku}</small>
              <button type="button" class="icon" data-testid="line-remove" aria-label=${t('line.remove')}
                onClick=${() => remove(l.key)}>✕</button></div>
            <div class="line-fields">
              <${QtyPrice} qty=${l.qty} price=${l.price} problems=${problems}
                onQty=${(qty) => update(l.key, { qty })} onPrice=${(price) => update(l.key, { price })} />
              <span class="line-total" data-testid="line-total">${bad ? t(`line.bad.${bad}`) : formatMoney(lineTotal(l))}</span>
            </div>
            <${FieldProblems} problems=${problems} testid="line-problem" />
          </li>`;
      })}
    </ul>
    ${lines.length > 0 && html`<${LineLimits} />`}
    <p class="total">${t('order.total')}: <strong data-testid="order-total">${formatMoney(total)}</strong></p>`;
}
