// The receive / adjust tab of /admin/inventory: a product found by SKU, name or barcode (a
// scanner types into the field), a warehouse, a quantity and a note (a delivery note number,
// say). POST /api/admin/stock/adjust writes a stock move as a device's stock.move does; the move
// id is chosen here once per form, so a double submit is recorded once.

import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';

import { api } from '../../api.js';
import { uuid7 } from '../../core/ids.js';
import { t } from '../../i18n.js';
import { ErrorBox, Field, Select, useAction } from '../components.js';
import { may, useAdminList } from './common.js';
import { StateBadge, WarehouseSelect } from './inventory-common.js';

export function AdjustTab({ query, warehouses, onChanged, role }) {
  const [text, setText] = useState(query.get('sku') ?? '');
  const [search, setSearch] = useState(query.get('sku') ?? '');
  const [productId, setProductId] = useState('');
  const [warehouseId, setWarehouseId] = useState(query.get('warehouse_id') ?? '');
  const [reason, setReason] = useState('receive');
  const [qty, setQty] = useState('');
  const [note, setNote] = useState('');
  const [moveId, setMoveId] = useState(uuid7);
  const [done, setDone] = useState(null);
  const [run, busy, error, setError] = useAction();
  const [found] = useAdminList(`/api/admin/products?q=${encodeURIComponent(search)}&limit=20`, search.trim() !== '');
  const matches = search.trim() ? found?.rows ?? [] : [];
  useEffect(() => {
    // An exact SKU or barcode (a scan) picks its product; else the first match.
    const exact = matches.find((p) => p.sku === search.trim() || p.barcode === search.trim());
    setProductId((exact ?? matches[0])?.id ?? '');
  }, [found]);
  useEffect(() => {
    if (!warehouseId && warehouses?.length === 1) setWarehouseId(warehouses[0].id);
  }, [warehouses]);
  if (!may(role, 'inventory.manage')) return html`<p class="error" data-testid="admin-forbidden">${t('admin.forbidden')}</p>`;
  const submit = (e) => {
    e.preventDefault();
    const n = Number(qty);
    if (!Number.isInteger(n) || n === 0 || (reason === 'receive' && n < 0)) {
      setError(new Error(t(reason === 'receive' ? 'admin.inventory.qtyPositive' : 'admin.inventory.qtyNonZero')));
      return;
    }
    if (!productId || !warehouseId) {
      setError(new Error(t('admin.inventory.chooseBoth')));
      return;
    }
    run(async () => {
      const out = await api('POST', '/api/admin/stock/adjust', {
        id: moveId, product_id: productId, warehouse_id: warehouseId, delta: n, reason, note: note.trim() || null,
      });
      setDone(out);
      setMoveId(uuid7());
      setQty('');
      setNote('');
      onChanged();
    });
  };
  return html`
    <form class="card form" data-testid="adjust-form" onSubmit=${submit}>
      <h2>${t('admin.inventory.adjustTitle')}</h2>
      <${Select} label=${t('admin.inventory.reason')} value=${reason} onChange=${setReason} testid="adjust-reason"
        options=${[['receive', t('admin.inventory.reason.receive')], ['adjust', t('admin.inventory.reason.adjust')]]} />
      <${Field} label=${t('admin.inventory.findProduct')} value=${text} testid="adjust-product-search"
        placeholder=${t('admin.inventory.searchHint')}
        onInput=${setText} onBlur=${() => setSearch(text)}
        onKeyDown=${(e) => { if (e.key === 'Enter') { e.preventDefault(); setSearch(e.currentTarget.value); } }} />
      <${Select} label=${t('admin.inventory.product')} value=${productId} onChange=${setProductId} testid="adjust-product"
        options=${[['', matches.length ? t('admin.inventory.choose') : t('admin.inventory.noMatch')],
          ...matches.map((p) => [p.id, `${p.sku} · ${p.name}${p.barcode ? ` · ${p.barcode}` : ''}`])]} />
      <${WarehouseSelect} warehouses=${warehouses} value=${warehouseId} onChange=${setWarehouseId} testid="adjust-warehouse"
        first=${t('admin.inventory.choose')} />
      <${Field} label=${reason === 'receive' ? t('admin.inventory.qtyReceived') : t('admin.inventory.qtyDelta')}
        type="number" step="1" value=${qty} onInput=${setQty} testid="adjust-qty" required />
      <${Field} label=${t('admin.inventory.note')} value=${note} onInput=${setNote} testid="adjust-note" maxLength="200"
        placeholder=${t('admin.inventory.noteHint')} />
      <${ErrorBox} error=${error} />
      <div class="actions"><button type="submit" class="primary" data-testid="adjust-submit" disabled=${busy}>
        ${reason === 'receive' ? t('admin.inventory.receive') : t('admin.inventory.adjust')}</button></div>
      ${done && html`<p class="muted" role="status" data-testid="adjust-done">
        ${t('admin.inventory.adjusted', { sku: done.level.sku, warehouse: done.level.warehouse_code, delta: done.move.delta, onHand: done.level.on_hand })}
        <${StateBadge} state=${done.level.state} />
        ${done.conflict_id ? html` <strong>${t('admin.inventory.wentNegative')}</strong>` : ''}</p>`}
    </form>`;
}
