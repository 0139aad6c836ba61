// Refused work (docs/pwa.md, "Refused work"): what this device sent and the server did not take,
// kept as work that needs the person. Pure functions over the store's `results` rows
// ({id, status, error, message, conflict_id, name, args, labels?, handled?}); the store and the
// screens call them, node tests them.
//
// Refused = a result `rejected` (invalid, forbidden, number taken, …: nothing applied), or an
// `order.create` answered `conflict` (a customer, product or warehouse it names is gone: the
// server made no order). Work that follows an order in the same breath — its `qr.issue` and the
// `payment.record` of the order form — fails with it: it is shown and settled as part of that
// order, not as refusals of its own.

/** Mutations whose refusal means the row they would make does not exist on the server. */
const CREATES = new Set(['order.create']);

/** The ways a person settles refused work. */
export const HANDLED = Object.freeze(['fixed', 'discarded']);

/** Whether a result is refused work still waiting for its person. */
export function needsPerson(result) {
  if (result.handled || result.dismissed) return false;
  if (result.status === 'rejected') return true;
  return result.status === 'conflict' && CREATES.has(result.name);
}

/** The order a mutation is about (`order.create` makes it; the rest name it), or null. */
export function orderOf(name, args) {
  if (!args || typeof args !== 'object') return null;
  if (name === 'order.create' || name === 'order.update' || name === 'order.transition') return args.id ?? null;
  return args.order_id ?? null;
}

/** Refused work from every stored result: one item per refused mutation, in the order it was
 * made, each `{id, name, args, error, message, conflictIds, labels, follows}` where `follows` are
 * the refused results that went with a refused `order.create` (its QR code, its payment). */
export function refusedWork(results) {
  const sorted = [...results].sort((a, b) => a.id - b.id);
  const items = [];
  const byOrder = new Map(); // order id -> the item of its refused order.create
  for (const r of sorted) {
    if (r.handled || r.dismissed) continue;
    const parent = r.name === 'order.create' ? null : byOrder.get(orderOf(r.name, r.args));
    if (parent && (r.status === 'rejected' || r.status === 'conflict')) {
      parent.follows.push(r); // failed because its order was not made
      continue;
    }
    if (!needsPerson(r)) continue;
    const item = {
      id: r.id,
      name: r.name,
      args: r.args,
      status: r.status,
      error: r.error ?? null,
      message: r.message ?? null,
      conflictId: r.conflict_id ?? null,
      labels: r.labels ?? {},
      follows: [],
    };
    items.push(item);
    if (r.name === 'order.create' && r.args?.id) byOrder.set(r.args.id, item);
  }
  return items;
}

/** The result ids a decision on `item` settles: the item and what followed it. */
export function settledIds(item) {
  return [item.id, ...item.follows.map((f) => f.id)];
}

/** The conflicts a decision on `item` closes (its own and those of what followed it). */
export function conflictIdsOf(item) {
  const ids = [item.conflictId, ...item.follows.map((f) => f.conflict_id)].filter(Boolean);
  return [...new Set(ids)];
}

/** Whether sending a refused `order.create` again may keep its id and number (the QR code the
 * customer may already hold names them): not when the server refused them as taken. */
export function keepsIdentity(item) {
  return !['already_exists', 'number_taken'].includes(item.error);
}

/** The payment method of the order form that went with a refused `order.create`, or null. */
export function paymentMethodOf(item) {
  const payment = item.follows.find((f) => f.name === 'payment.record');
  return payment?.args?.method ?? null;
}

/** The ids of rows a mutation names, per table, for labels (names kept with the refusal: a
 * product deleted on the server leaves this device with the next pull). */
export function referencedIds(name, args) {
  const refs = { customers: [], products: [], orders: [], warehouses: [] };
  if (!args || typeof args !== 'object') return refs;
  if (args.customer_id) refs.customers.push(args.customer_id);
  if (args.warehouse_id) refs.warehouses.push(args.warehouse_id);
  if (args.product_id) refs.products.push(args.product_id);
  if (args.line?.product_id) refs.products.push(args.line.product_id);
  for (const line of Array.isArray(args.lines) ? args.lines : []) if (line?.product_id) refs.products.push(line.product_id);
  if (name === 'customer.upsert' && args.id) refs.customers.push(args.id);
  if (args.set?.customer_id) refs.customers.push(args.set.customer_id);
  if (args.set?.warehouse_id) refs.warehouses.push(args.set.warehouse_id);
  const order = orderOf(name, args);
  if (order && name !== 'order.create') refs.orders.push(order);
  return refs;
}
