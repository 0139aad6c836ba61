// The optimistic UI: a pending mutation applied to local rows the way the server applies it, so
// that nothing on screen changes when the next pull brings the server's rows. The server's rules
// (sync/rules/) are the truth: tests/vectors/optimistic.json records what the real engine gives
// for each scenario, and tests/pwa/optimistic.test.mjs holds this prediction to it.
//
// Only what the device can know is predicted: not conflicts, permissions or scopes, nor what the
// server alone fills in (versions, its clock, reservations). A mutation the server would refuse
// as invalid (the catalog's schemas, validate.js) or whose HLC cannot be read changes nothing; so
// does one that does not fit the view (an unknown order, a locked one).
//
// A view is `{table: {id: row}}` with rows as pulls deliver them. `apply` changes the table
// objects of the view it is given but never a row object in place, so a view made by `rebase`
// (shallow copies of the tables) leaves the mirror it came from untouched.

import { parse } from './hlc.js';
import { stockLevelId } from './ids.js';
import { orderNet } from './totals.js';
import { problems } from './validate.js';
import { canTransition, fieldsLocked, linesLocked, orderUpdateFields } from './vocab.js';

export const CUSTOMER_FIELDS = Object.freeze(['name', 'phone', 'address', 'region']);
export const LINE_FIELDS = Object.freeze(['product_id', 'qty', 'unit_price', 'discount_bp']);
// What a line field is when the mutation leaves it out (the catalog's default).
const LINE_DEFAULTS = Object.freeze({ discount_bp: 0 });

/** The mirror with `pending` applied in order, as a new view (rows shared, not copied). */
export function rebase(mirror, pending, userId = null) {
  const view = {};
  for (const [table, rows] of Object.entries(mirror)) view[table] = { ...rows };
  for (const m of pending) apply(view, m, userId);
  return view;
}

/** Apply one mutation `{name, args, hlc}` to `view`; whether it changed anything. */
export function apply(view, m, userId = null) {
  const handler = Object.hasOwn(HANDLERS, m.name) ? HANDLERS[m.name] : null;
  if (handler === null || !isObject(m.args) || problems(m.name, m.args).length > 0) return false;
  const now = timeOf(m.hlc);
  if (now === null) return false; // the server refuses it (bad_hlc)
  try {
    return handler(view, m.args, { userId: userId ?? null, hlc: m.hlc, now });
  } catch (e) {
    // Args the schemas let through only when the vocabulary has none: the server will say why.
    if (e instanceof TypeError) return false;
    throw e;
  }
}

function isObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** When the user made the edit (its HLC), as the server's clock reads when the device pushes at
 *  once: the same state always gives the same view. null: not an HLC. */
function timeOf(hlc) {
  try {
    return new Date(parse(hlc).ms).toISOString();
  } catch {
    return null;
  }
}

function table(view, name) {
  if (!Object.hasOwn(view, name)) view[name] = {};
  return view[name];
}

function rowOf(rows, id) {
  return typeof id === 'string' && Object.hasOwn(rows, id) ? rows[id] : undefined;
}

/** `rows[id] = row`, also for an id like `__proto__`. */
function put(rows, id, row) {
  Object.defineProperty(rows, id, { value: row, writable: true, enumerable: true, configurable: true });
}

// ---- the handlers (args valid by the catalog; each checks the view before it writes) --------

function orderTotal(view, order, replaced = {}, discountBp = order.discount_bp ?? 0) {
  // `replaced`: line id → the line as it will be (null: removed), not yet written.
  const lines = { ...table(view, 'order_lines') };
  for (const [id, line] of Object.entries(replaced)) put(lines, id, line);
  return orderNet(Object.values(lines).filter((line) => line !== null && line.order_id === order.id), discountBp);
}

/** A line field as the mutation gives it, or the catalog's default where it leaves it out. */
function lineField(line, f) {
  return line[f] === undefined && Object.hasOwn(LINE_DEFAULTS, f) ? LINE_DEFAULTS[f] : line[f];
}

function customerUpsert(view, a, m) {
  const customers = table(view, 'customers');
  const current = rowOf(customers, a.id);
  if (current === undefined) {
    const fields = Object.fromEntries(CUSTOMER_FIELDS.map((f) => [f, a[f] ?? null]));
    put(customers, a.id, {
      id: a.id,
      ...fields,
      owner_id: m.userId,
      credit_limit: null,
      created_at: m.now,
      version: 0,
      updated_by: '',
    });
  } else {
    // Like the server: a field left out of an edit keeps its value.
    const sent = CUSTOMER_FIELDS.filter((f) => Object.hasOwn(a, f)).map((f) => [f, a[f]]);
    put(customers, a.id, { ...current, ...Object.fromEntries(sent) });
  }
  return true;
}

function orderCreate(view, a, m) {
  const orders = table(view, 'orders');
  if (rowOf(orders, a.id) !== undefined) return false;
  const status = a.status ?? 'submitted';
  const newLines = a.lines.map((line) => ({
    id: line.id,
    order_id: a.id,
    ...Object.fromEntries(LINE_FIELDS.map((f) => [f, lineField(line, f)])),
    version: 0,
    updated_by: '',
  }));
  const lines = table(view, 'order_lines');
  for (const line of newLines) put(lines, line.id, line);
  put(orders, a.id, {
    id: a.id,
    number: a.number,
    customer_id: a.customer_id,
    owner_id: m.userId,
    status,
    priority: a.priority ?? 'normal',
    due_date: a.due_date ?? null,
    notes: a.notes ?? null,
    delivery_address: a.delivery_address ?? null,
    warehouse_id: a.warehouse_id ?? null,
    assignee_id: null,
    channel: a.channel ?? 'field',
    discount_bp: a.discount_bp ?? 0,
    total: orderNet(newLines, a.discount_bp ?? 0),
    status_history: [{ to: status, at: m.now, by: m.userId, hlc: m.hlc }],
    created_at: m.now,
    updated_at: m.now,
    version: 0,
    updated_by: '',
  });
  return true;
}

function orderUpdate(view, a, m) {
  const orders = table(view, 'orders');
  const order = rowOf(orders, a.id);
  if (order === undefined || fieldsLocked(order.status)) return false;
  const allowed = orderUpdateFields();
  const changes = Object.entries(a.set).filter(([k]) => allowed.includes(k));
  // Nothing to change (or every value already so): the server leaves the order as it is.
  if (changes.every(([k, v]) => order[k] === v)) return false;
  const changed = Object.fromEntries(changes);
  // A new order discount re-totals it, as the server's save_order does.
  if (Object.hasOwn(changed, 'discount_bp')) changed.total = orderTotal(view, order, {}, changed.discount_bp);
  put(orders, a.id, { ...order, ...changed, updated_at: m.now });
  return true;
}

function editableOrder(view, orderId) {
  const order = rowOf(table(view, 'orders'), orderId);
  return order === undefined || linesLocked(order.status) ? null : order;
}

function lineUpsert(view, a, m) {
  const order = editableOrder(view, a.order_id);
  if (order === null) return false;
  const lines = table(view, 'order_lines');
  const given = a.line;
  const current = rowOf(lines, given.id);
  if (current !== undefined && current.order_id !== order.id) return false;
  const base = current ?? { id: given.id, order_id: order.id, version: 0, updated_by: '' };
  const line = { ...base, ...Object.fromEntries(LINE_FIELDS.map((f) => [f, lineField(given, f)])) };
  const total = orderTotal(view, order, { [given.id]: line });
  put(lines, given.id, line);
  put(table(view, 'orders'), order.id, { ...order, total, updated_at: m.now });
  return true;
}

function lineRemove(view, a, m) {
  const order = editableOrder(view, a.order_id);
  if (order === null) return false;
  const lines = table(view, 'order_lines');
  const line = rowOf(lines, a.line_id);
  if (line === undefined || line.order_id !== order.id) return false;
  const total = orderTotal(view, order, { [a.line_id]: null });
  delete lines[a.line_id];
  put(table(view, 'orders'), order.id, { ...order, total, updated_at: m.now });
  return true;
}

function transition(view, a, m) {
  const orders = table(view, 'orders');
  const order = rowOf(orders, a.id);
  // From the status the view has, whatever `from` says (as the server).
  if (order === undefined || order.status === a.to || !canTransition(order.status, a.to)) return false;
  const step = { from: order.status, to: a.to, at: m.now, by: m.userId, hlc: m.hlc, reason: a.reason ?? null };
  const before = Array.isArray(order.status_history) ? order.status_history : [];
  put(orders, a.id, { ...order, status: a.to, status_history: [...before, step], updated_at: m.now });
  return true;
}

function stockMove(view, a, m) {
  const moves = table(view, 'stock_moves');
  if (rowOf(moves, a.id) !== undefined) return false; // the same move again counts once
  const levels = table(view, 'stock_levels');
  const levelId = stockLevelId(a.warehouse_id, a.product_id);
  const level = rowOf(levels, levelId);
  put(moves, a.id, {
    id: a.id,
    product_id: a.product_id,
    warehouse_id: a.warehouse_id,
    delta: a.delta,
    reason: a.reason,
    ref: a.ref ?? null,
    created_at: m.now,
    created_by: m.userId,
    version: 0,
    updated_by: '',
  });
  put(
    levels,
    levelId,
    level === undefined
      ? { id: levelId, product_id: a.product_id, warehouse_id: a.warehouse_id, on_hand: a.delta, reserved: 0, version: 0, updated_by: '' }
      : { ...level, on_hand: level.on_hand + a.delta },
  );
  return true;
}

function paymentRecord(view, a, m) {
  if (rowOf(table(view, 'orders'), a.order_id) === undefined) return false;
  const payments = table(view, 'payments');
  const status = a.status ?? 'paid';
  const current = rowOf(payments, a.id);
  if (current === undefined) {
    put(payments, a.id, {
      id: a.id,
      order_id: a.order_id,
      method: a.method,
      amount: a.amount,
      status,
      created_at: m.now,
      version: 0,
      updated_by: '',
    });
    return true;
  }
  // Only the status of a recorded payment may move; anything else is the server's conflict.
  const same = current.order_id === a.order_id && current.method === a.method && current.amount === a.amount;
  if (!same || current.status === status) return false;
  put(payments, a.id, { ...current, status });
  return true;
}

/** The fields a resolution may write back onto a row, by table (= sync.rules.conflicts). */
function writable(tableName) {
  if (tableName === 'orders') return orderUpdateFields();
  if (tableName === 'customers') return CUSTOMER_FIELDS;
  return [];
}

const VALUE_KINDS = Object.freeze(['field', 'overwritten']);

function conflictResolve(view, a, m) {
  const conflicts = table(view, 'conflicts');
  const c = rowOf(conflicts, a.id);
  const resolution = a.resolution;
  if (c === undefined || c.status === 'resolved') return false;
  if (resolution === 'admin') {
    if (c.status === 'referred') return false;
    put(conflicts, a.id, { ...c, status: 'referred', resolution: null });
    return true;
  }
  const tableName = c.table_name;
  const field = c.field;
  const row = tableName ? rowOf(table(view, tableName), c.row_id) : undefined;
  let value;
  let write = null;
  if (resolution === 'client' || resolution === 'custom') {
    if (!VALUE_KINDS.includes(c.kind) || !writable(tableName).includes(field)) return false;
    if (resolution === 'custom' && !Object.hasOwn(a, 'value')) return false;
    value = resolution === 'client' ? c.client_value ?? null : a.value;
    if (row !== undefined && row[field] !== value) {
      const changed = { [field]: value };
      if (tableName === 'orders') {
        if (fieldsLocked(row.status)) return false;
        changed.updated_at = m.now;
        if (field === 'discount_bp') changed.total = orderTotal(view, row, {}, value);
      }
      write = { ...row, ...changed };
    }
  } else if (resolution === 'server') {
    value = row !== undefined && field ? row[field] ?? null : null;
  } else {
    return false;
  }
  if (write !== null) put(table(view, tableName), write.id, write);
  put(conflicts, a.id, {
    ...c,
    status: 'resolved',
    resolution,
    resolved_value: value,
    resolver_id: m.userId,
    resolved_at: m.now,
  });
  return true;
}

/** `scan.record`: the scan appears in the device's list at once; one that names no warehouse
 *  lands in its order's, as the server puts it (an order the view lacks may just not be pulled
 *  yet: its id stays). */
function scanRecord(view, a, m) {
  const scans = table(view, 'scans');
  if (rowOf(scans, a.id) !== undefined) return false;
  const order = a.order_id ? rowOf(table(view, 'orders'), a.order_id) : undefined;
  put(scans, a.id, {
    id: a.id,
    action: a.action,
    result: a.result,
    code: a.code ?? null,
    token_id: null,
    order_id: a.order_id ?? null,
    product_id: a.product_id ?? null,
    warehouse_id: a.warehouse_id ?? order?.warehouse_id ?? null,
    device_id: null,
    user_id: m.userId,
    at: m.now,
    received_at: null,
    version: 0,
    updated_by: '',
  });
  return true;
}

// Redemptions that stand: the order counts as redeemed (docs/warehouse.md).
const STANDING = Object.freeze(['completed', 'pending_review', 'queued']);

/** `qr.redeem`: the redemption appears at once as `queued` (the server decides whether it is
 *  `completed` or `pending_review`, or refuses it); an order the view already shows redeemed
 *  changes nothing. */
function qrRedeem(view, a, m) {
  const redemptions = table(view, 'redemptions');
  const order = rowOf(table(view, 'orders'), a.order_id);
  if (rowOf(redemptions, a.id) !== undefined || order === undefined) return false;
  for (const r of Object.values(redemptions)) {
    if (r.order_id === order.id && STANDING.includes(r.status)) return false;
  }
  put(redemptions, a.id, {
    id: a.id,
    order_id: order.id,
    token_id: null,
    device_id: null,
    user_id: m.userId,
    client_id: null,
    at: m.now,
    received_at: null,
    amount: order.total ?? null,
    status: 'queued',
    reviewer_id: null,
    reviewed_at: null,
    reason: null,
    version: 0,
    updated_by: '',
  });
  return true;
}

function redemptionReview(view, a, m) {
  const redemptions = table(view, 'redemptions');
  const r = rowOf(redemptions, a.id);
  if (r === undefined || r.status !== 'pending_review') return false;
  put(redemptions, a.id, {
    ...r,
    status: a.approve === true ? 'completed' : 'refused',
    reviewer_id: m.userId,
    reviewed_at: m.now,
    reason: a.reason ?? null,
  });
  return true;
}

/** `stocktake.line`: the count appears at once (the server adds the device). */
function stocktakeLine(view, a, m) {
  const lines = table(view, 'stocktake_lines');
  if (rowOf(lines, a.id) !== undefined) return false;
  put(lines, a.id, {
    id: a.id,
    session_id: a.session_id,
    warehouse_id: a.warehouse_id,
    product_id: a.product_id,
    counted: a.counted,
    user_id: m.userId,
    device_id: null,
    at: m.now,
    hlc: m.hlc,
    version: 0,
    updated_by: '',
  });
  return true;
}

const HANDLERS = Object.freeze({
  'customer.upsert': customerUpsert,
  'order.create': orderCreate,
  'order.update': orderUpdate,
  'order.line.upsert': lineUpsert,
  'order.line.remove': lineRemove,
  'order.transition': transition,
  'stock.move': stockMove,
  'payment.record': paymentRecord,
  'conflict.resolve': conflictResolve,
  'qr.issue': () => false, // the token is the device's own; its record stays on the server
  'scan.record': scanRecord,
  'qr.redeem': qrRedeem,
  'redemption.review': redemptionReview,
  'stocktake.line': stocktakeLine,
});
