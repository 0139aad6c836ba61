// This device as the server knows it: an Ed25519 signing key made here with WebCrypto (the
// private key is non-extractable and never leaves IndexedDB), and the id and code the server
// gave the device at its last login. See docs/auth.md, "Devices".

import * as kv from './kv.js';

export const APP_VERSION = '0.1.0';

let making = null;

/** The device's signing key pair, made on first use. */
export function signingKeys() {
  making ??= (async () => {
    const stored = await kv.get('signing_keys');
    if (stored) return stored;
    const keys = await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']);
    await kv.put('signing_keys', keys);
    return keys;
  })();
  return making;
}

/** Bytes as unpadded base64url. */
export function base64url(bytes) {
  let binary = '';
  for (const byte of new Uint8Array(bytes)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function describe() {
  const ua = navigator.userAgentData;
  const platform = ua?.platform || navigator.platform || 'unknown';
  const brand = ua?.brands?.find((b) => !/not.a.brand/i.test(b.brand))?.brand;
  return { name: brand ? `${brand} on ${platform}` : 'Browser', platform };
}

/** The `device` object every ceremony's finish carries. */
export async function deviceForFinish() {
  const keys = await signingKeys();
  const publicKey = await crypto.subtle.exportKey('raw', keys.publicKey);
  const known = await kv.get('device');
  const device = { ...describe(), app_version: APP_VERSION, signing_public_key: base64url(publicKey) };
  if (known?.id) device.id = known.id;
  return device;
}

/** Keeps the device id and code the server answered, for the next login. */
export async function remember(device) {
  if (device?.id) await kv.put('device', { id: device.id, code: device.code });
}

/** The device id and code from the last login, if any. */
export function known() {
  return kv.get('device');
}
