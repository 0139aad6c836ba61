// Order QR tokens (docs/qr.md): base32, the 94 token bytes, the token id, verification with the
// same reasons and precedence as shared/qr.py, and signing with a device's own key. Ed25519 and
// SHA-256 through WebCrypto (globalThis.crypto.subtle: browsers and node 20 alike). Pure: no
// DOM, no IndexedDB, no fetch.

export const VERSION = 1;
export const KIND_ORDER = 1;
export const TOKEN_BYTES = 94;
export const HEADER_BYTES = 30;
export const TOKEN_CHARS = 151;
export const PREFIX = 'orderly-qr-v1\n';
export const CERT_PREFIX = 'orderly-device-cert-v1';

/** The reasons of verify(), in the order they are checked (the first that applies wins). */
export const REASONS = [
  'malformed',
  'wrong_version',
  'unknown_key',
  'tampered',
  'bad_certificate',
  'revoked_key',
  'wrong_signer',
  'revoked_token',
  'valid',
];

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const VALUES = new Map([...ALPHABET].map((c, i) => [c, i]));
const ED25519 = { name: 'Ed25519' };
const encoder = new TextEncoder();

// --- base32 (RFC 4648, upper case, no padding) ------------------------------------------------

/** Bytes as RFC 4648 base32, upper case, without padding. */
export function base32Encode(bytes) {
  const data = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of data) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(buffer >> bits) & 31];
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/** RFC 4648 base32 without padding (upper case only) → bytes; null when the text is not that:
 * a character outside A–Z2–7, a length no byte string encodes to, or non-zero trailing bits. */
export function base32Decode(text) {
  if (typeof text !== 'string') return null;
  // 1, 3 and 6 characters past a multiple of 8 are lengths no byte string encodes to.
  if ([1, 3, 6].includes(text.length % 8)) return null;
  const out = new Uint8Array(Math.floor((text.length * 5) / 8));
  let buffer = 0;
  let bits = 0;
  let n = 0;
  for (const c of text) {
    const v = VALUES.get(c);
    if (v === undefined) return null;
    buffer = (buffer << 5) | v;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (buffer >> bits) & 0xff;
    }
    buffer &= (1 << bits) - 1;
  }
  if (buffer !== 0) return null; // the unused low bits of the last character must be zero
  return out;
}

// --- small helpers --------------------------------------------------------------------------

function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Unpadded base64url (or base64) → bytes; null when it is not that. */
export function fromBase64url(text) {
  if (typeof text !== 'string' || !/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return null;
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  try {
    return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

/** Bytes as unpadded base64url. */
export function toBase64url(bytes) {
  let binary = '';
  for (const b of new Uint8Array(bytes)) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** A UUID's text → its 16 bytes (throws TypeError when it is not a UUID). */
export function uuidBytes(uuid) {
  const digits = typeof uuid === 'string' ? uuid.replace(/-/g, '') : '';
  if (!/^[0-9a-fA-F]{32}$/.test(digits) || !/^[0-9a-fA-F-]{32,36}$/.test(uuid)) {
    throw new TypeError(`not a UUID: ${uuid}`);
  }
  return Uint8Array.from(digits.match(/../g), (h) => parseInt(h, 16));
}

/** 16 bytes → the UUID's text (lower case, hyphens). */
export function uuidText(bytes) {
  const h = hex(bytes);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// --- the token ------------------------------------------------------------------------------

/** The key id of a raw 32-byte Ed25519 public key: the first 16 hex digits of its SHA-256. */
export async function keyId(publicKeyRaw) {
  return hex((await sha256(new Uint8Array(publicKeyRaw))).subarray(0, 8));
}

/** The token id: the first 16 hex digits of the SHA-256 of the 94 token bytes. */
export async function tokenId(bytes) {
  return hex((await sha256(new Uint8Array(bytes))).subarray(0, 8));
}

/** The 30 signed header bytes: version, kind, order id, issued at, key id. */
export function header({ orderId, issuedAt, keyId: kid, version = VERSION, kind = KIND_ORDER }) {
  if (!Number.isInteger(issuedAt) || issuedAt < 0 || issuedAt > 0xffffffff) {
    throw new TypeError(`issuedAt must be whole seconds in 0..2^32-1: ${issuedAt}`);
  }
  if (typeof kid !== 'string' || !/^[0-9a-f]{16}$/.test(kid)) throw new TypeError(`not a key id: ${kid}`);
  const out = new Uint8Array(HEADER_BYTES);
  out[0] = version;
  out[1] = kind;
  out.set(uuidBytes(orderId), 2);
  new DataView(out.buffer).setUint32(18, issuedAt, false);
  out.set(Uint8Array.from(kid.match(/../g), (h) => parseInt(h, 16)), 22);
  return out;
}

/** What the signature signs: "orderly-qr-v1\n" + the 30 header bytes. */
export function signedMessage(headerBytes) {
  return concat(encoder.encode(PREFIX), headerBytes.subarray(0, HEADER_BYTES));
}

/** The token text (upper-case base32, 151 characters, canonical) → its fields, or null when it
 * is malformed (not base32 or not 94 bytes). The version and kind are reported as they are (verify() checks them). */
export function decodeToken(token) {
  if (typeof token !== 'string' || token.length !== TOKEN_CHARS) return null;
  const bytes = base32Decode(token);
  if (!bytes || bytes.length !== TOKEN_BYTES) return null;
  return {
    bytes,
    version: bytes[0],
    kind: bytes[1],
    orderId: uuidText(bytes.subarray(2, 18)),
    issuedAt: new DataView(bytes.buffer, bytes.byteOffset).getUint32(18, false),
    keyId: hex(bytes.subarray(22, 30)),
    header: bytes.subarray(0, HEADER_BYTES),
    signature: bytes.subarray(HEADER_BYTES),
  };
}

/** The token of a header and its 64-byte signature. */
export function encodeToken(headerBytes, signature) {
  const sig = new Uint8Array(signature);
  if (headerBytes.length !== HEADER_BYTES || sig.length !== 64) throw new TypeError('a header of 30 bytes and a signature of 64');
  return base32Encode(concat(headerBytes, sig));
}

/** Signs a token for an order with an Ed25519 key: `privateKey` a WebCrypto CryptoKey (the
 * device's non-extractable one), `publicKeyRaw` its raw 32-byte public key (names the key).
 * `issuedAt` defaults to now, in whole seconds. */
export async function signToken({ orderId, issuedAt = Math.floor(Date.now() / 1000), privateKey, publicKeyRaw }) {
  const head = header({ orderId, issuedAt, keyId: await keyId(publicKeyRaw) });
  const signature = await crypto.subtle.sign(ED25519, privateKey, signedMessage(head));
  return encodeToken(head, signature);
}

/** The URL a QR code holds: `<origin>/q/<token>` (the token upper case). */
export function tokenUrl(origin, token) {
  return `${String(origin).replace(/\/+$/, '')}/q/${token.toUpperCase()}`;
}

/** What to put in the QR code (= shared/qr.py qr_text): the URL, all upper case when the
 * origin has no path of its own (scheme and host ignore case, the server answers /Q/ as /q/),
 * so the whole text is in the QR alphanumeric set. */
export function qrText(origin, token) {
  const text = tokenUrl(origin, token);
  const rest = String(origin).split('://').at(-1).replace(/\/+$/, '');
  return rest.includes('/') ? text : text.toUpperCase();
}

/** What a scanner read (the URL `.../q/<token>` or a bare token; any case, surrounding white
 * space, a trailing CR/LF from a keyboard-wedge scanner) → the token text in upper case
 * (= shared/qr.py from_scan). Unchecked: garbled text comes back upper-cased, and verify()
 * calls it malformed. */
export function parseScanned(text) {
  let s = typeof text === 'string' ? text.trim() : '';
  const at = s.toLowerCase().lastIndexOf('/q/');
  if (at >= 0) s = s.slice(at + 3).split(/[?#/]/, 1)[0];
  return s.toUpperCase();
}

// --- verification ---------------------------------------------------------------------------

function lookup(keys, id) {
  if (!keys) return undefined;
  if (keys instanceof Map) return keys.get(id);
  if (Array.isArray(keys)) return keys.find((k) => k?.id === id);
  return Object.prototype.hasOwnProperty.call(keys, id) ? keys[id] : undefined;
}

function isRevoked(revoked, id) {
  if (!revoked) return false;
  if (revoked instanceof Set || revoked instanceof Map) return revoked.has(id);
  if (Array.isArray(revoked)) return revoked.some((r) => r === id || r?.id === id);
  return Object.prototype.hasOwnProperty.call(revoked, id);
}

async function ed25519Verify(publicKeyB64, signature, message) {
  const raw = fromBase64url(publicKeyB64);
  if (!raw || raw.length !== 32) return false;
  try {
    const key = await crypto.subtle.importKey('raw', raw, ED25519, false, ['verify']);
    return await crypto.subtle.verify(ED25519, key, signature, message);
  } catch {
    return false;
  }
}

/** The device certificate's message (= server/auth/devices.py certificate_message). */
export function certificateMessage(deviceId, code, userId, publicKey) {
  return encoder.encode(`${CERT_PREFIX}\n${deviceId}\n${code}\n${userId}\n${publicKey}`);
}

async function certificateHolds(key, keys) {
  if (!key.certificate || !key.cert_key_id) return false;
  const signer = lookup(keys, key.cert_key_id);
  if (!signer || signer.kind !== 'server') return false;
  const sig = fromBase64url(key.certificate);
  if (!sig || sig.length !== 64) return false;
  const message = certificateMessage(key.device_id || '', key.device_code || '', key.user_id || '', key.public_key);
  return ed25519Verify(signer.public_key, sig, message);
}

/** A revocation time (ISO text; no offset: UTC) → whole seconds since 1970; null when none.
 * The fraction is dropped: a key is revoked from the whole second of its revoked_at on. */
function wholeSeconds(value) {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value === 'number') return Math.floor(value);
  let text = String(value).trim().replace(/(T\d\d:\d\d:\d\d)\.\d+/, '$1');
  if (/T\d\d:\d\d(:\d\d)?$/.test(text)) text += 'Z';
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : Math.floor(ms / 1000);
}

/** Whether `key` was revoked when a token issued at `issuedAt` was signed (= shared/qr.py
 * key_revoked_for): from the whole second of revoked_at on; revoked without a time, always. */
export function keyRevokedFor(key, issuedAt) {
  if (!key.revoked) return false;
  const at = wholeSeconds(key.revoked_at);
  return at === null || issuedAt >= at;
}

/** The order row `orders` holds for `id` (an array, a Map, an object by id, or a function —
 * sync or async — such as `(id) => db.orders.get(id)`); null when it holds none. */
async function heldOrder(orders, id) {
  const row = typeof orders === 'function' ? await orders(id) : lookup(orders, id);
  return row ?? null;
}

/** Whether a revoked key's token names an order that reached the server at or after the
 * key's distrust-from time (revoked_at) (= shared/qr.py _distrusted_order): the token's own
 * date is its signer's word (a stolen phone or a leaked key can backdate), the order's
 * created_at is the server's. */
function distrustedOrder(key, order) {
  if (!key.revoked || !order?.created_at) return false;
  const at = wholeSeconds(key.revoked_at);
  return at === null || wholeSeconds(order.created_at) >= at;
}

/**
 * Verifies a token (its text, or what a scanner read: parseScanned) offline. `keys`: the `signing_keys` rows as pulled (an
 * array, a Map or an object by id); `revoked`: the revoked token ids (a Set, an array of ids or
 * of `qr_revocations` rows); `orders`: the orders this device holds (see heldOrder) — a device
 * key signs only its own user's orders, so a device's token for an order not held, or owned by
 * another user, is wrong_signer (leave it out only where the binding is checked another way).
 * Answers `{reason, orderId, issuedAt, keyId, tokenId}` with the
 * first reason of docs/qr.md that applies (REASONS). The fields are what the token claims (true
 * only when valid): null for malformed and wrong_version.
 */
export async function verify(token, keys, revoked, orders) {
  const none = { orderId: null, issuedAt: null, keyId: null, tokenId: null };
  const fields = decodeToken(parseScanned(token));
  if (!fields) return { reason: 'malformed', ...none };
  if (fields.version !== VERSION || fields.kind !== KIND_ORDER) return { reason: 'wrong_version', ...none };
  const verdict = {
    reason: 'valid',
    orderId: fields.orderId,
    issuedAt: fields.issuedAt,
    keyId: fields.keyId,
    tokenId: await tokenId(fields.bytes),
  };
  const answer = (reason) => ({ ...verdict, reason });
  const key = lookup(keys, fields.keyId);
  if (!key) return answer('unknown_key');
  if (!(await ed25519Verify(key.public_key, fields.signature, signedMessage(fields.header)))) return answer('tampered');
  if (key.kind !== 'server' && !(await certificateHolds(key, keys))) return answer('bad_certificate');
  const device = key.kind !== 'server';
  const held = orders !== undefined && orders !== null;
  const order = held ? await heldOrder(orders, fields.orderId) : null;
  if (keyRevokedFor(key, fields.issuedAt) || distrustedOrder(key, order)) return answer('revoked_key');
  if (device && held && (!order || !key.user_id || order.owner_id !== key.user_id)) return answer('wrong_signer');
  if (isRevoked(revoked, verdict.tokenId)) return answer('revoked_token');
  return verdict;
}
