// Scan an order QR code, offline (docs/qr.md, docs/warehouse.md): a field that keeps the focus
// for keyboard-wedge scanners (characters, then Enter) and the camera. The token is verified on
// the device against the pulled signing keys and revocations; the result says genuine, forged,
// revoked or unknown, with the order when this device has it and the signed summary when not.
// After a genuine scan of an order here, the warehouse flows of the user's role (ui/scan-order.js):
// pick by product barcodes, pack, ship, return, redeem. Every read is a `scan.record` mutation.

import { html } from 'htm/preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';

import { signal, startCamera } from '../camera.js';
import { parseScanned, verify } from '../core/qr.js';
import { cleanCode, createDebouncer } from '../core/scan.js';
import { mayMutate } from '../core/vocab.js';
import { isOrderCode, pickScan, productByCode, scanResult } from '../core/warehouse.js';
import { formatDateTime } from '../format.js';
import { t } from '../i18n.js';
import { ErrorBox, Screen, StatusBadge } from './components.js';
import { useApp } from './context.js';
import { Leases } from './leases.js';
import { useLive } from './live.js';
import { Link } from './router.js';
import { OrderActions, pickedNow } from './scan-order.js';

const GENUINE = new Set(['valid']);
const REVOKED = new Set(['revoked_token', 'revoked_key']);

/** The verdict's headline: genuine / forged / revoked / unknown signer. */
export function verdictKind(reason) {
  if (GENUINE.has(reason)) return 'genuine';
  if (REVOKED.has(reason)) return 'revoked';
  if (reason === 'unknown_key' || reason === 'wrong_signer') return 'unknown';
  return 'forged';
}

function rows(store, table) {
  return store.db.tables.some((x) => x.name === table) ? store.db.table(table).toArray() : [];
}

function Signer({ keyId, keys }) {
  const key = keys?.find((k) => k.id === keyId);
  if (!key) return html`<code>${keyId}</code>`;
  return key.kind === 'server' ? t('scan.signedByServer') : t('scan.signedByDevice', { code: key.device_code ?? '?' });
}

function ProductResult({ product }) {
  return html`
    <div class="card scan-result product" data-testid="scan-product" data-product=${product.id}>
      <strong class="scan-headline">${product.name}</strong>
      <p class="muted">${product.sku}${product.barcode ? ` · ${product.barcode}` : ''}</p>
    </div>`;
}

function Result({ result, keys }) {
  const { verdict, order } = result;
  const kind = verdictKind(verdict.reason);
  return html`
    <div class=${`card scan-result ${kind}`} data-testid="scan-result" data-kind=${kind} data-reason=${verdict.reason}>
      <strong class="scan-headline">${t(`scan.kind.${kind}`)}</strong>
      <p>${t(`scan.reason.${verdict.reason}`)}</p>
      ${order && html`
        <p data-testid="scan-order">
          <${Link} href=${`/orders/${order.id}`} data-testid="scan-open-order">${order.number}<//>
          ${' '}<${StatusBadge} status=${order.status} testid="scan-order-status" />
        </p>`}
      ${!order && verdict.orderId && html`
        <dl class="facts" data-testid="scan-summary">
          <dt>${t('scan.orderId')}</dt><dd><code>${verdict.orderId}</code></dd>
          <dt>${t('scan.issuedAt')}</dt><dd>${formatDateTime(new Date(verdict.issuedAt * 1000).toISOString())}</dd>
          <dt>${t('scan.signer')}</dt><dd><${Signer} keyId=${verdict.keyId} keys=${keys} /></dd>
        </dl>
        ${kind === 'genuine' && html`<p class="muted">${t('scan.notOnDevice')}</p>`}`}
    </div>`;
}

function Camera({ onCode, onError }) {
  const video = useRef(null);
  useEffect(() => {
    let stop = null;
    let gone = false;
    startCamera(video.current, onCode, onError)
      .then((s) => (gone ? s() : (stop = s)))
      .catch(onError);
    return () => {
      gone = true;
      stop?.();
    };
  }, []);
  return html`<video ref=${video} class="scan-video" data-testid="scan-video" muted playsinline></video>`;
}

export function Scan() {
  const { store, me, actions } = useApp();
  const keys = useLive(() => rows(store, 'signing_keys'), [store]);
  const revocations = useLive(() => rows(store, 'qr_revocations'), [store]);
  const products = useLive(() => store.db.products.toArray(), [store]);
  const debouncer = useMemo(() => createDebouncer(), []);
  const [result, setResult] = useState(null);
  const [duplicate, setDuplicate] = useState(null);
  const [camera, setCamera] = useState(false);
  const [error, setError] = useState(null);
  // The order being picked: product barcodes scanned now tick its lines.
  const [picking, setPicking] = useState(null);
  const [pickMessage, setPickMessage] = useState(null);
  const input = useRef(null);
  const role = me.user.role;
  const canRecord = mayMutate(role, 'scan.record');

  /** scan.record, when the server's vocabulary has it for this role; a failure to save is shown. */
  async function record(scan) {
    if (!canRecord) return;
    try {
      await actions.recordScan(scan);
    } catch (e) {
      setError(e);
    }
  }

  async function pickProduct(code) {
    const product = productByCode(products, code);
    const lines = await store.db.order_lines.where('order_id').equals(picking).toArray();
    const picked = await pickedNow(store, picking, lines);
    const got = pickScan(lines, picked, product);
    signal(got.result === 'ok' && !got.already);
    setPickMessage({ ...got, product, code, at: Date.now() });
    if (!got.already) {
      await record({ action: 'pick', result: got.result, code, orderId: picking, productId: product?.id });
    }
  }

  async function handle(text) {
    const code = cleanCode(text);
    if (!code) return;
    if (debouncer.seen(code, Date.now())) {
      setDuplicate(Date.now());
      await record({ action: picking && !isOrderCode(code) ? 'pick' : 'view', result: 'duplicate', code, orderId: picking ?? undefined });
      return;
    }
    setDuplicate(null);
    setError(null);
    if (picking && !isOrderCode(code)) {
      await pickProduct(code);
      return;
    }
    setPickMessage(null);
    if (!isOrderCode(code)) {
      const product = productByCode(products, code);
      if (product) {
        signal(true);
        setResult({ product, at: Date.now() });
        await record({ action: 'view', result: 'ok', code, productId: product.id });
        return;
      }
    }
    const revoked = new Set((revocations ?? []).map((r) => r.id));
    // The orders held here: a device's code is genuine only for its own user's order.
    const verdict = await verify(code, keys ?? [], revoked, (id) => store.db.orders.get(id));
    const order = verdict.orderId ? await store.db.orders.get(verdict.orderId) : null;
    if (picking && verdict.orderId !== picking) setPicking(null);
    signal(verdict.reason === 'valid');
    setResult({ verdict, order, code, token: parseScanned(code), at: Date.now() });
    await record({ action: 'view', result: scanResult(verdictKind(verdict.reason)), code, orderId: verdict.orderId ?? undefined });
  }
  // The camera calls the handler of the latest render (it was started by the first).
  const handler = useRef(handle);
  handler.current = handle;

  // A keyboard-wedge scanner types into whatever has the focus: keep it on the scan field.
  useEffect(() => {
    const refocus = () => setTimeout(() => {
      const active = document.activeElement;
      if (!active || active === document.body) input.current?.focus();
    }, 0);
    document.addEventListener('focusout', refocus);
    input.current?.focus();
    return () => document.removeEventListener('focusout', refocus);
  }, []);

  const onKeyDown = (e) => {
    if (e.key !== 'Enter') return;
    e.preventDefault();
    const value = e.currentTarget.value;
    e.currentTarget.value = '';
    handle(value);
  };
  // The order as it is now (a transition made here changes it).
  const liveOrder = useLive(() => (result?.order ? store.db.orders.get(result.order.id) : null), [store, result?.order?.id]);
  const shown = result?.verdict ? { ...result, order: liveOrder ?? result.order } : result;
  const genuineOrder = result?.order && verdictKind(result.verdict.reason) === 'genuine';
  return html`
    <${Screen} title=${t('scan.title')} back="/" testid="scan">
      <label class="field">
        <span>${picking ? t('pick.field') : t('scan.field')}</span>
        <input ref=${input} class="scan-input" data-testid="scan-input" autocomplete="off" autocapitalize="off"
          spellcheck="false" inputmode="none" placeholder=${t('scan.placeholder')} onKeyDown=${onKeyDown} />
      </label>
      <button type="button" class="secondary wide" data-testid="scan-camera" onClick=${() => setCamera(!camera)}>
        ${camera ? t('scan.cameraOff') : t('scan.cameraOn')}
      </button>
      ${camera && html`<${Camera} onCode=${(c) => handler.current(c)} onError=${setError} />`}
      <${ErrorBox} error=${error} />
      ${duplicate && html`<p class="muted" data-testid="scan-duplicate">${t('scan.duplicate')}</p>`}
      ${result?.product && html`<${ProductResult} product=${result.product} />`}
      ${result?.verdict && html`<${Result} result=${shown} keys=${keys} />`}
      ${genuineOrder && html`<${OrderActions} key=${result.order.id} orderId=${result.order.id} token=${result.token}
        code=${result.code} picking=${picking === result.order.id} pickMessage=${pickMessage}
        onPick=${(on) => { setPicking(on ? result.order.id : null); setPickMessage(null); input.current?.focus(); }}
        record=${record} />`}
      ${!keys?.length && html`<p class="muted" data-testid="scan-no-keys">${t('scan.noKeys')}</p>`}
      ${mayMutate(role, 'qr.redeem') && html`<${Leases} />`}
      <p><${Link} href="/scanner-test" data-testid="scanner-test-link">${t('scan.testScanner')}<//></p>
      ${mayMutate(role, 'stocktake.line') && html`<p><${Link} href="/stocktake" data-testid="stocktake-link">${t('stocktake.open')}<//></p>`}
    <//>`;
}
