// Order lines being entered: product, quantity, unit price (prefilled from the product,
// editable) and a discount in percent, with the line and order totals (core/totals.js: the
// server's arithmetic).

import { html } from 'htm/preact';

import { lineNet, net, percentToBp } from '../core/totals.js';
import { limitsOf, valueProblems } from '../core/validate.js';
import { vatPercent } from '../core/vocab.js';
import { formatMoney, formatNumber, inputToMinor, minorToInput, vatIncluded } from '../format.js';
import { t } from '../i18n.js';
import { useApp } from './context.js';
import { useLive } from './live.js';
import { FieldProblems, rangeHint } from './validation.js';

/** A new line for `product`: quantity 1 at the product's price (text as the fields hold it). */
export function lineFor(product, key) {
  return { key, productId: product.id, name: product.name, sku: product.sku,
    qty: '1', price: minorToInput(product.unit_price), discount: '' };
}

/** The line as the action takes it, or null with the field that is wrong (its bounds are the
 * catalog's: lineProblems). */
export function parseLine(line) {
  const qty = Number(line.qty);
  if (!Number.isInteger(qty) || qty <= 0) return { error: 'qty' };
  const unitPrice = inputToMinor(line.price);
  if (unitPrice === null) return { error: 'price' };
  const discountBp = percentToBp(line.discount);
  if (discountBp === null) return { error: 'discount' };
  return { line: { productId: line.productId, qty, unitPrice, discountBp } };
}

/** A line's net (quantity × price less its discount), or null while a field cannot be read. */
export function lineTotal(line) {
  if (line.gone) return null; // a product retired since (refused work): not part of the order
  const parsed = parseLine(line).line;
  return parsed ? lineNet({ qty: parsed.qty, unit_price: parsed.unitPrice, discount_bp: parsed.discountBp }) : null;
}

/** What the catalog refuses in a parsed line: its quantity and unit price checked at `at` of
 * mutation `name` (['lines', i] of order.create, ['line'] of order.line.upsert). */
export function lineProblems(line, name = 'order.create', at = ['lines', 0]) {
  const parsed = parseLine(line);
  if (parsed.error) return [];
  return [
    ...valueProblems(name, [...at, 'qty'], parsed.line.qty),
    ...valueProblems(name, [...at, 'unit_price'], parsed.line.unitPrice),
    ...valueProblems(name, [...at, 'discount_bp'], parsed.line.discountBp),
  ];
}

/** The range of a line's quantity and price, as the catalog bounds them. */
export function LineLimits() {
  return html`<p class="hint" data-testid="line-limits">
    ${t('line.qty')}: ${rangeHint('order.create', ['lines', 0, 'qty'])} · ${t('line.unitPrice')}: ${rangeHint('order.create', ['lines', 0, 'unit_price'])}
    · ${t('line.discount')}: 0–100 %</p>`;
}

/** The quantity and price inputs of one line (the quantity's range is the catalog's); under the
 * price, the amount it was read as ("18,5" → ¥18.50), so a misread price is seen before saving. */
export function QtyPrice({ qty, price, discount, onQty, onPrice, onDiscount, disabled, problems = [] }) {
  const { minimum, maximum } = limitsOf('order.create', ['lines', 0, 'qty']);
  const wrong = (field) => (problems.some((p) => p.path[p.path.length - 1] === field) ? 'true' : 'false');
  const read = inputToMinor(price);
  return html`
    <label class="mini"><span>${t('line.qty')}</span>
      <input type="number" inputmode="numeric" min=${minimum ?? 1} max=${maximum} step="1" data-testid="line-qty" value=${qty}
        aria-invalid=${wrong('qty')} disabled=${disabled} onInput=${(e) => onQty(e.currentTarget.value)} /></label>
    <label class="mini"><span>${t('line.unitPrice')}</span>
      <input type="text" inputmode="decimal" data-testid="line-price" value=${price}
        aria-invalid=${wrong('unit_price')} disabled=${disabled} onInput=${(e) => onPrice(e.currentTarget.value)} />
      ${read !== null && html`<small class="hint" data-testid="line-price-read">= ${formatMoney(read)}</small>`}</label>
    ${onDiscount && html`<${DiscountInput} value=${discount} onInput=${onDiscount} disabled=${disabled}
      testid="line-discount" label=${t('line.discount')} wrong=${wrong('discount_bp') === 'true' || percentToBp(discount) === null} />`}`;
}

/** A discount typed in percent ("12.5", "12,5"): 0–100, two decimals at most (core/totals.js). */
export function DiscountInput({ value, onInput, disabled, testid, label, wrong = false, hint = false }) {
  return html`<label class="mini"><span>${label}</span>
    <input type="text" inputmode="decimal" data-testid=${testid} value=${value ?? ''} placeholder="0" maxLength="6"
      aria-invalid=${String(wrong)} disabled=${disabled} onInput=${(e) => onInput(e.currentTarget.value)} />
    ${hint && html`<small class="hint" data-testid=${`${testid}-limit`}>0–100 %</small>`}</label>`;
}

/** Units of each product available (on hand less reserved) in `warehouseId`, or in every
 * warehouse when none is chosen; a product with no stock level has none. Undefined while loading. */
export function useAvailable(productIds, warehouseId) {
  const { store } = useApp();
  const key = [...new Set(productIds)].sort().join(',');
  return useLive(async () => {
    const ids = key ? key.split(',') : [];
    const levels = ids.length ? await store.db.stock_levels.where('product_id').anyOf(ids).toArray() : [];
    const available = Object.fromEntries(ids.map((id) => [id, 0]));
    for (const l of levels) {
      if (!warehouseId || l.warehouse_id === warehouseId) available[l.product_id] += l.on_hand - l.reserved;
    }
    return available;
  }, [store, key, warehouseId]);
}

/** What a person should look at twice before saving a line, without stopping them: a price of
 * 0, more units than are available. `qty` and `price` are the fields' text. */
export function LineWarnings({ productId, qty, price, available }) {
  const parsed = parseLine({ productId, qty, price }).line;
  if (!parsed) return null;
  const have = available?.[productId];
  const warnings = [
    parsed.unitPrice === 0 && ['free', t('line.warn.free')],
    have !== undefined && parsed.qty > have &&
      ['stock', have > 0 ? t('line.warn.stock', { n: formatNumber(have) }) : t('line.warn.none')],
  ].filter(Boolean);
  if (!warnings.length) return null;
  return html`<ul class="line-warnings">${warnings.map(([kind, text]) =>
    html`<li key=${kind} class="warning" data-testid="line-warning" data-kind=${kind}>${text}</li>`)}</ul>`;
}

/** The lines of a new order; `available` (useAvailable) warns of more than is in stock. */
export function LinesEditor({ lines, onChange, available, discountBp = 0 }) {
  const update = (key, patch) => onChange(lines.map((l) => (l.key === key ? { ...l, ...patch } : l)));
  const remove = (key) => onChange(lines.filter((l) => l.key !== key));
  // The lines' nets, less the order's discount (`discountBp`, null while it cannot be read).
  const total = net(lines.reduce((sum, l) => sum + (lineTotal(l) ?? 0), 0), discountBp ?? 0);
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
              <${QtyPrice} qty=${l.qty} price=${l.price} discount=${l.discount} problems=${problems}
                onQty=${(qty) => update(l.key, { qty })} onPrice=${(price) => update(l.key, { price })}
                onDiscount=${(discount) => update(l.key, { discount })} />
              <span class="line-total" data-testid="line-total">${bad ? t(`line.bad.${bad}`) : formatMoney(lineTotal(l))}</span>
            </div>
            <${FieldProblems} problems=${problems} testid="line-problem" />
            ${!bad && html`<${LineWarnings} productId=${l.productId} qty=${l.qty} price=${l.price} available=${available} />`}
          </li>`;
      })}
    </ul>
    ${lines.length > 0 && html`<${LineLimits} />`}
    <p class="total">${t('order.total')}: <strong data-testid="order-total">${formatMoney(total)}</strong>
      <${VatNote} total=${total} /></p>`;
}

/** "incl. VAT 13 %: ¥15.53" under a total: prices include VAT (shared/money.py VAT_PERCENT). */
export function VatNote({ total }) {
  const percent = vatPercent();
  if (percent == null || total == null) return null;
  return html`<br /><small class="muted" data-testid="order-vat" data-vat=${vatIncluded(total, percent)}>
    ${t('order.vatIncluded', { percent: formatNumber(percent), amount: formatMoney(vatIncluded(total, percent)) })}</small>`;
}
