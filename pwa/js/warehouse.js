// The warehouse's online calls (docs/warehouse.md): redemption leases and stocktake sessions are
// taken while online, through the HTTP API; what they make reaches the device as synced rows
// (`redemption_leases`, `stocktakes`), so a sync follows each call.

import { api } from './api.js';

/** Leases redemption of `orderIds` to this device for `minutes`:
 * POST /api/redemption-leases → {id, device_id, expires_at, ...}. */
export function takeLeases(orderIds, minutes = 240) {
  return api('POST', '/api/redemption-leases', { order_ids: orderIds, minutes });
}

/** Releases a lease: DELETE /api/redemption-leases/{id}. */
export function releaseLease(leaseId) {
  return api('DELETE', `/api/redemption-leases/${encodeURIComponent(leaseId)}`);
}

/** Opens a stocktake session of a warehouse: POST /api/stocktakes → {id, ...}. */
export function startStocktake(warehouseId) {
  return api('POST', '/api/stocktakes', { warehouse_id: warehouseId });
}
