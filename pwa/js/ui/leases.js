// Redemption leases (docs/warehouse.md "Leases"), on the scan screen: online, a warehouse device
// reserves redemption of its warehouse's redeemable orders (POST /api/redemption-leases); while
// a lease is live only this device may redeem them, and other handhelds refuse offline. Shows
// the leases this device holds, with their expiry, and releases them.

import { html } from 'htm/preact';

import { redeemableStatuses } from '../core/vocab.js';
import { leasableOrders, leaseLive } from '../core/warehouse.js';
import { formatDateTime } from '../format.js';
import { t } from '../i18n.js';
import { releaseLease, takeLeases } from '../warehouse.js';
import { ErrorBox, useAction } from './components.js';
import { useApp } from './context.js';
import { useLive, useObservable } from './live.js';

export function Leases() {
  const { store, me, sync } = useApp();
  const [run, busy, error] = useAction();
  const status = useObservable(sync?.status);
  const online = status?.online ?? navigator.onLine;
  const warehouseId = me.user.warehouse_id;
  const deviceId = store.device?.id ?? me.device?.id;
  const data = useLive(async () => ({
    leases: await store.db.redemption_leases.toArray(),
    orders: warehouseId ? await store.db.orders.where('status').anyOf(redeemableStatuses()).toArray() : [],
    redemptions: await store.db.redemptions.toArray(),
    orderById: Object.fromEntries((await store.db.orders.toArray()).map((o) => [o.id, o])),
  }), [store, warehouseId]);
  if (!data) return null;
  const now = Date.now();
  const mine = data.leases.filter((l) => l.device_id === deviceId && leaseLive(l, now));
  const leased = new Set(data.leases.filter((l) => leaseLive(l, now)).map((l) => l.order_id));
  const candidates = leasableOrders(data.orders, data.redemptions, warehouseId).filter((o) => !leased.has(o.id));

  const reserve = () => run(async () => {
    await takeLeases(candidates.map((o) => o.id));
    await sync?.syncNow();
  });
  const release = (id) => run(async () => {
    await releaseLease(id);
    await sync?.syncNow();
  });
  return html`
    <section class="card leases" data-testid="leases">
      <h2>${t('lease.title')}</h2>
      ${warehouseId ? html`
        <button type="button" class="secondary wide" data-testid="lease-reserve" data-count=${candidates.length}
          disabled=${busy || !online || !candidates.length} onClick=${reserve}>
          ${t('lease.reserve', { count: candidates.length })}</button>
        ${!online && html`<p class="muted" data-testid="lease-offline">${t('lease.offline')}</p>`}`
      : html`<p class="muted">${t('lease.noWarehouse')}</p>`}
      <p class="muted" data-testid="lease-count" data-count=${mine.length}>${t('lease.held', { count: mine.length })}</p>
      <ul class="list">
        ${mine.map((l) => html`
          <li key=${l.id} data-testid="lease-item" data-order=${l.order_id}>
            <span>${data.orderById[l.order_id]?.number ?? l.order_id}</span>
            <small class="muted"> ${t('lease.until', { at: formatDateTime(l.expires_at) })}</small>
            <button type="button" class="small" data-testid="lease-release" disabled=${busy || !online}
              onClick=${() => release(l.id)}>${t('lease.release')}</button>
          </li>`)}
      </ul>
      <${ErrorBox} error=${error} />
    </section>`;
}
