// Ids the PWA makes: UUIDv7 rows, stock level ids every client computes alike (= sync/ids.py),
// order numbers and the installation's client id.

import { v5, v7 } from 'uuid';

/** The namespace of sync/ids.py's uuid5 ids. */
export const NAMESPACE = '8f5f3b1e-6a55-4c57-9d0e-0d5c9c1f2a10';

/** A new UUIDv7 text id (time-ordered, so new rows land at the end of every index). */
export function uuid7() {
  return v7();
}

/** The id of the one stock level row per (warehouse, product). */
export function stockLevelId(warehouseId, productId) {
  return v5(`stock:${warehouseId}:${productId}`, NAMESPACE);
}

/** An order number: the device code and the device's counter, e.g. `K7F-00042`. */
export function orderNumber(deviceCode, counter) {
  if (typeof deviceCode !== 'string' || !deviceCode) throw new TypeError('orderNumber: no device code');
  if (!Number.isSafeInteger(counter) || counter < 0) {
    throw new TypeError(`orderNumber: counter must be a whole number ≥ 0, not ${counter}`);
  }
  return `${deviceCode}-${String(counter).padStart(5, '0')}`;
}

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

/** A new client id for this installation: `pwa-` and 20 random base-36 characters (within the
 *  protocol's 8–64 characters of `A-Za-z0-9_-`, and within the 40 an HLC node may have). */
export function newClientId() {
  let out = 'pwa-';
  while (out.length < 24) {
    // Bytes from 252 (= 7 × 36) up are dropped so every character is equally likely.
    for (const b of crypto.getRandomValues(new Uint8Array(24))) {
      if (b < 252 && out.length < 24) out += ALPHABET[b % 36];
    }
  }
  return out;
}
