// What a warehouse worker does with an order right after a genuine scan of its code (the scan
// screen, docs/warehouse.md): the transitions of their role that move goods (pick, pack, ship,
// return), a pick list ticked by scanning product barcodes, and redemption (核销) with the token
// just scanned — refused here, offline, when another device holds a live lease on the order.

import { html } from 'htm/preact';

import { mayMutate, transitionsFor } from '../core/vocab.js';
import { liveLease, pickedFromScans, redeemRefusal } from '../core/warehouse.js';
import { formatDateTime } from '../format.js';
import { t } from '../i18n.js';
import { ErrorBox, useAction } from './components.js';
import { useApp } from './context.js';
import { useLive } from './live.js';

// The transitions the scan screen offers (the rest are on the order's page).
const MOVES = ['picking', 'packed', 'shipped', 'returned'];

/** The mutations not yet seen back from the server: the outbox and what a push acknowledged. */
async function unsynced(db) {
  return [...(await db.unpulled.toArray()), ...(await db.outbox.toArray())];
}

/** The ids of the order's lines picked so far: pulled `scans` rows and this device's queued
 * `scan.record`s of `pick` / `ok`. */
export async function pickedNow(store, orderId, lines) {
  const pulled = await store.db.scans.where('order_id').equals(orderId).toArray();
  const seen = new Set(pulled.map((s) => s.id));
  const queued = (await unsynced(store.db))
    .filter((m) => m.name === 'scan.record' && m.args?.order_id === orderId && !seen.has(m.args.id))
    .map((m) => m.args);
  return pickedFromScans(lines, [...pulled, ...queued]);
}

function PickList({ order, message, onClose }) {
  const { store } = useApp();
  const data = useLive(async () => {
    const lines = await store.db.order_lines.where('order_id').equals(order.id).toArray();
    const products = Object.fromEntries((await store.db.products.bulkGet(lines.map((l) => l.product_id)))
      .filter(Boolean).map((p) => [p.id, p]));
    return { lines, products, picked: await pickedNow(store, order.id, lines) };
  }, [store, order.id]);
  if (!data) return null;
  const { lines, products, picked } = data;
  const done = lines.length > 0 && lines.every((l) => picked.has(l.id));
  return html`
    <div class="card pick-list" data-testid="pick-list" data-done=${String(done)}>
      <p class="muted">${t('pick.hint')}</p>
      ${message && html`
        <p class=${message.result === 'ok' ? 'ok' : 'error'} data-testid="pick-message" data-result=${message.result}>
          ${message.result === 'wrong_item'
            ? t('pick.wrongItem', { product: message.product?.name ?? message.code })
            : message.already ? t('pick.already', { product: message.product.name }) : t('pick.ticked', { product: message.product.name })}
        </p>`}
      <ul class="checklist">
        ${lines.map((l) => html`
          <li key=${l.id} data-testid="pick-line" data-product=${l.product_id} data-picked=${String(picked.has(l.id))}
            class=${picked.has(l.id) ? 'done' : ''}>
            <span class="tick" aria-hidden="true">${picked.has(l.id) ? '☑' : '☐'}</span>
            <span>${products[l.product_id]?.name ?? l.product_id}</span>
            <small class="muted"> × ${l.qty}${products[l.product_id]?.barcode ? ` · ${products[l.product_id].barcode}` : ''}</small>
          </li>`)}
      </ul>
      ${done && html`<p class="ok" data-testid="pick-done">${t('pick.done')}</p>`}
      <button type="button" data-testid="pick-close" onClick=${onClose}>${t('pick.close')}</button>
    </div>`;
}

function RedemptionState({ order, refusal, lease, queued, rejected, redemption }) {
  let status = null;
  if (redemption) status = redemption.status;
  else if (queued) status = 'queued';
  else if (rejected) status = 'rejected';
  return html`
    ${status && html`
      <p class=${`redemption ${status}`} data-testid="scan-redemption" data-status=${status}>
        ${t(`redeem.status.${status}`, { code: rejected?.code ?? '' })}
      </p>`}
    ${refusal && !['queued', 'redeemed'].includes(refusal) && html`
      <p class="error" data-testid="scan-redeem-refused" data-reason=${refusal}>
        ${t(`redeem.refused.${refusal}`, {
          until: lease ? formatDateTime(lease.expires_at) : '',
          status: t(`status.${order.status}`),
        })}
      </p>`}`;
}

/** The actions after a genuine scan of order `orderId` with `token` (the text read). */
export function OrderActions({ orderId, token, code, picking, pickMessage, onPick, record }) {
  const { store, me, actions } = useApp();
  const [run, busy, error] = useAction();
  const role = me.user.role;
  const data = useLive(async () => {
    const db = store.db;
    const order = await db.orders.get(orderId);
    const pending = await unsynced(db);
    const results = await db.results.where('status').equals('rejected').toArray();
    return {
      order,
      redemptions: await db.redemptions.where('order_id').equals(orderId).toArray(),
      leases: await db.redemption_leases.where('order_id').equals(orderId).toArray(),
      payments: await db.payments.where('order_id').equals(orderId).toArray(),
      queued: pending.some((m) => m.name === 'qr.redeem' && m.args?.order_id === orderId),
      rejected: results.filter((r) => r.name === 'qr.redeem' && r.args?.order_id === orderId).at(-1) ?? null,
    };
  }, [store, orderId]);
  if (!data?.order) return null;
  const { order } = data;
  const now = Date.now();
  const mayMove = mayMutate(role, 'order.transition');
  const next = mayMove ? transitionsFor(role, order.status).filter((s) => MOVES.includes(s)) : [];
  const mayPick = mayMove && (next.includes('picking') || order.status === 'picking');
  const mayRedeem = mayMutate(role, 'qr.redeem');
  const deviceId = store.device?.id ?? me.device?.id;
  const refusal = mayRedeem ? redeemRefusal({ ...data, deviceId, now }) : null;
  const lease = liveLease(data.leases, orderId, now);
  const redemption = data.redemptions.filter((r) => r.status !== 'refused').at(-1) ?? data.redemptions.at(-1) ?? null;

  const move = (to, action) => run(async () => {
    if (to === 'returned') await actions.transition(order.id, to, t('scan.returnReason'));
    else await actions.transition(order.id, to);
    await record({ action, result: 'ok', code, orderId: order.id });
  });
  const startPick = () => run(async () => {
    if (order.status !== 'picking') await actions.transition(order.id, 'picking');
    onPick(true);
  });
  const redeem = () => run(async () => {
    await actions.redeem(order.id, token);
    await record({ action: 'redeem', result: 'ok', code, orderId: order.id });
  });
  return html`
    <div class="card scan-actions" data-testid="scan-actions" data-status=${order.status}>
      <div class="actions">
        ${mayPick && !picking && html`
          <button type="button" class="primary" data-testid="scan-action-pick" disabled=${busy} onClick=${startPick}>
            ${order.status === 'picking' ? t('pick.continue') : t('pick.start')}</button>`}
        ${next.includes('packed') && html`
          <button type="button" class="primary" data-testid="scan-action-pack" disabled=${busy}
            onClick=${() => move('packed', 'pack')}>${t('transition.to.packed')}</button>`}
        ${next.includes('shipped') && html`
          <button type="button" class="primary" data-testid="scan-action-ship" disabled=${busy}
            onClick=${() => move('shipped', 'ship')}>${t('transition.to.shipped')}</button>`}
        ${next.includes('returned') && html`
          <button type="button" class="danger" data-testid="scan-action-return" disabled=${busy}
            onClick=${() => move('returned', 'return')}>${t('transition.to.returned')}</button>`}
        ${mayRedeem && html`
          <button type="button" class="primary" data-testid="scan-action-redeem" disabled=${busy || Boolean(refusal)}
            data-refusal=${refusal ?? ''} onClick=${redeem}>${t('redeem.action')}</button>`}
      </div>
      ${mayRedeem && html`<${RedemptionState} order=${order} refusal=${refusal} lease=${lease} queued=${data.queued}
        rejected=${data.rejected} redemption=${redemption} />`}
      ${picking && html`<${PickList} order=${order} message=${pickMessage} onClose=${() => onPick(false)} />`}
      <${ErrorBox} error=${error} />
    </div>`;
}
