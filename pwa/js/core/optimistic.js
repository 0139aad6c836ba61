// The optimistic UI: a pending mutation applied to local rows the way the server would — the
// port of sync/optimistic.py, checked against the same vectors (tests/vectors/optimistic.json).
//
// Only the common case is predicted (no conflicts, permissions or scopes): the server decides,
// and the next pull replaces whatever was guessed here. A mutation that does not fit the view (an
// unknown order, a locked one, malformed args) changes nothing.
//
// A view is `{table: {id: row}}` with rows as pulls deliver them. `apply` changes the table
// objects of the view it is given but never a row object in place, so a view made by `rebase`
// (shallow copies of the tables) leaves the mirror it came from untouched.
//
// Where Python raises half-way through a handler (malformed args) it may have written part of
// the mutation already; here every handler checks before it writes, so nothing is written.

import { stockLevelId } from './ids.js';
import {
  Malformed,
  currentIso,
  get,
  hlcIso,
  isDict,
  isNumber,
  key,
  or,
  own,
  put,
  pyEq,
  req,
  table,
  times,
  truthy,
} from './pyvalues.js';
import { canTransition, fieldsLocked, linesLocked, orderUpdateFields } from './vocab.js';

export const CUSTOMER_FIELDS = Object.freeze(['name', 'phone', 'address', 'region']);
export const LINE_FIELDS = Object.freeze(['product_id', 'qty', 'unit_price']);

/** The mirror with `pending` applied in order, as a new view (rows shared, not copied).
 *  `options.nowIso`: the time used when a mutation's HLC is unreadable (default: the clock). */
export function rebase(mirror, pending, userId = null, options = {}) {
  const view = {};
  for (const [table, rows] of Object.entries(mirror)) view[table] = { ...rows };
  for (const m of pending) apply(view, m, userId, options);
  return view;
}

/** Apply one mutation `{name, args, hlc}` to `view`; whether it changed anything. */
export function apply(view, m, userId = null, { nowIso = currentIso } = {}) {
  const handler = Object.hasOwn(HANDLERS, m.name) ? HANDLERS[m.name] : null;
  if (handler === null) return false;
  try {
    return handler(view, m.args, meta(userId, m.hlc, nowIso));
  } catch (e) {
    if (e instanceof Malformed || e instanceof TypeError) return false; // the server will say why
    throw e;
  }
}

/** The rows `m` reads or writes: `{t, id}` for a row, `{t, index, value}` for every row of an
 *  index value (the lines an order re-total sums). Loading these rows into a view is enough for
 *  `apply` to give those rows as it would on the whole mirror. Malformed args touch less.
 *
 *  `conflict.resolve` also touches the row its conflict names, which only the conflict row says:
 *  with `loaded` (`{table: {id: row}}`, the rows loaded so far) holding the conflict, that row is
 *  in the list too — load, then ask again until nothing new comes. */
export function touches(m, loaded = null) {
  const a = isDict(m.args) ? m.args : {};
  const out = [];
  const row = (t, id) => {
    if (typeof id === 'string') out.push({ t, id });
  };
  const str = (v) => typeof v === 'string';
  switch (m.name) {
    case 'customer.upsert':
      row('customers', a.id);
      break;
    case 'order.create':
      row('orders', a.id);
      if (Array.isArray(a.lines)) for (const line of a.lines) if (isDict(line)) row('order_lines', line.id);
      break;
    case 'order.update':
    case 'order.transition':
      row('orders', a.id);
      break;
    case 'order.line.upsert':
    case 'order.line.remove':
      row('orders', a.order_id);
      row('order_lines', m.name === 'order.line.remove' ? a.line_id : isDict(a.line) ? a.line.id : null);
      if (str(a.order_id)) out.push({ t: 'order_lines', index: 'order_id', value: a.order_id });
      break;
    case 'stock.move':
      row('stock_moves', a.id);
      if (str(a.warehouse_id) && str(a.product_id)) {
        row('stock_levels', stockLevelId(a.warehouse_id, a.product_id));
      }
      break;
    case 'payment.record':
      row('orders', a.order_id);
      row('payments', a.id);
      break;
    case 'scan.record':
      row('scans', a.id);
      break;
    case 'qr.redeem':
      row('orders', a.order_id);
      row('redemptions', a.id);
      if (str(a.order_id)) out.push({ t: 'redemptions', index: 'order_id', value: a.order_id });
      break;
    case 'redemption.review':
      row('redemptions', a.id);
      break;
    case 'stocktake.line':
      row('stocktake_lines', a.id);
      break;
    case 'conflict.resolve': {
      row('conflicts', a.id);
      const conflicts = str(a.id) && isDict(loaded) && isDict(loaded.conflicts) ? loaded.conflicts : {};
      const c = own(conflicts, a.id);
      if (isDict(c) && str(c.table_name) && c.table_name) row(c.table_name, c.row_id);
      break;
    }
    default:
      break;
  }
  return out;
}

function meta(userId, hlc, nowIso) {
  return { userId: userId ?? null, hlc, now: hlcIso(hlc, nowIso) };
}

// ---- the handlers (each checks everything before it writes) ---------------------------------

function orderTotal(view, order, replaced = {}) {
  // `replaced`: line id → the line as it will be (null: removed), not yet written.
  const lines = table(view, 'order_lines');
  let total = 0;
  const seen = new Set();
  for (const [id, line] of Object.entries(lines)) {
    const now = Object.hasOwn(replaced, id) ? replaced[id] : line;
    seen.add(id);
    if (now !== null && now.order_id === order.id) total += times(now.qty, now.unit_price);
  }
  for (const [id, line] of Object.entries(replaced)) {
    if (!seen.has(id) && line !== null && line.order_id === order.id) {
      total += times(line.qty, line.unit_price);
    }
  }
  return total;
}

function retotaled(order, total, m) {
  return { ...order, total, updated_at: m.now };
}

function customerUpsert(view, a, m) {
  const customers = table(view, 'customers');
  const id = key(req(a, 'id'));
  const current = own(customers, id);
  if (current === undefined) {
    const fields = Object.fromEntries(CUSTOMER_FIELDS.map((f) => [f, get(a, f)]));
    put(customers, id, {
      id,
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
    put(customers, id, { ...current, ...Object.fromEntries(sent) });
  }
  return true;
}

function orderCreate(view, a, m) {
  const orders = table(view, 'orders');
  const id = key(req(a, 'id'));
  if (own(orders, id) !== undefined) return false;
  const lines = table(view, 'order_lines');
  const status = or(get(a, 'status'), 'submitted');
  const given = or(get(a, 'lines'), []);
  if (!Array.isArray(given)) throw new Malformed('lines');
  const newLines = given.map((line) => ({
    id: key(req(line, 'id')),
    order_id: id,
    ...Object.fromEntries(LINE_FIELDS.map((f) => [f, req(line, f)])),
    version: 0,
    updated_by: '',
  }));
  const order = {
    id,
    number: req(a, 'number'),
    customer_id: req(a, 'customer_id'),
    owner_id: m.userId,
    status,
    priority: or(get(a, 'priority'), 'normal'),
    due_date: get(a, 'due_date'),
    notes: get(a, 'notes'),
    delivery_address: get(a, 'delivery_address'),
    warehouse_id: get(a, 'warehouse_id'),
    assignee_id: null,
    channel: or(get(a, 'channel'), 'field'),
    total: newLines.reduce((sum, line) => sum + times(line.qty, line.unit_price), 0),
    status_history: [{ to: status, at: m.now, by: m.userId, hlc: m.hlc }],
    created_at: m.now,
    updated_at: m.now,
    version: 0,
    updated_by: '',
  };
  for (const line of newLines) put(lines, line.id, line);
  put(orders, id, order);
  return true;
}

function orderUpdate(view, a, m) {
  const orders = table(view, 'orders');
  const order = own(orders, key(req(a, 'id')));
  if (order === undefined || fieldsLocked(req(order, 'status'))) return false;
  const set = req(a, 'set');
  if (!isDict(set)) throw new Malformed('set');
  const allowed = orderUpdateFields();
  const changes = Object.entries(set).filter(([k]) => allowed.includes(k));
  if (changes.length === 0) return false;
  put(orders, req(order, 'id'), { ...order, ...Object.fromEntries(changes), updated_at: m.now });
  return true;
}

function editableOrder(view, orderId) {
  const order = own(table(view, 'orders'), orderId);
  if (order === undefined || linesLocked(req(order, 'status'))) return null;
  req(order, 'id'); // every caller needs it before it may succeed
  return order;
}

function lineUpsert(view, a, m) {
  const order = editableOrder(view, key(req(a, 'order_id')));
  if (order === null) return false;
  const lines = table(view, 'order_lines');
  const given = req(a, 'line');
  const id = key(req(given, 'id'));
  const current = own(lines, id);
  if (current !== undefined && get(current, 'order_id') !== req(order, 'id')) return false;
  const base = current ?? { id, order_id: order.id, version: 0, updated_by: '' };
  const line = { ...base, ...Object.fromEntries(LINE_FIELDS.map((f) => [f, req(given, f)])) };
  const total = orderTotal(view, order, { [id]: line });
  put(lines, id, line);
  put(table(view, 'orders'), order.id, retotaled(order, total, m));
  return true;
}

function lineRemove(view, a, m) {
  const order = editableOrder(view, key(req(a, 'order_id')));
  if (order === null) return false;
  const lines = table(view, 'order_lines');
  const lineId = key(req(a, 'line_id'));
  const line = own(lines, lineId);
  if (line === undefined || get(line, 'order_id') !== req(order, 'id')) return false;
  const total = orderTotal(view, order, { [lineId]: null });
  delete lines[lineId];
  put(table(view, 'orders'), order.id, retotaled(order, total, m));
  return true;
}

function transition(view, a, m) {
  const orders = table(view, 'orders');
  const order = own(orders, key(req(a, 'id')));
  if (order === undefined) return false;
  const status = req(order, 'status');
  const to = req(a, 'to');
  if (pyEq(status, to) || !canTransition(status, to)) return false;
  const step = { from: status, to, at: m.now, by: m.userId, hlc: m.hlc, reason: get(a, 'reason') };
  const before = Array.isArray(order.status_history) ? order.status_history : [];
  const history = [...before, step];
  put(orders, req(order, 'id'), { ...order, status: to, status_history: history, updated_at: m.now });
  return true;
}

function stockMove(view, a, m) {
  const moves = table(view, 'stock_moves');
  const id = key(req(a, 'id'));
  if (own(moves, id) !== undefined) return false; // the same move again counts once
  const move = {
    id,
    product_id: key(req(a, 'product_id')),
    warehouse_id: key(req(a, 'warehouse_id')),
    delta: req(a, 'delta'),
    reason: req(a, 'reason'),
    ref: get(a, 'ref'),
    created_at: m.now,
    created_by: m.userId,
    version: 0,
    updated_by: '',
  };
  const levels = table(view, 'stock_levels');
  const levelId = stockLevelId(move.warehouse_id, move.product_id);
  const level = own(levels, levelId);
  let next;
  if (level === undefined) {
    next = {
      id: levelId,
      product_id: move.product_id,
      warehouse_id: move.warehouse_id,
      on_hand: move.delta,
      reserved: 0,
      version: 0,
      updated_by: '',
    };
  } else {
    const onHand = req(level, 'on_hand');
    if (!isNumber(onHand) || !isNumber(move.delta)) throw new Malformed('delta');
    next = { ...level, on_hand: onHand + move.delta };
  }
  put(moves, id, move);
  put(levels, levelId, next);
  return true;
}

function paymentRecord(view, a, m) {
  if (own(table(view, 'orders'), key(req(a, 'order_id'))) === undefined) return false;
  const payments = table(view, 'payments');
  const status = or(get(a, 'status'), 'paid');
  const id = key(req(a, 'id'));
  const current = own(payments, id);
  if (current === undefined) {
    put(payments, id, {
      id,
      order_id: a.order_id,
      method: req(a, 'method'),
      amount: req(a, 'amount'),
      status,
      created_at: m.now,
      version: 0,
      updated_by: '',
    });
    return true;
  }
  // Only the status of a recorded payment may move; anything else is the server's conflict.
  const same =
    pyEq(req(current, 'method'), req(a, 'method')) && pyEq(req(current, 'amount'), req(a, 'amount'));
  if (get(current, 'order_id') !== a.order_id || !same || pyEq(req(current, 'status'), status)) return false;
  put(payments, id, { ...current, status });
  return true;
}

/** The fields a resolution may write back onto a row, by table (= sync.rules.conflicts). */
function writable(table) {
  if (table === 'orders') return orderUpdateFields();
  if (table === 'customers') return CUSTOMER_FIELDS;
  return [];
}

function conflictResolve(view, a, m) {
  const conflicts = table(view, 'conflicts');
  const c = own(conflicts, key(req(a, 'id')));
  const resolution = req(a, 'resolution');
  if (c === undefined || pyEq(get(c, 'status'), 'resolved')) return false;
  if (pyEq(resolution, 'admin')) {
    if (pyEq(get(c, 'status'), 'referred')) return false;
    put(conflicts, key(req(c, 'id')), { ...c, status: 'referred', resolution: null });
    return true;
  }
  const tableName = get(c, 'table_name');
  const field = get(c, 'field');
  let row;
  if (truthy(tableName)) {
    const rowId = get(c, 'row_id');
    const rows = table(view, key(tableName));
    row = typeof rowId === 'string' ? own(rows, rowId) : undefined;
  }
  let value;
  let write = null;
  if (resolution === 'client' || resolution === 'custom') {
    const kind = get(c, 'kind');
    if (!(pyEq(kind, 'field') || pyEq(kind, 'overwritten')) || !writable(tableName).includes(field)) return false;
    if (resolution === 'custom' && !Object.hasOwn(a, 'value')) return false;
    value = resolution === 'client' ? get(c, 'client_value') : a.value;
    if (row !== undefined && !pyEq(get(row, field), value)) {
      const changed = { [field]: value };
      if (tableName === 'orders') {
        if (fieldsLocked(get(row, 'status'))) return false;
        changed.updated_at = m.now;
      }
      write = [key(req(row, 'id')), { ...row, ...changed }];
    }
  } else if (resolution === 'server') {
    value = row !== undefined && truthy(field) ? get(row, field) : null;
  } else {
    return false;
  }
  const id = key(req(c, 'id'));
  if (write !== null) put(table(view, tableName), ...write);
  put(conflicts, id, {
    ...c,
    status: 'resolved',
    resolution,
    resolved_value: value,
    resolver_id: m.userId,
    resolved_at: m.now,
  });
  return true;
}

/** `scan.record`: the scan appears in the device's list at once (the server adds the device,
 *  the token id and the warehouse it belongs to). */
function scanRecord(view, a, m) {
  const scans = table(view, 'scans');
  const id = key(req(a, 'id'));
  if (own(scans, id) !== undefined) return false;
  put(scans, id, {
    id,
    action: req(a, 'action'),
    result: req(a, 'result'),
    code: get(a, 'code'),
    token_id: null,
    order_id: get(a, 'order_id'),
    product_id: get(a, 'product_id'),
    warehouse_id: get(a, 'warehouse_id'),
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
  const order = own(table(view, 'orders'), key(req(a, 'order_id')));
  const id = key(req(a, 'id'));
  if (own(redemptions, id) !== undefined || order === undefined) return false;
  const orderId = req(order, 'id');
  for (const r of Object.values(redemptions)) {
    if (get(r, 'order_id') === orderId && STANDING.includes(get(r, 'status'))) return false;
  }
  put(redemptions, id, {
    id,
    order_id: orderId,
    token_id: null,
    device_id: null,
    user_id: m.userId,
    client_id: null,
    at: m.now,
    received_at: null,
    amount: get(order, 'total'),
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
  const r = own(redemptions, key(req(a, 'id')));
  if (r === undefined || get(r, 'status') !== 'pending_review') return false;
  const approve = req(a, 'approve');
  put(redemptions, key(req(r, 'id')), {
    ...r,
    status: approve === true ? 'completed' : 'refused',
    reviewer_id: m.userId,
    reviewed_at: m.now,
    reason: get(a, 'reason'),
  });
  return true;
}

/** `stocktake.line`: the count appears at once (the server adds the device). */
function stocktakeLine(view, a, m) {
  const lines = table(view, 'stocktake_lines');
  const id = key(req(a, 'id'));
  if (own(lines, id) !== undefined) return false;
  put(lines, id, {
    id,
    session_id: req(a, 'session_id'),
    warehouse_id: req(a, 'warehouse_id'),
    product_id: req(a, 'product_id'),
    counted: req(a, 'counted'),
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
  'scan.record': scanRecord,
  'qr.redeem': qrRedeem,
  'redemption.review': redemptionReview,
  'stocktake.line': stocktakeLine,
});
