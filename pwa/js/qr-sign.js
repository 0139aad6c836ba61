// The QR code of an order on this device (docs/qr.md): signing a token with the device's own
// key for an order made here (shown at once, offline; sent to the server with `qr.issue`),
// fetching the current token from the server when online, and keeping the last one known of
// each order in the `order_qr` table so it shows offline next time.

import { api } from './api.js';
import { signToken } from './core/qr.js';
import { mayMutate } from './core/vocab.js';
import { signingKeys } from './device.js';

/** A token for `orderId` signed with this device's key (its key id: SHA-256 of the raw public
 * key, first 8 bytes). */
export async function signOrderToken(orderId, issuedAt = Math.floor(Date.now() / 1000), keys = null) {
  const pair = keys ?? (await signingKeys());
  const publicKeyRaw = await crypto.subtle.exportKey('raw', pair.publicKey);
  return signToken({ orderId, issuedAt, privateKey: pair.privateKey, publicKeyRaw });
}

/** Keeps `token` as the current code of its order on this device. */
export async function rememberToken(db, orderId, token, source) {
  const row = { order_id: orderId, token, source, at: new Date().toISOString() };
  await db.order_qr.put(row);
  return row;
}

/** The code this device knows for an order: {order_id, token, source, at} or undefined. */
export function knownToken(db, orderId) {
  return db.order_qr.get(orderId);
}

/** Whether the server takes device-signed tokens from this role (its vocabulary names
 * `qr.issue`). */
export function mayIssue(role) {
  try {
    return mayMutate(role, 'qr.issue');
  } catch {
    return false; // no vocabulary loaded
  }
}

/**
 * Signs the QR token of an order just created on this device, keeps it, and — when the server
 * has the `qr.issue` mutation — queues it right after the `order.create` (the caller's). Returns
 * the token. A device that cannot sign (no WebCrypto Ed25519) returns null: the order is saved
 * all the same, and the server issues its code on the first ask.
 */
export async function issueDeviceToken(store, orderId, { role = store.user?.role, keys = null } = {}) {
  let token;
  try {
    token = await signOrderToken(orderId, undefined, keys);
  } catch (e) {
    console.warn('this device cannot sign QR codes', e);
    return null;
  }
  await rememberToken(store.db, orderId, token, 'device');
  if (mayIssue(role)) await store.enqueue('qr.issue', { order_id: orderId, token });
  return token;
}

/** The current token of an order from the server (GET /api/orders/{id}/qr, issued on first
 * ask), kept for offline use. Throws ApiError (status 0 when offline). */
export async function fetchServerToken(db, orderId, request = api) {
  const answer = await request('GET', `/api/orders/${encodeURIComponent(orderId)}/qr`);
  const token = typeof answer === 'string' ? answer : answer?.token;
  if (typeof token !== 'string' || !token) throw new Error('the server answered no token');
  const known = await db.order_qr.get(orderId);
  if (known?.token === token) return known;
  return rememberToken(db, orderId, token, 'server');
}
