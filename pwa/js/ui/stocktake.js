// Stocktaking (docs/warehouse.md): a session is opened online (POST /api/stocktakes) for the
// user's warehouse and kept on the device; then, offline as well, product barcodes are scanned
// (keyboard wedge into the focused field) or picked, the count entered, and each count is a
// `stocktake.line` mutation. The table shows the book stock (the device's stock_levels) against
// the count and the variance; a manager applies the session online.

import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';

import { cleanCode } from '../core/scan.js';
import { productByCode, stocktakeRows } from '../core/warehouse.js';
import { formatDateTime } from '../format.js';
import { t } from '../i18n.js';
import { startStocktake } from '../warehouse.js';
import { ErrorBox, Screen, Select, useAction } from './components.js';
import { useApp } from './context.js';
import { useWarehouses } from './hooks.js';
import { useLive, useObservable } from './live.js';

const SESSION_KEY = 'stocktake';

async function unsyncedLines(db, sessionId) {
  const pending = [...(await db.unpulled.toArray()), ...(await db.outbox.toArray())];
  return pending
    .filter((m) => m.name === 'stocktake.line' && m.args?.session_id === sessionId)
    .sort((a, b) => a.id - b.id)
    .map((m) => ({ ...m.args, queued: true }));
}

export function Stocktake() {
  const { store, me, sync, actions } = useApp();
  const warehouses = useWarehouses();
  const status = useObservable(sync?.status);
  const online = status?.online ?? navigator.onLine;
  const [warehouseId, setWarehouseId] = useState(me.user.warehouse_id ?? '');
  const [product, setProduct] = useState(null);
  const [counted, setCounted] = useState('');
  const [notFound, setNotFound] = useState(null);
  const [run, busy, error] = useAction();
  const scanInput = useRef(null);
  const countInput = useRef(null);
  const wh = warehouseId || warehouses[0]?.id || '';

  const session = useLive(() => store.meta(SESSION_KEY), [store]);
  const data = useLive(async () => {
    if (!session) return null;
    const pulled = await store.db.stocktake_lines.where('session_id').equals(session.id).toArray();
    pulled.sort((a, b) => String(a.at ?? a.created_at ?? '').localeCompare(String(b.at ?? b.created_at ?? '')));
    const seen = new Set(pulled.map((l) => l.id));
    const queued = (await unsyncedLines(store.db, session.id)).filter((l) => !seen.has(l.id));
    const levels = await store.db.stock_levels.where('warehouse_id').equals(session.warehouse_id).toArray();
    const products = await store.db.products.toArray();
    return { counts: [...pulled, ...queued], levels, products };
  }, [store, session?.id]);

  useEffect(() => scanInput.current?.focus(), [session?.id]);

  const start = () => run(async () => {
    const got = await startStocktake(wh);
    await store.setMeta(SESSION_KEY, { id: got.id, warehouse_id: got.warehouse_id ?? wh, started_at: got.started_at ?? got.created_at ?? new Date().toISOString() });
    sync?.syncNow().catch(() => {});
  });
  const finish = () => run(async () => {
    await store.db.meta.delete(SESSION_KEY);
    setProduct(null);
  });

  const onScan = (e) => {
    if (e.key !== 'Enter') return;
    e.preventDefault();
    const code = cleanCode(e.currentTarget.value);
    e.currentTarget.value = '';
    if (!code) return;
    const found = productByCode(data?.products, code);
    setNotFound(found ? null : code);
    setProduct(found);
    setCounted('');
    if (found) setTimeout(() => countInput.current?.focus(), 0);
  };
  const save = (e) => {
    e.preventDefault();
    const n = Number.parseInt(counted, 10);
    if (!product || !Number.isFinite(n) || n < 0) return;
    run(async () => {
      await actions.countStock({ sessionId: session.id, warehouseId: session.warehouse_id, productId: product.id, counted: n });
      setProduct(null);
      setCounted('');
      scanInput.current?.focus();
    });
  };

  const byId = Object.fromEntries((data?.products ?? []).map((p) => [p.id, p]));
  const rows = data ? stocktakeRows(data.counts, data.levels, byId) : [];
  const book = product ? (data?.levels.find((l) => l.product_id === product.id)?.on_hand ?? 0) : 0;
  const whName = (id) => warehouses.find((w) => w.id === id)?.name ?? id;
  return html`
    <${Screen} title=${t('stocktake.title')} back="/scan" testid="stocktake">
      ${!session ? html`
        ${!me.user.warehouse_id && html`<${Select} label=${t('order.warehouse')} value=${wh} onChange=${setWarehouseId}
          testid="stocktake-warehouse" options=${warehouses.map((w) => [w.id, `${w.code} · ${w.name}`])} />`}
        <button type="button" class="primary wide" data-testid="stocktake-start" disabled=${busy || !online || !wh}
          onClick=${start}>${t('stocktake.start', { warehouse: whName(wh) })}</button>
        ${!online && html`<p class="muted" data-testid="stocktake-offline">${t('stocktake.startOnline')}</p>`}`
      : html`
        <p data-testid="stocktake-session" data-session=${session.id} data-warehouse=${session.warehouse_id}>
          ${t('stocktake.session', { warehouse: whName(session.warehouse_id), at: formatDateTime(session.started_at) })}
        </p>
        <label class="field">
          <span>${t('stocktake.scan')}</span>
          <input ref=${scanInput} class="scan-input" data-testid="stocktake-scan" autocomplete="off" autocapitalize="off"
            spellcheck="false" placeholder=${t('scan.placeholder')} onKeyDown=${onScan} />
        </label>
        ${notFound && html`<p class="error" data-testid="stocktake-unknown">${t('stocktake.unknown', { code: notFound })}</p>`}
        ${product && html`
          <form class="form inset" onSubmit=${save} data-testid="stocktake-count-form" data-product=${product.id}>
            <p><strong data-testid="stocktake-product">${product.name}</strong>
              <small class="muted"> ${product.sku} · ${t('stocktake.book')}: ${book}</small></p>
            <label class="field"><span>${t('stocktake.counted')}</span>
              <input ref=${countInput} type="number" min="0" inputmode="numeric" data-testid="stocktake-count"
                value=${counted} onInput=${(e) => setCounted(e.currentTarget.value)} /></label>
            <button type="submit" class="primary" data-testid="stocktake-save" disabled=${busy || counted === ''}>
              ${t('common.save')}</button>
          </form>`}
        <table class="stocktake-table" data-testid="stocktake-lines">
          <thead><tr><th>${t('stocktake.product')}</th><th>${t('stocktake.book')}</th>
            <th>${t('stocktake.counted')}</th><th>${t('stocktake.variance')}</th></tr></thead>
          <tbody>
            ${rows.map((r) => html`
              <tr key=${r.product_id} data-testid="stocktake-line" data-product=${r.product_id} data-queued=${String(r.queued)}>
                <td>${r.product?.name ?? r.product_id}</td>
                <td data-testid="stocktake-line-book">${r.book}</td>
                <td data-testid="stocktake-line-counted">${r.counted}</td>
                <td data-testid="stocktake-line-variance" class=${r.variance < 0 ? 'neg' : r.variance > 0 ? 'pos' : ''}>
                  ${r.variance > 0 ? `+${r.variance}` : r.variance}</td>
              </tr>`)}
          </tbody>
        </table>
        ${!rows.length && html`<p class="empty">${t('stocktake.none')}</p>`}
        <button type="button" data-testid="stocktake-finish" onClick=${finish}>${t('stocktake.finish')}</button>`}
      <${ErrorBox} error=${error} />
    <//>`;
}
