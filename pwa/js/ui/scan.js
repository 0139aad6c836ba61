// Scan an order QR code, offline (docs/qr.md, docs/warehouse.md): a field that keeps the focus
// for keyboard-wedge scanners (characters, then Enter) and the camera. The token is verified on
// the device against the pulled signing keys and revocations; the result says genuine, forged,
// revoked or unknown, with the order when this device has it and the signed summary when not.

import { html } from 'htm/preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';

import { signal, startCamera } from '../camera.js';
import { verify } from '../core/qr.js';
import { cleanCode, createDebouncer } from '../core/scan.js';
import { formatDateTime } from '../format.js';
import { t } from '../i18n.js';
import { ErrorBox, Screen, StatusBadge } from './components.js';
import { useApp } from './context.js';
import { useLive } from './live.js';
import { Link } from './router.js';

const GENUINE = new Set(['valid']);
const REVOKED = new Set(['revoked_token', 'revoked_key']);

/** The verdict's headline: genuine / forged / revoked / unknown signer. */
export function verdictKind(reason) {
  if (GENUINE.has(reason)) return 'genuine';
  if (REVOKED.has(reason)) return 'revoked';
  if (reason === 'unknown_key') return 'unknown';
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
          ${' '}<${StatusBadge} status=${order.status} />
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
  const { store } = useApp();
  const keys = useLive(() => rows(store, 'signing_keys'), [store]);
  const revocations = useLive(() => rows(store, 'qr_revocations'), [store]);
  const debouncer = useMemo(() => createDebouncer(), []);
  const [result, setResult] = useState(null);
  const [duplicate, setDuplicate] = useState(null);
  const [camera, setCamera] = useState(false);
  const [error, setError] = useState(null);
  const input = useRef(null);

  async function handle(text) {
    const code = cleanCode(text);
    if (!code) return;
    if (debouncer.seen(code, Date.now())) {
      setDuplicate(Date.now());
      return;
    }
    setDuplicate(null);
    const revoked = new Set((revocations ?? []).map((r) => r.id));
    const verdict = await verify(code, keys ?? [], revoked);
    const order = verdict.orderId ? await store.db.orders.get(verdict.orderId) : null;
    signal(verdict.reason === 'valid');
    setResult({ verdict, order, at: Date.now() });
  }

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
  return html`
    <${Screen} title=${t('scan.title')} back="/" testid="scan">
      <label class="field">
        <span>${t('scan.field')}</span>
        <input ref=${input} class="scan-input" data-testid="scan-input" autocomplete="off" autocapitalize="off"
          spellcheck="false" inputmode="none" placeholder=${t('scan.placeholder')} onKeyDown=${onKeyDown} />
      </label>
      <button type="button" class="secondary wide" data-testid="scan-camera" onClick=${() => setCamera(!camera)}>
        ${camera ? t('scan.cameraOff') : t('scan.cameraOn')}
      </button>
      ${camera && html`<${Camera} onCode=${handle} onError=${setError} />`}
      <${ErrorBox} error=${error} />
      ${duplicate && html`<p class="muted" data-testid="scan-duplicate">${t('scan.duplicate')}</p>`}
      ${result && html`<${Result} result=${result} keys=${keys} />`}
      ${!keys?.length && html`<p class="muted" data-testid="scan-no-keys">${t('scan.noKeys')}</p>`}
      <p><${Link} href="/scanner-test" data-testid="scanner-test-link">${t('scan.testScanner')}<//></p>
    <//>`;
}

