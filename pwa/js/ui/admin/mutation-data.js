// What a logged mutation carried, for a person to read (docs/admin.md § Mutation log): its
// arguments as a labeled list — field words of the app, money formatted from minor units, ids
// shown as the names the server has for them (`refs` of GET /api/admin/mutations), an order's
// lines as a small table — and, second, the JSON as it was sent, its money in major units ("12.50",
// as the export writes it): money is never shown in minor units.

import { html } from 'htm/preact';

import { formatDate, formatMoney, formatNumber, minorToInput } from '../../format.js';
import { hasKey, t } from '../../i18n.js';
import { Link } from '../router.js';

const MONEY = new Set(['unit_price', 'amount', 'credit_limit']);
const COUNTS = new Set(['qty', 'delta', 'counted', 'base_version']);
const DATES = new Set(['due_date']);
// Texts long enough to be worth their length in characters (the refusals say "at most 2,000").
const LONG = 200;
// Shown first, in this order; the rest as they came; ids and versions last.
const FIRST = ['number', 'customer_id', 'name', 'status', 'from', 'to', 'lines', 'line', 'set'];
const LAST = ['id', 'base_version'];

const word = (key, value) => (hasKey(`${key}.${value}`) ? t(`${key}.${value}`) : String(value));

/** The word for an argument: the app's field label, else the log's own, else the name. */
export function argLabel(name) {
  if (hasKey(`field.${name}`)) return t(`field.${name}`);
  if (hasKey(`admin.mutations.arg.${name}`)) return t(`admin.mutations.arg.${name}`);
  return name;
}

/** An order's number and link from the page's refs, else what the mutation itself says. */
export function OrderName({ id, refs, fallback }) {
  const known = refs?.orders?.[id];
  if (known) {
    return html`<${Link} href=${`/admin/orders/${encodeURIComponent(id)}`} data-testid="mutation-order-link">${known.number}<//>`;
  }
  if (fallback) {
    return html`<span>${fallback} <small class="muted">(${t('admin.mutations.notOnServer')})</small></span>`;
  }
  return id ? html`<code>${id}</code>` : '—';
}

function productText(id, refs) {
  const p = refs?.products?.[id];
  return p ? `${p.sku} · ${p.name}` : null;
}

function Text({ value }) {
  if (value.length < LONG) return value;
  return html`<div class="long-text" data-testid="mutation-long-text">${value}</div>
    <small class="muted" data-testid="mutation-text-length">${t('admin.mutations.chars', { count: formatNumber(value.length) })}</small>`;
}

function Json({ value }) {
  return html`<code class="json">${JSON.stringify(value)}</code>`;
}

/** One argument's value, readable: `key` says what it is, `name` which mutation it came in. */
function Value({ name, field, value, refs }) {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'boolean') return value ? t('common.yes') : t('common.no');
  if (MONEY.has(field) && typeof value === 'number') return html`<span data-testid="mutation-money">${formatMoney(value)}</span>`;
  if (COUNTS.has(field) && typeof value === 'number') return formatNumber(value);
  if (typeof value === 'string') {
    switch (field) {
      case 'customer_id': return refs?.customers?.[value] ?? html`<code>${value}</code>`;
      case 'product_id': return productText(value, refs) ?? html`<code>${value}</code>`;
      case 'warehouse_id': return refs?.warehouses?.[value] ?? html`<code>${value}</code>`;
      case 'assignee_id': return refs?.users?.[value] ?? html`<code>${value}</code>`;
      case 'order_id': return html`<${OrderName} id=${value} refs=${refs} />`;
      case 'priority': return word('priority', value);
      case 'from': case 'to': return word('status', value);
      case 'status': return name === 'payment.record' ? word('paystatus', value) : word('status', value);
      case 'method': return word('pay', value);
      default:
        if (DATES.has(field)) return formatDate(value);
        return html`<${Text} value=${value} />`;
    }
  }
  if (field === 'lines' && Array.isArray(value)) return html`<${Lines} lines=${value} refs=${refs} />`;
  if (field === 'line' && value && typeof value === 'object' && !Array.isArray(value)) {
    return html`<${Lines} lines=${[value]} refs=${refs} />`;
  }
  if (field === 'set' && value && typeof value === 'object' && !Array.isArray(value)) {
    return html`<${Fields} name=${name} args=${value} refs=${refs} testid="mutation-set" />`;
  }
  return html`<${Json} value=${value} />`;
}

/** An order's lines as sent: product (SKU · name from the server), quantity, unit price, amount. */
function Lines({ lines, refs }) {
  const sane = lines.every((l) => l && typeof l === 'object');
  if (!sane) return html`<${Json} value=${lines} />`;
  const amount = (l) => (Number.isFinite(l.qty) && Number.isFinite(l.unit_price) ? l.qty * l.unit_price : null);
  const amounts = lines.map(amount);
  const total = amounts.every((a) => a !== null) ? amounts.reduce((a, b) => a + b, 0) : null;
  return html`
    <table class="admin-table mutation-lines" data-testid="mutation-lines">
      <thead><tr><th>${t('admin.mutations.sku')}</th><th>${t('admin.mutations.product')}</th>
        <th class="num">${argLabel('qty')}</th><th class="num">${argLabel('unit_price')}</th>
        <th class="num">${argLabel('amount')}</th></tr></thead>
      <tbody>${lines.map((l, i) => {
        const p = refs?.products?.[l.product_id];
        return html`<tr key=${i} data-testid="mutation-line" data-product=${l.product_id}>
          <td><code>${p?.sku ?? l.product_id ?? '—'}</code></td>
          <td>${p?.name ?? html`<span class="muted">${t('admin.mutations.unknownProduct')}</span>`}</td>
          <td class="num">${Number.isFinite(l.qty) ? formatNumber(l.qty) : html`<${Json} value=${l.qty} />`}</td>
          <td class="num">${Number.isFinite(l.unit_price) ? formatMoney(l.unit_price) : html`<${Json} value=${l.unit_price} />`}</td>
          <td class="num">${amounts[i] === null ? '—' : formatMoney(amounts[i])}</td>
        </tr>`;
      })}</tbody>
      ${lines.length > 1 && total !== null && html`<tfoot><tr><th colspan="4">${t('admin.mutations.lineTotal')}</th>
        <td class="num" data-testid="mutation-lines-total">${formatMoney(total)}</td></tr></tfoot>`}
    </table>`;
}

function ordered(args) {
  const keys = Object.keys(args);
  const middle = keys.filter((k) => !FIRST.includes(k) && !LAST.includes(k));
  return [...FIRST.filter((k) => keys.includes(k)), ...middle, ...LAST.filter((k) => keys.includes(k))];
}

/** Arguments as a labeled list (`args` an object; anything else as JSON). */
export function Fields({ name, args, refs, testid = 'mutation-args' }) {
  if (!args || typeof args !== 'object' || Array.isArray(args)) return html`<${Json} value=${args} />`;
  return html`
    <dl class="facts mutation-args" data-testid=${testid}>
      ${ordered(args).map((k) => html`
        <dt>${argLabel(k)}</dt>
        <dd data-testid="mutation-arg" data-field=${k}><${Value} name=${name} field=${k} value=${args[k]} refs=${refs} /></dd>`)}
    </dl>`;
}

/** `value` with every money field in major units, as text: {unit_price: 1250} → "12.50". */
export function inMajorUnits(value) {
  if (Array.isArray(value)) return value.map(inMajorUnits);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k,
    MONEY.has(k) && Number.isInteger(v) ? minorToInput(v) : inMajorUnits(v)]));
}

/** The whole of what a mutation carried: the readable list, then the JSON as sent. */
export function MutationData({ row, refs }) {
  return html`
    <div class="mutation-data" data-testid="mutation-data">
      <h2>${t('admin.mutations.data')}</h2>
      <${Fields} name=${row.name} args=${row.args} refs=${refs} />
      <details class="mutation-json">
        <summary>${t('admin.mutations.asSent')}</summary>
        <pre data-testid="mutation-json">${JSON.stringify(inMajorUnits(row.args), null, 2)}</pre>
      </details>
    </div>`;
}
