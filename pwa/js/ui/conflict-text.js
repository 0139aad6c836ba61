// How a conflict reads to a person, on the phone and in the console (docs/pwa.md, "Conflicts and
// outcomes"): what it is about by name (order number, customer, product), the field's label in
// the user's language, values formatted (money from minor units, dates, quantities, a line as
// "3 × Gift box @ ¥25.00", ids as the names they stand for), never column names or JSON.

import { bpToPercent } from '../core/totals.js';
import { formatDate, formatDateTime, formatMoney, formatNumber } from '../format.js';
import { hasKey, t } from '../i18n.js';

const MONEY = new Set(['unit_price', 'amount', 'total', 'credit_limit', 'refund_amount']);
const COUNTS = new Set(['qty', 'on_hand', 'reserved', 'delta', 'counted']);
const DAYS = new Set(['due_date']);
const TIMES = new Set(['at', 'created_at', 'resolved_at']);
// Values that are ids of rows the device may hold, by the table they name.
const REFS = { product_id: 'products', customer_id: 'customers', warehouse_id: 'warehouses' };

const label = (prefix, value) => (hasKey(`${prefix}.${value}`) ? t(`${prefix}.${value}`) : null);

/** A field's label ("Due date", "交货日期"); a field without one reads as words, not a column. */
export function fieldLabel(field) {
  return label('field', field) ?? String(field).replaceAll('_', ' ');
}

/** The kind of a conflict in words ("Changed by someone else"). */
export function kindLabel(kind) {
  return label('conflict.kind', kind) ?? String(kind).replaceAll('_', ' ');
}

/** "Kind · Field": the heading of a conflict card. */
export function what(c) {
  return c.field ? `${kindLabel(c.kind)} · ${fieldLabel(c.field)}` : kindLabel(c.kind);
}

/** What happened, in the user's language (the server's `reason` is English, for logs). */
export function explain(c) {
  const field = c.field ? fieldLabel(c.field) : '';
  return label('conflict.explain', c.kind) ? t(`conflict.explain.${c.kind}`, { field }) : '';
}

function lineText(v, names) {
  const qty = formatNumber(v.qty);
  const price = formatMoney(v.unit_price);
  const off = v.discount_bp ? ` −${bpToPercent(v.discount_bp)} %` : '';
  if (!v.product_id) return `${qty} × ${price}${off}`;
  const product = names.products?.[v.product_id] ?? t('conflict.unknownProduct');
  return t('conflict.lineValue', { qty, product, price }) + off;
}

/** A conflict's value as a person reads it; `names` = {products, customers, warehouses,
 * users}: {id: name} of the rows its ids may name. */
export function formatValue(field, value, names = {}) {
  if (value === null || value === undefined || value === '') return '—';
  if (Array.isArray(value)) return value.map((v) => formatValue(field, v, names)).join(', ');
  if (typeof value === 'object') {
    if ('qty' in value && 'unit_price' in value) return lineText(value, names);
    // A change of several fields ({priority, notes}), a line ({line: {…}}), a status ({status}):
    // each labelled field, as "Label: value"; parts without a label (ids) are left out.
    const parts = Object.entries(value)
      .filter(([k, v]) => hasKey(`field.${k}`) && v !== null && v !== undefined)
      .map(([k, v]) => (k === 'remove_line' ? fieldLabel(k) : `${fieldLabel(k)}: ${formatValue(k, v, names)}`));
    return parts.length ? parts.join(' · ') : '—';
  }
  if (typeof value === 'boolean') return t(value ? 'common.yes' : 'common.no');
  if (field === 'status') return label('status', value) ?? label('paystatus', value) ?? String(value);
  if (field === 'priority') return label('priority', value) ?? String(value);
  if (field === 'method') return label('pay', value) ?? String(value);
  if (MONEY.has(field) && typeof value === 'number') return formatMoney(value);
  if (field === 'discount_bp' && typeof value === 'number') return `${bpToPercent(value) || '0'} %`;
  if (COUNTS.has(field) && typeof value === 'number') return formatNumber(value);
  if (DAYS.has(field)) return formatDate(value);
  if (TIMES.has(field)) return formatDateTime(value);
  if (REFS[field]) return names[REFS[field]]?.[value] ?? t('conflict.unknown');
  if (field === 'assignee_id') return names.users?.[value] ?? t('conflict.unknown');
  return String(value);
}

/** One side of conflict `c` (`base_value`, `server_value`, `client_value`, `resolved_value`) as
 * a person reads it: a line's removal says so rather than "—". */
export function sideText(c, side, names) {
  const value = c[side];
  if (value === null || value === undefined) {
    if (c.kind === 'line_changed' && side === 'client_value') return fieldLabel('remove_line');
    if (c.kind === 'line_removed' && side === 'server_value') return t('conflict.removed');
  }
  return formatValue(c.field, value, names);
}

/** The ids a value names ({table: Set of ids}), found by field and inside objects. */
function collect(field, value, into) {
  if (value === null || value === undefined) return;
  if (Array.isArray(value)) {
    value.forEach((v) => collect(field, v, into));
  } else if (typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) collect(k, v, into);
  } else if (REFS[field] && typeof value === 'string') {
    into[REFS[field]].add(value);
  }
}

const VALUES = ['base_value', 'server_value', 'client_value', 'resolved_value'];

async function getMany(table, ids) {
  const unique = [...new Set(ids.filter((id) => typeof id === 'string'))];
  if (!table || !unique.length) return {};
  const rows = await table.bulkGet(unique);
  return Object.fromEntries(rows.filter(Boolean).map((r) => [r.id, r]));
}

/**
 * The names conflict cards need, read from the device's store (`db`, the Dexie database):
 * `subjects` = {conflict id: {orderId, orderNumber, customerId, customerName, productId,
 * productName}} of what each is about (an order, its line or payment or redemption, a customer,
 * a product or its stock), and `names` for formatValue. What the device does not hold is left
 * out (a rep holds their own orders and customers and the catalog).
 */
export async function conflictNames(db, conflicts) {
  const of = (table) => conflicts.filter((c) => c.table_name === table).map((c) => c.row_id);
  const lines = await getMany(db.order_lines, of('order_lines'));
  const payments = await getMany(db.payments, of('payments'));
  const redemptions = await getMany(db.redemptions, of('redemptions'));
  const levels = await getMany(db.stock_levels, of('stock_levels'));
  const orderOf = (c) => ({
    orders: c.row_id,
    order_lines: lines[c.row_id]?.order_id,
    payments: payments[c.row_id]?.order_id,
    redemptions: redemptions[c.row_id]?.order_id,
  })[c.table_name];
  const orders = await getMany(db.orders, conflicts.map(orderOf));
  const ids = { products: new Set(), customers: new Set(), warehouses: new Set() };
  for (const c of conflicts) {
    for (const v of VALUES) collect(c.field, c[v], ids);
    const order = orders[orderOf(c)];
    if (order) ids.customers.add(order.customer_id);
    if (c.table_name === 'customers') ids.customers.add(c.row_id);
    if (c.table_name === 'products') ids.products.add(c.row_id);
    const product = lines[c.row_id]?.product_id ?? levels[c.row_id]?.product_id;
    if (product) ids.products.add(product);
  }
  const [products, customers, warehouses] = await Promise.all([
    getMany(db.products, [...ids.products]),
    getMany(db.customers, [...ids.customers]),
    getMany(db.warehouses, [...ids.warehouses]),
  ]);
  const names = {
    products: Object.fromEntries(Object.values(products).map((p) => [p.id, p.name])),
    customers: Object.fromEntries(Object.values(customers).map((c) => [c.id, c.name])),
    warehouses: Object.fromEntries(Object.values(warehouses).map((w) => [w.id, `${w.code} · ${w.name}`])),
  };
  const subjects = {};
  for (const c of conflicts) {
    const order = orders[orderOf(c)];
    const customerId = c.table_name === 'customers' ? c.row_id : order?.customer_id;
    const productId = c.table_name === 'products' ? c.row_id
      : (lines[c.row_id]?.product_id ?? levels[c.row_id]?.product_id);
    subjects[c.id] = {
      orderId: order?.id ?? null,
      orderNumber: order?.number ?? null,
      customerId: customerId ?? null,
      customerName: names.customers[customerId] ?? null,
      productId: productId ?? null,
      productName: names.products[productId] ?? null,
    };
  }
  return { subjects, names };
}

/** A subject from the console's server row (GET /api/admin/conflicts names them). */
export function subjectOfRow(row) {
  return {
    orderId: row.order_id ?? null,
    orderNumber: row.order_number ?? null,
    customerId: row.customer_id ?? null,
    customerName: row.customer_name ?? null,
    productId: row.product_id ?? null,
    productName: row.product_name ?? null,
  };
}

/** "Order K7F-00042 · Willow Teahouse · Gift box": what a conflict is about, by name. */
export function subjectText(s) {
  if (!s) return '';
  return [
    s.orderNumber && t('conflict.order', { number: s.orderNumber }),
    s.customerName,
    s.productName,
  ].filter(Boolean).join(' · ');
}
