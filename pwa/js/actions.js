// What the screens do (docs/pwa.md, "The API the screens use"): each action builds one
// mutation of the catalog (docs/protocol.md) and resolves once the store has committed it —
// that is when the UI may say "saved". Edits carry the version of the row as last pulled.

import { uuid7 } from './core/ids.js';
import { orderNet } from './core/totals.js';
import { issueDeviceToken } from './qr-sign.js';

/** The version of a row the server last sent (0 for a row that exists only here). */
async function baseVersion(db, table, id) {
  const shadow = await db.shadow.get(`${table}:${id}`);
  const row = shadow ? shadow.row : await db.table(table).get(id);
  return row?.version ?? 0;
}

function lineArgs(line) {
  const args = { id: line.id ?? uuid7(), product_id: line.productId, qty: line.qty, unit_price: line.unitPrice };
  if (line.discountBp) args.discount_bp = line.discountBp; // 0 is the catalog's default
  return args;
}

export function createActions(store) {
  const { db } = store;
  return {
    /** Creates a customer, or edits one: only the fields given are sent. */
    async upsertCustomer({ id, name, ...fields }) {
      const customerId = id ?? uuid7();
      const args = { id: customerId, name };
      for (const f of ['phone', 'address', 'region']) if (f in fields) args[f] = fields[f] || null;
      args.base_version = await baseVersion(db, 'customers', customerId);
      await store.enqueue('customer.upsert', args);
      return customerId;
    },

    /** Creates an order with its number from this device and its QR code signed by this device
     * (docs/qr.md: kept here, shown at once, sent as `qr.issue` right after the order.create);
     * with a payment method, a pending payment of the order's total is recorded with it.
     * Resolves to {id, number, token} (token null when this device cannot sign). */
    async createOrder({ customerId, lines, priority, dueDate, notes, deliveryAddress, warehouseId, paymentMethod, status, reuse,
      discountBp }) {
      // `reuse`: the id and number of an order the server refused, sent again fixed (the
      // customer may hold its QR code already); the server never made it, so they are free.
      const id = reuse?.id ?? uuid7();
      const number = reuse?.number ?? (await store.nextOrderNumber());
      const args = { id, number, customer_id: customerId, lines: lines.map(lineArgs) };
      if (status) args.status = status;
      if (priority) args.priority = priority;
      if (dueDate) args.due_date = dueDate;
      if (notes) args.notes = notes;
      if (deliveryAddress) args.delivery_address = deliveryAddress;
      if (warehouseId) args.warehouse_id = warehouseId;
      if (discountBp) args.discount_bp = discountBp;
      await store.enqueue('order.create', args);
      const token = await issueDeviceToken(store, id);
      if (paymentMethod) {
        const amount = orderNet(args.lines, args.discount_bp ?? 0); // what the server totals
        await store.enqueue('payment.record', { id: uuid7(), order_id: id, method: paymentMethod, amount, status: 'pending' });
      }
      return { id, number, token };
    },

    /** Sends refused work again, fixed, as a new mutation: an edit on the row's version as
     * this device has it now (the one it was refused on may be stale). */
    async sendAgain(name, args) {
      const fresh = structuredClone(args);
      if ('base_version' in fresh) {
        const [table, id] = name === 'customer.upsert' ? ['customers', fresh.id]
          : name === 'order.update' ? ['orders', fresh.id] : ['orders', fresh.order_id];
        fresh.base_version = await baseVersion(db, table, id);
      }
      await store.enqueue(name, fresh);
    },

    async updateOrder(orderId, set) {
      const base = await baseVersion(db, 'orders', orderId);
      await store.enqueue('order.update', { id: orderId, base_version: base, set });
    },

    /** Adds or changes a line; every line write re-versions its order, so the order's version
     * is the lines' base. */
    async upsertLine(orderId, line) {
      const base = await baseVersion(db, 'orders', orderId);
      const args = lineArgs(line);
      await store.enqueue('order.line.upsert', { order_id: orderId, base_version: base, line: args });
      return args.id;
    },

    async removeLine(orderId, lineId) {
      const base = await baseVersion(db, 'orders', orderId);
      await store.enqueue('order.line.remove', { order_id: orderId, base_version: base, line_id: lineId });
    },

    /** Moves an order from the status this device shows to `to`. */
    async transition(orderId, to, reason) {
      const order = await db.orders.get(orderId);
      const args = { id: orderId, from: order?.status ?? '', to };
      if (reason) args.reason = reason;
      await store.enqueue('order.transition', args);
    },

    async recordPayment(orderId, { method, amount, status = 'paid' }) {
      const id = uuid7();
      await store.enqueue('payment.record', { id, order_id: orderId, method, amount, status });
      return id;
    },

    // ---- the warehouse (docs/warehouse.md) -----------------------------------------------------

    /** Records what a scan saw (`scan.record`): `action` view/pick/pack/ship/return/redeem/count,
     * `result` valid/forged/revoked/unknown/duplicate/wrong_item/ok, with the code as read, the
     * order or product, and the warehouse of the user. Answers the scan id. */
    async recordScan({ action, result, code, orderId, productId }) {
      const id = uuid7();
      const args = { id, action, result };
      if (code) args.code = String(code).slice(0, 400);
      if (orderId) args.order_id = orderId;
      if (productId) args.product_id = productId;
      if (store.user.warehouse_id) args.warehouse_id = store.user.warehouse_id;
      await store.enqueue('scan.record', args);
      return id;
    },

    /** Redeems (核销) an order with the token scanned from it (`qr.redeem`); the server decides
     * (completed, pending review, or a double_redemption conflict). Answers the redemption id. */
    async redeem(orderId, token) {
      const id = uuid7();
      await store.enqueue('qr.redeem', { id, order_id: orderId, token });
      return id;
    },

    /** A manager approves or refuses a redemption waiting for review. */
    async reviewRedemption(redemptionId, approve, reason) {
      const args = { id: redemptionId, approve: Boolean(approve) };
      if (reason) args.reason = reason;
      await store.enqueue('redemption.review', args);
    },

    /** One counted product of a stocktake session (`stocktake.line`). */
    async countStock({ sessionId, warehouseId, productId, counted }) {
      const id = uuid7();
      await store.enqueue('stocktake.line', {
        id, session_id: sessionId, warehouse_id: warehouseId, product_id: productId, counted,
      });
      return id;
    },

    /** Settles a conflict: `server` keeps the server's value, `client` takes this device's,
     * `custom` writes `value`, `admin` leaves it to an administrator. */
    async resolveConflict(conflictId, resolution, value) {
      const args = { id: conflictId, resolution };
      if (resolution === 'custom') args.value = value;
      await store.enqueue('conflict.resolve', args);
    },
  };
}
