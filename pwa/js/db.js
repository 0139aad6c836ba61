// The Dexie database of one user on one installation (docs/pwa.md, "Storage"). One database
// per user, so a handheld shared by two workers keeps two outboxes and a logout never deletes
// anything that has not reached the server.

import Dexie from 'dexie';

/** The tables a pull fills, in the order the server's snapshot sends them. */
export const ROW_TABLES = [
  'warehouses',
  'products',
  'customers',
  'orders',
  'order_lines',
  'payments',
  'stock_levels',
  'stock_moves',
  'conflicts',
  // Version 2 (docs/qr.md): the catalog's QR signing keys and revoked QR tokens.
  'signing_keys',
  'qr_revocations',
  // Version 3 (docs/warehouse.md): scans, redemptions and their leases, stocktakes.
  'scans',
  'redemptions',
  'redemption_leases',
  'stocktakes',
  'stocktake_lines',
];

const SCHEMA = {
  customers: 'id, name, owner_id',
  products: 'id, sku, name, barcode',
  warehouses: 'id, code',
  stock_levels: 'id, product_id, warehouse_id',
  stock_moves: 'id, product_id, warehouse_id',
  orders: 'id, number, customer_id, status, updated_at',
  order_lines: 'id, order_id',
  payments: 'id, order_id',
  conflicts: 'id, status, user_id, row_id',
  outbox: 'id',
  unpulled: 'id',
  // The server's version of every row the overlay changed: {key: "table:id", t, id, row|null}.
  shadow: 'key',
  results: 'id, status',
  meta: 'key',
};

export function dbName(userId) {
  return `orderly-${userId}`;
}

// Version 2: the order QR codes (docs/qr.md). `signing_keys` and `qr_revocations` are pulled
// rows; `order_qr` is this device's own: the current token of each order it has shown
// ({order_id, token, source: 'device' | 'server', at}), signed here for an order made here
// or fetched from GET /api/orders/{id}/qr, so the code shows offline. Never cleared by a reset.
const SCHEMA_2 = {
  signing_keys: 'id, device_id',
  qr_revocations: 'id, order_id',
  order_qr: 'order_id',
};

// Version 3: the warehouse flows (docs/warehouse.md), all pulled rows: `scans` (what devices of
// the warehouse saw), `redemptions` of orders, `redemption_leases` (a live lease of another device
// makes this one refuse to redeem offline), `stocktakes` sessions and their `stocktake_lines`.
const SCHEMA_3 = {
  scans: 'id, order_id, product_id, warehouse_id',
  redemptions: 'id, order_id, status',
  redemption_leases: 'id, order_id, warehouse_id, device_id',
  stocktakes: 'id, warehouse_id',
  stocktake_lines: 'id, session_id, product_id, warehouse_id',
};

/** Opens (and creates or upgrades) the database of this user. */
export function openDb(userId) {
  const db = new Dexie(dbName(userId));
  db.version(1).stores(SCHEMA);
  db.version(2).stores(SCHEMA_2);
  db.version(3).stores(SCHEMA_3);
  return db;
}
