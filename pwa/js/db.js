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

/** Opens (and creates or upgrades) the database of this user. */
export function openDb(userId) {
  const db = new Dexie(dbName(userId));
  db.version(1).stores(SCHEMA);
  return db;
}
