// The warehouse flows on the device (docs/warehouse.md), as pure questions on rows: what a scan
// records, whether this device may redeem an order now, picking a list by product barcodes, and
// stocktake variance. No DOM, no IndexedDB: the screens hand the rows over.

import { decodeToken, parseScanned } from './qr.js';
import { redeemableStatuses } from './vocab.js';

/** The scan.record `result` of a verification verdict's kind (ui/scan.js verdictKind). */
export function scanResult(kind) {
  return { genuine: 'valid', forged: 'forged', revoked: 'revoked', unknown: 'unknown' }[kind] ?? 'forged';
}

/** Whether what a scanner read is meant as an order code (a `/q/` URL or a whole token), not a
 * product barcode. A damaged order code still counts as one: it must show as forged. */
export function isOrderCode(text) {
  const s = String(text ?? '').trim();
  if (s.toLowerCase().includes('/q/')) return true;
  return decodeToken(parseScanned(s)) !== null;
}

/** The product a scanned code names: its barcode, else its SKU (case-insensitive); or null. */
export function productByCode(products, code) {
  const c = String(code ?? '').trim();
  if (!c) return null;
  const list = products ?? [];
  return (
    list.find((p) => p.barcode && p.barcode === c) ??
    list.find((p) => p.sku && p.sku.toLowerCase() === c.toLowerCase()) ??
    null
  );
}

function ms(iso) {
  const at = Date.parse(iso && !/[zZ]|[+-]\d\d:?\d\d$/.test(iso) ? `${iso}Z` : iso);
  return Number.isNaN(at) ? 0 : at;
}

/** Whether a `redemption_leases` row holds at `now` (ms): not released, not expired. */
export function leaseLive(lease, now = Date.now()) {
  return Boolean(lease) && !lease.released && ms(lease.expires_at) > now;
}

/** The live lease on `orderId` among `leases`, or null. */
export function liveLease(leases, orderId, now = Date.now()) {
  return (leases ?? []).find((l) => l.order_id === orderId && leaseLive(l, now)) ?? null;
}

/** Paid amount of an order (payments with status paid). */
export function paidAmount(payments) {
  return (payments ?? []).filter((p) => p.status === 'paid').reduce((sum, p) => sum + (p.amount ?? 0), 0);
}

/**
 * Why this device may not redeem `order` now, or null when it may (docs/warehouse.md rules, as
 * far as the device can tell offline; the server decides). `redemptions`, `leases`, `payments`:
 * the order's rows on the device; `queued`: a qr.redeem of this order is in the outbox.
 * Reasons: `status`, `unpaid`, `redeemed`, `queued`, `leased`.
 */
export function redeemRefusal({ order, redemptions = [], leases = [], payments = [], queued = false, deviceId, now = Date.now() }) {
  const lease = liveLease(leases, order.id, now);
  if (lease && lease.device_id !== deviceId) return 'leased';
  if (queued) return 'queued';
  if (redemptions.some((r) => r.order_id === order.id && r.status !== 'refused')) return 'redeemed';
  if (!redeemableStatuses().includes(order.status)) return 'status';
  if (paidAmount(payments) < (order.total ?? 0)) return 'unpaid';
  return null;
}

/** The orders this device may try to lease: in `warehouseId`, redeemable, not redeemed. */
export function leasableOrders(orders, redemptions, warehouseId) {
  const done = new Set((redemptions ?? []).filter((r) => r.status !== 'refused').map((r) => r.order_id));
  const statuses = redeemableStatuses();
  return (orders ?? []).filter((o) => o.warehouse_id === warehouseId && statuses.includes(o.status) && !done.has(o.id));
}

/**
 * A product barcode scanned while picking `lines` (the order's lines), with `picked` the ids of
 * lines already ticked: `{result: 'ok', line}` ticks the first unticked line of that product;
 * `{result: 'ok', line: null, already: true}` when all its lines are ticked already;
 * `{result: 'wrong_item', line: null}` when the order has no line of that product (or the code
 * names no product: `product` null).
 */
export function pickScan(lines, picked, product) {
  const mine = (lines ?? []).filter((l) => product && l.product_id === product.id);
  if (!mine.length) return { result: 'wrong_item', line: null };
  const line = mine.find((l) => !picked.has(l.id)) ?? null;
  return line ? { result: 'ok', line } : { result: 'ok', line: null, already: true };
}

/** The line ids of an order that `scans` (scans rows, or scan.record args) show as picked. */
export function pickedFromScans(lines, scans) {
  const picked = new Set();
  const counts = new Map();
  for (const s of scans ?? []) {
    if (s.action === 'pick' && s.result === 'ok' && s.product_id) counts.set(s.product_id, (counts.get(s.product_id) ?? 0) + 1);
  }
  for (const line of lines ?? []) {
    const n = counts.get(line.product_id) ?? 0;
    if (n > 0) {
      picked.add(line.id);
      counts.set(line.product_id, n - 1);
    }
  }
  return picked;
}

/**
 * The rows of a stocktake: one per product counted, the latest count winning (`counts` in the
 * order they were made: pulled `stocktake_lines` then queued `stocktake.line` args), with the
 * book figure (`on_hand` of the device's stock level) and variance = counted − book.
 */
export function stocktakeRows(counts, levels, productsById = {}) {
  const latest = new Map();
  for (const c of counts ?? []) latest.set(c.product_id, c);
  const book = new Map((levels ?? []).map((l) => [l.product_id, l.on_hand ?? 0]));
  return [...latest.values()].map((c) => {
    const onHand = book.get(c.product_id) ?? 0;
    return {
      product_id: c.product_id,
      product: productsById[c.product_id] ?? null,
      book: onHand,
      counted: c.counted,
      variance: c.counted - onHand,
      queued: Boolean(c.queued),
    };
  });
}
