// QR codes on screen: <QrImage> draws any text as an SVG QR code (lean-qr, ECC M or better, a
// 4-module quiet zone, crisp at any size and in print); <OrderQr> is the order detail's code
// (the text the server's labels hold too: qrText, the URL in the QR alphanumeric set):
// the token this device signed or last fetched (order_qr), the server's current one when
// online, and its verification as a scanner would see it (core/qr.js verify against the pulled
// signing_keys and qr_revocations).

import { html } from 'htm/preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { correction, generate } from 'lean-qr';

import { qrText, tokenUrl, verify } from '../core/qr.js';
import { hasPermission } from '../core/vocab.js';
import { formatDateTime } from '../format.js';
import { t } from '../i18n.js';
import { fetchServerToken } from '../qr-sign.js';
import { Badge } from './components.js';
import { useApp } from './context.js';
import { useLive, useObservable } from './live.js';

const QUIET = 4;

/** The SVG path of the dark modules of a lean-qr code: one rectangle per horizontal run. */
function modulesPath(code) {
  let d = '';
  for (let y = 0; y < code.size; y++) {
    for (let x = 0; x < code.size; x++) {
      if (!code.get(x, y)) continue;
      let run = 1;
      while (x + run < code.size && code.get(x + run, y)) run++;
      d += `M${x} ${y}h${run}v1h-${run}z`;
      x += run - 1;
    }
  }
  return d;
}

/** `text` as a QR code, `size` CSS pixels wide (quiet zone included). */
export function QrImage({ text, size = 280, label, testid }) {
  const drawn = useMemo(() => {
    try {
      const code = generate(text, { minCorrectionLevel: correction.M });
      return { size: code.size, path: modulesPath(code) };
    } catch (e) {
      console.error('no QR code for this text', e);
      return null;
    }
  }, [text]);
  if (!drawn) return null;
  const side = drawn.size + 2 * QUIET;
  return html`
    <svg class="qr-image" xmlns="http://www.w3.org/2000/svg" viewBox=${`${-QUIET} ${-QUIET} ${side} ${side}`}
      width=${size} height=${size} shape-rendering="crispEdges" role="img" aria-label=${label ?? text}
      data-testid=${testid} data-text=${text} data-modules=${drawn.size}
      style=${{ display: 'block', margin: '0 auto', maxWidth: '100%', height: 'auto', background: '#fff' }}>
      <rect x=${-QUIET} y=${-QUIET} width=${side} height=${side} fill="#fff" />
      <path d=${drawn.path} fill="#000" />
    </svg>`;
}

function mayRead(role) {
  try {
    return hasPermission(role, 'qr.read');
  } catch {
    return false;
  }
}

/** Whether the outbox still holds a `qr.issue` for this order (the server's current code is
 * then not yet the one this device signed: asking it now would issue another). */
function issuePending(db, orderId) {
  return db.outbox.filter((m) => m.name === 'qr.issue' && m.args?.order_id === orderId).count();
}

/** The order's QR code, its URL form and whether it verifies here. `pending`: a mutation of the
 * order is not sent yet (the server may not know the order). */
export function OrderQr({ order, pending }) {
  const { store, sync, me } = useApp();
  const status = useObservable(sync?.status);
  const online = status ? status.online : navigator.onLine;
  // null: no code known yet (undefined is "still loading").
  const known = useLive(() => store.db.order_qr.get(order.id).then((r) => r ?? null), [store, order.id]);
  const keys = useLive(() => store.db.signing_keys.toArray(), [store]);
  const revoked = useLive(() => store.db.qr_revocations.where('order_id').equals(order.id).toArray(), [store, order.id]);
  const waiting = useLive(() => issuePending(store.db, order.id), [store, order.id]);
  const [verdict, setVerdict] = useState(null);
  const [fetchError, setFetchError] = useState(null);

  // The server's current code, when it can be asked (and kept for offline).
  useEffect(() => {
    if (!online || pending || waiting === undefined || waiting > 0 || !mayRead(me.user.role)) return undefined;
    let stale = false;
    fetchServerToken(store.db, order.id)
      .then(() => !stale && setFetchError(null))
      .catch((e) => !stale && setFetchError(e));
    return () => {
      stale = true;
    };
  }, [store, order.id, online, pending, waiting]);

  const token = known?.token;
  useEffect(() => {
    if (!token || !keys) return undefined;
    let stale = false;
    // The order itself is what a device key's signature is checked against (its owner).
    verify(token, keys, revoked ?? [], [order]).then((v) => !stale && setVerdict(v));
    return () => {
      stale = true;
    };
  }, [token, keys, revoked, order.id, order.owner_id, order.created_at]);

  if (known === undefined) return null;
  if (!token) {
    return html`<p class="muted" data-testid="order-qr-none">
      ${fetchError && fetchError.status !== 0 ? t('qr.unavailable') : t('qr.whenOnline')}</p>`;
  }
  const url = tokenUrl(location.origin, token);
  const shown = verdict?.tokenId && verdict.orderId === order.id ? verdict : null;
  const reason = verdict ? (verdict.orderId && verdict.orderId !== order.id ? 'other_order' : verdict.reason) : null;
  return html`
    <div class="qr" data-testid="order-qr" data-token=${token} data-source=${known.source}>
      <${QrImage} text=${qrText(location.origin, token)} label=${t('qr.label', { number: order.number })} testid="order-qr-image" />
      <p class="qr-status" style=${{ textAlign: 'center' }}>
        ${reason && html`<${Badge} kind=${reason === 'valid' ? 'ok' : 'warn'} testid="order-qr-status">
          <span data-reason=${reason}>${t(`qr.status.${reason}`)}</span><//>`}
        ${' '}<small class="muted" data-testid="order-qr-source">
          ${t(known.source === 'device' ? 'qr.signedHere' : 'qr.fromServer')}
          ${shown ? ` · ${formatDateTime(new Date(shown.issuedAt * 1000).toISOString())}` : ''}</small>
      </p>
      <p style=${{ textAlign: 'center', wordBreak: 'break-all', fontFamily: 'monospace', fontSize: '.7rem' }}
        class="muted" data-testid="order-qr-url">${url}</p>
      ${typeof navigator.share === 'function' && html`
        <div class="actions" style=${{ justifyContent: 'center' }}>
          <button type="button" data-testid="order-qr-share"
            onClick=${() => navigator.share({ title: order.number, url }).catch(() => {})}>${t('qr.share')}</button>
        </div>`}
    </div>`;
}
