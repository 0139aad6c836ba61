// The rows a pending mutation reads or writes in the optimistic view (optimistic.js): what the
// store loads before it rebases, and what it marks as pending on screen.

import { stockLevelId } from './ids.js';

function isObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The rows `m` reads or writes: `{t, id}` for a row, `{t, index, value}` for every row of an
 *  index value (the lines an order re-total sums). Loading these rows into a view is enough for
 *  `apply` to give those rows as it would on the whole mirror. Malformed args touch less.
 *
 *  `conflict.resolve` also touches the row its conflict names, which only the conflict row says:
 *  with `loaded` (`{table: {id: row}}`, the rows loaded so far) holding the conflict, that row is
 *  in the list too — load, then ask again until nothing new comes. */
export function touches(m, loaded = null) {
  const a = isObject(m.args) ? m.args : {};
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
      if (Array.isArray(a.lines)) for (const line of a.lines) if (isObject(line)) row('order_lines', line.id);
      break;
    case 'order.update':
      row('orders', a.id);
      // A new order discount re-totals it: its lines are read.
      if (str(a.id) && isObject(a.set) && Object.hasOwn(a.set, 'discount_bp')) {
        out.push({ t: 'order_lines', index: 'order_id', value: a.id });
      }
      break;
    case 'order.transition':
      row('orders', a.id);
      break;
    case 'order.line.upsert':
    case 'order.line.remove':
      row('orders', a.order_id);
      row('order_lines', m.name === 'order.line.remove' ? a.line_id : isObject(a.line) ? a.line.id : null);
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
      row('orders', a.order_id); // its warehouse, when the scan names none
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
      const conflicts = str(a.id) && isObject(loaded) && isObject(loaded.conflicts) ? loaded.conflicts : {};
      const c = Object.hasOwn(conflicts, a.id) ? conflicts[a.id] : undefined;
      if (isObject(c) && str(c.table_name) && c.table_name) row(c.table_name, c.row_id);
      if (isObject(c) && c.table_name === 'orders' && c.field === 'discount_bp' && str(c.row_id)) {
        out.push({ t: 'order_lines', index: 'order_id', value: c.row_id }); // it re-totals
      }
      break;
    }
    default:
      break;
  }
  return out;
}
