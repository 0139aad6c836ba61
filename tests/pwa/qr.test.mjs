import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  REASONS, TOKEN_CHARS, base32Decode, base32Encode, certificateMessage, decodeToken, encodeToken,
  header, keyId, parseScanned, qrText, signToken, signedMessage, toBase64url, tokenId, tokenUrl, verify,
} from '../../pwa/js/core/qr.js';
import { uuid7 } from '../../pwa/js/core/ids.js';
import { vectors } from './helpers.mjs';

const ED = { name: 'Ed25519' };

async function newKey(extractable = false) {
  const pair = await crypto.subtle.generateKey(ED, extractable, ['sign', 'verify']);
  const raw = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
  return { ...pair, raw, id: await keyId(raw), b64: toBase64url(raw) };
}

async function serverRow(key, extra = {}) {
  return { id: key.id, kind: 'server', public_key: key.b64, revoked: false, revoked_at: null, ...extra };
}

/** A device key row certified by `server` (docs/auth.md § Devices). */
async function deviceRow(device, server, extra = {}) {
  const row = {
    id: device.id, kind: 'device', public_key: device.b64, device_id: uuid7(), device_code: 'K7F',
    user_id: uuid7(), cert_key_id: server.id, revoked: false, revoked_at: null,
  };
  const message = certificateMessage(row.device_id, row.device_code, row.user_id, row.public_key);
  row.certificate = toBase64url(await crypto.subtle.sign(ED, server.privateKey, message));
  return { ...row, ...extra };
}

function flip(token, at) {
  const bytes = base32Decode(token);
  bytes[at] ^= 0x01;
  return base32Encode(bytes);
}

describe('qr: base32 (RFC 4648 § 10, without padding)', () => {
  const RFC = [['', ''], ['f', 'MY'], ['fo', 'MZXQ'], ['foo', 'MZXW6'], ['foob', 'MZXW6YQ'],
    ['fooba', 'MZXW6YTB'], ['foobar', 'MZXW6YTBOI']];
  test('the RFC test vectors', () => {
    for (const [plain, coded] of RFC) {
      assert.equal(base32Encode(new TextEncoder().encode(plain)), coded);
      assert.deepEqual(base32Decode(coded), new TextEncoder().encode(plain));
    }
  });
  test('round trips of every length and byte', () => {
    for (let n = 0; n < 100; n++) {
      const bytes = crypto.getRandomValues(new Uint8Array(n));
      const text = base32Encode(bytes);
      assert.match(text, /^[A-Z2-7]*$/);
      assert.deepEqual(base32Decode(text), bytes);
    }
  });
  test('refuses what is not canonical base32', () => {
    for (const bad of ['my', 'MY=', 'M', 'MZX', 'MZXW6Y', 'M1', 'MZ', 'MZXW6YTBOJ', ' MY', 'MY\n', 'MÝ']) {
      assert.equal(base32Decode(bad), null, bad);
    }
  });
});

describe('qr: scanned text', () => {
  const T = 'A'.repeat(TOKEN_CHARS);
  test('a URL or a bare token, any case, white space, CR/LF', () => {
    for (const text of [T, T.toLowerCase(), ` ${T}\r\n`, `https://orders.example.com/q/${T}`,
      `http://localhost:8000/q/${T.toLowerCase()}\n`, `HTTPS://ORDERS.EXAMPLE.COM/Q/${T}`,
      `https://x.example/app/q/${T}?utm=1`, `https://x.example/q/${T}/`, `https://x.example/q/${T}#top`]) {
      assert.equal(parseScanned(text), T, JSON.stringify(text));
    }
  });
  test('garbled text comes back upper-cased, for verify to call malformed', () => {
    assert.equal(parseScanned('hello world'), 'HELLO WORLD');
    assert.equal(parseScanned(''), '');
    assert.equal(parseScanned(null), '');
  });
  test('tokenUrl', () => {
    assert.equal(tokenUrl('http://localhost:8000/', 'abc'), 'http://localhost:8000/q/ABC');
  });
});

describe('qr: signing and verifying', () => {
  test('a device-signed token: 151 characters, its fields, valid with a certified key', async () => {
    const server = await newKey();
    const device = await newKey();
    const orderId = uuid7();
    const token = await signToken({ orderId, issuedAt: 1767225600, privateKey: device.privateKey, publicKeyRaw: device.raw });
    assert.equal(token.length, TOKEN_CHARS);
    assert.match(token, /^[A-Z2-7]+$/);
    const fields = decodeToken(token);
    assert.equal(fields.version, 1);
    assert.equal(fields.kind, 1);
    assert.equal(fields.orderId, orderId);
    assert.equal(fields.issuedAt, 1767225600);
    assert.equal(fields.keyId, device.id);
    assert.deepEqual(fields.header, header({ orderId, issuedAt: 1767225600, keyId: device.id }));
    // The signature is over the domain prefix + the header, with the device key.
    const pub = await crypto.subtle.importKey('raw', device.raw, ED, false, ['verify']);
    assert.ok(await crypto.subtle.verify(ED, pub, fields.signature, signedMessage(fields.header)));
    assert.ok(!(await crypto.subtle.verify(ED, pub, fields.signature, fields.header)));

    const keys = [await serverRow(server), await deviceRow(device, server)];
    const verdict = await verify(token, keys, new Set());
    assert.deepEqual(verdict, {
      reason: 'valid', orderId, issuedAt: 1767225600, keyId: device.id, tokenId: await tokenId(fields.bytes),
    });
    assert.match(verdict.tokenId, /^[0-9a-f]{16}$/);
    // What a scanner reads verifies the same.
    assert.deepEqual(await verify(`${tokenUrl('https://o.example', token).toLowerCase()}\r\n`, keys, []), verdict);
    // keys as a Map or an object by id, revocations as rows.
    assert.equal((await verify(token, new Map(keys.map((k) => [k.id, k])), [])).reason, 'valid');
    assert.equal((await verify(token, Object.fromEntries(keys.map((k) => [k.id, k])), [{ id: 'x' }])).reason, 'valid');
  });

  test('signToken defaults issuedAt to now', async () => {
    const device = await newKey();
    const token = await signToken({ orderId: uuid7(), privateKey: device.privateKey, publicKeyRaw: device.raw });
    assert.ok(Math.abs(decodeToken(token).issuedAt - Date.now() / 1000) < 5);
  });

  test('every reason, in its order', async () => {
    const server = await newKey();
    const other = await newKey();
    const device = await newKey();
    const orderId = uuid7();
    const at = 1767225600;
    const serverToken = await signToken({ orderId, issuedAt: at, privateKey: server.privateKey, publicKeyRaw: server.raw });
    const deviceToken = await signToken({ orderId, issuedAt: at, privateKey: device.privateKey, publicKeyRaw: device.raw });
    const keys = [await serverRow(server), await serverRow(other), await deviceRow(device, server)];
    const reason = async (token, k = keys, r = []) => (await verify(token, k, r)).reason;

    assert.equal(await reason(serverToken), 'valid');
    for (const bad of ['', 'hello', serverToken.slice(1), `${serverToken}A`, `${serverToken.slice(0, -1)}1`, `${serverToken}=`]) {
      const v = await verify(bad, keys, []);
      assert.deepEqual(v, { reason: 'malformed', orderId: null, issuedAt: null, keyId: null, tokenId: null });
    }
    // The last character carries 2 bits; the other 3 must be zero.
    const last = serverToken.at(-1);
    const sloppy = serverToken.slice(0, -1) + 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'['ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'.indexOf(last) | 1];
    if (sloppy !== serverToken) assert.equal(await reason(sloppy), 'malformed');

    // Version and kind, even when the signature is fine.
    for (const h of [header({ orderId, issuedAt: at, keyId: server.id, version: 2 }), header({ orderId, issuedAt: at, keyId: server.id, kind: 2 })]) {
      const token = encodeToken(h, await crypto.subtle.sign(ED, server.privateKey, signedMessage(h)));
      assert.deepEqual(await verify(token, keys, []), { reason: 'wrong_version', orderId: null, issuedAt: null, keyId: null, tokenId: null });
    }
    assert.equal(await reason(serverToken, keys.filter((k) => k.id !== server.id)), 'unknown_key');
    // Any byte changed: the header (order, time, key id → unknown), or the signature.
    assert.equal(await reason(flip(serverToken, 5)), 'tampered');
    assert.equal(await reason(flip(serverToken, 20)), 'tampered');
    assert.equal(await reason(flip(serverToken, 60)), 'tampered');
    assert.equal(await reason(flip(serverToken, 93)), 'tampered');
    // A key row whose public key is another one's.
    assert.equal(await reason(serverToken, [{ ...keys[0], public_key: other.b64 }]), 'tampered');
    assert.equal(await reason(serverToken, [{ ...keys[0], public_key: 'AAAA' }]), 'tampered');

    // Device keys: the certificate with the server key it names.
    const dev = keys[2];
    assert.equal(await reason(deviceToken), 'valid');
    for (const broken of [
      { certificate: null }, { cert_key_id: null }, { cert_key_id: other.id }, { cert_key_id: 'ffffffffffffffff' },
      { cert_key_id: device.id }, { device_code: 'K7G' }, { user_id: uuid7() }, { device_id: uuid7() },
      { certificate: dev.certificate.slice(0, -2) + (dev.certificate.endsWith('AA') ? 'BA' : 'AA') }, { kind: 'scanner', certificate: null },
    ]) {
      const row = { ...dev, ...broken };
      const ks = [keys[0], keys[1], row];
      assert.equal(await reason(deviceToken, ks), 'bad_certificate', JSON.stringify(broken));
    }
    // tampered comes before bad_certificate.
    assert.equal(await reason(flip(deviceToken, 40), [keys[0], { ...dev, certificate: null }]), 'tampered');

    // A revoked key: from the whole second of revoked_at on; tokens signed before stay valid.
    const revokedAt = (s) => new Date(s * 1000).toISOString();
    const withDev = (extra) => [keys[0], { ...dev, ...extra }];
    assert.equal(await reason(deviceToken, withDev({ revoked: true, revoked_at: revokedAt(at - 1) })), 'revoked_key');
    assert.equal(await reason(deviceToken, withDev({ revoked: true, revoked_at: revokedAt(at) })), 'revoked_key');
    assert.equal(await reason(deviceToken, withDev({ revoked: true, revoked_at: '2026-01-01T00:00:00.900000+00:00' })), 'revoked_key');
    assert.equal(await reason(deviceToken, withDev({ revoked: true, revoked_at: revokedAt(at + 1) })), 'valid');
    assert.equal(await reason(deviceToken, withDev({ revoked: true, revoked_at: null })), 'revoked_key');
    assert.equal(await reason(deviceToken, withDev({ revoked: false, revoked_at: revokedAt(at - 1) })), 'valid');
    assert.equal(await reason(serverToken, [{ ...keys[0], revoked: true, revoked_at: revokedAt(at - 1) }]), 'revoked_key');
    // bad_certificate comes before revoked_key, revoked_key before revoked_token.
    const id = (await verify(deviceToken, keys, [])).tokenId;
    assert.equal(await reason(deviceToken, withDev({ certificate: null, revoked: true }), [id]), 'bad_certificate');
    assert.equal(await reason(deviceToken, withDev({ revoked: true }), [id]), 'revoked_key');

    // A revoked token.
    assert.equal(await reason(deviceToken, keys, new Set([id])), 'revoked_token');
    assert.equal(await reason(deviceToken, keys, [id]), 'revoked_token');
    assert.equal(await reason(deviceToken, keys, [{ id, order_id: orderId, reason: 'reissued' }]), 'revoked_token');
    assert.equal(await reason(serverToken, keys, [id]), 'valid');

    // Orders held (docs/qr.md § Who may sign what): a device key signs only its own user's
    // orders; a server key any. revoked_key before wrong_signer, wrong_signer before revoked_token.
    const mine = { id: orderId, owner_id: dev.user_id, created_at: '2026-01-01T00:00:00.000Z' };
    const theirs = { ...mine, owner_id: uuid7() };
    assert.equal((await verify(deviceToken, keys, [], [mine])).reason, 'valid');
    assert.equal((await verify(deviceToken, keys, [], [theirs])).reason, 'wrong_signer');
    assert.equal((await verify(deviceToken, keys, [], [])).reason, 'wrong_signer');
    assert.equal((await verify(deviceToken, keys, [], () => undefined)).reason, 'wrong_signer');
    assert.equal((await verify(serverToken, keys, [], [])).reason, 'valid');
    assert.equal((await verify(deviceToken, keys, [id], [theirs])).reason, 'wrong_signer');
    assert.equal((await verify(deviceToken, withDev({ revoked: true }), [], [theirs])).reason, 'revoked_key');
    // A revoked key's token dated before the revocation, for an order the server got after it.
    const late = { ...mine, created_at: revokedAt(at + 10) };
    const revokedLater = withDev({ revoked: true, revoked_at: revokedAt(at + 5) });
    assert.equal((await verify(deviceToken, revokedLater, [], [mine])).reason, 'valid');
    assert.equal((await verify(deviceToken, revokedLater, [], [late])).reason, 'revoked_key');
    assert.deepEqual(REASONS, ['malformed', 'wrong_version', 'unknown_key', 'tampered', 'bad_certificate', 'revoked_key', 'wrong_signer', 'revoked_token', 'valid']);
  });

  test('header refuses what does not fit', () => {
    const kid = '0123456789abcdef';
    assert.throws(() => header({ orderId: 'nope', issuedAt: 1, keyId: kid }), TypeError);
    assert.throws(() => header({ orderId: uuid7(), issuedAt: -1, keyId: kid }), TypeError);
    assert.throws(() => header({ orderId: uuid7(), issuedAt: 2 ** 32, keyId: kid }), TypeError);
    assert.throws(() => header({ orderId: uuid7(), issuedAt: 1.5, keyId: kid }), TypeError);
    assert.throws(() => header({ orderId: uuid7(), issuedAt: 1, keyId: 'abc' }), TypeError);
  });
});

const V = vectors('qr.json');

/** A WebCrypto private key from a 32-byte Ed25519 seed (PKCS #8 wraps it in 16 fixed bytes). */
function seedKey(seedHex) {
  const pkcs8 = Uint8Array.from(('302e020100300506032b657004220420' + seedHex).match(/../g), (h) => parseInt(h, 16));
  return crypto.subtle.importKey('pkcs8', pkcs8, ED, false, ['sign']);
}

function snake(v) {
  return { reason: v.reason, order_id: v.orderId, issued_at: v.issuedAt, key_id: v.keyId, token_id: v.tokenId };
}

describe('qr: the vectors of shared/qr.py (tests/vectors/qr.json)', () => {
  test('every case: verify gives the same answer', async () => {
    assert.ok(V.cases.length >= 30);
    for (const c of V.cases) {
      assert.deepEqual(snake(await verify(c.token, V.keys, V.revoked, V.orders)), c.expect, c.name);
    }
    // Revocations as a Set of ids, keys as a Map, orders as an async lookup (Dexie's get): the
    // same answers.
    const ids = new Set(V.revoked.map((r) => r.id));
    const byId = new Map(V.keys.map((k) => [k.id, k]));
    const get = async (id) => V.orders.find((o) => o.id === id);
    for (const c of V.cases) assert.equal((await verify(c.token, byId, ids, get)).reason, c.expect.reason, c.name);
  });

  test('every reason is in the vectors', () => {
    assert.deepEqual(new Set(V.cases.map((c) => c.expect.reason)), new Set(REASONS));
  });

  test('decodeToken and tokenId agree with the claims', async () => {
    for (const c of V.cases.filter((x) => x.expect.order_id)) {
      const fields = decodeToken(parseScanned(c.token));
      assert.equal(fields.orderId, c.expect.order_id, c.name);
      assert.equal(fields.issuedAt, c.expect.issued_at, c.name);
      assert.equal(fields.keyId, c.expect.key_id, c.name);
      assert.equal(await tokenId(fields.bytes), c.expect.token_id, c.name);
    }
  });

  test('signing a valid case again with its seed gives its token (deterministic Ed25519)', async () => {
    let n = 0;
    for (const c of V.cases.filter((x) => x.expect.reason === 'valid')) {
      const token = parseScanned(c.token);
      const seed = V.seeds[c.expect.key_id];
      const row = V.keys.find((k) => k.id === c.expect.key_id);
      const raw = Uint8Array.from(atob(row.public_key.replace(/-/g, '+').replace(/_/g, '/') + '='), (ch) => ch.charCodeAt(0));
      assert.equal(await keyId(raw), row.id);
      const again = await signToken({ orderId: c.expect.order_id, issuedAt: c.expect.issued_at, privateKey: await seedKey(seed), publicKeyRaw: raw });
      assert.equal(again, token, c.name);
      n++;
    }
    assert.ok(n >= 6);
  });

  test('urls and the text of the QR code', () => {
    for (const u of V.urls) {
      assert.equal(tokenUrl(u.public_url, u.token), u.url);
      assert.equal(qrText(u.public_url, u.token), u.qr_text);
    }
    assert.equal(qrText('http://localhost:8000', 'ABC'), 'HTTP://LOCALHOST:8000/Q/ABC');
    assert.equal(qrText('https://x.example/orderly/', 'ABC'), 'https://x.example/orderly/q/ABC');
  });
});
