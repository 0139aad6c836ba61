// The warehouses tab of /admin/inventory: every warehouse (code, name, address, how many
// products it holds stock of, its total on hand), and the form that creates or changes one.

import { html } from 'htm/preact';
import { useState } from 'preact/hooks';

import { api } from '../../api.js';
import { t } from '../../i18n.js';
import { Empty, ErrorBox, Field, Loading, useAction } from '../components.js';
import { navigate } from '../router.js';
import { may } from './common.js';
import { qs } from './inventory-common.js';

function WarehouseForm({ warehouse, onSaved, onCancel }) {
  const [code, setCode] = useState(warehouse?.code ?? '');
  const [name, setName] = useState(warehouse?.name ?? '');
  const [address, setAddress] = useState(warehouse?.address ?? '');
  const [run, busy, error] = useAction();
  const submit = (e) => {
    e.preventDefault();
    const body = { code: code.trim(), name: name.trim(), address: address.trim() || null };
    run(async () => {
      if (warehouse) await api('PATCH', `/api/admin/warehouses/${encodeURIComponent(warehouse.id)}`, body);
      else await api('POST', '/api/admin/warehouses', body);
      onSaved();
    });
  };
  return html`
    <form class="card form" data-testid="warehouse-form" onSubmit=${submit}>
      <h2>${warehouse ? t('admin.inventory.editWarehouse', { code: warehouse.code }) : t('admin.inventory.newWarehouse')}</h2>
      <${Field} label=${t('admin.inventory.code')} value=${code} onInput=${setCode} testid="warehouse-code" required maxLength="16" />
      <${Field} label=${t('admin.inventory.name')} value=${name} onInput=${setName} testid="warehouse-name" required maxLength="200" />
      <${Field} label=${t('admin.inventory.address')} value=${address} onInput=${setAddress} testid="warehouse-address" multiline />
      <${ErrorBox} error=${error} />
      <div class="actions">
        <button type="submit" class="primary" data-testid="warehouse-save" disabled=${busy}>${t('common.save')}</button>
        <button type="button" data-testid="warehouse-cancel" onClick=${onCancel}>${t('common.cancel')}</button>
      </div>
    </form>`;
}

export function WarehousesTab({ warehouses, onChanged, role }) {
  const [editing, setEditing] = useState(null); // null, 'new' or a warehouse row
  const manage = may(role, 'inventory.manage');
  const saved = () => {
    setEditing(null);
    onChanged();
  };
  return html`
    ${manage && !editing && html`<div class="actions"><button type="button" data-testid="warehouse-new"
      onClick=${() => setEditing('new')}>${t('admin.inventory.newWarehouse')}</button></div>`}
    ${editing && html`<${WarehouseForm} key=${editing === 'new' ? 'new' : editing.id} warehouse=${editing === 'new' ? null : editing}
      onSaved=${saved} onCancel=${() => setEditing(null)} />`}
    ${warehouses === undefined ? html`<${Loading} />` : warehouses?.length === 0 ? html`<${Empty}>${t('admin.inventory.noWarehouses')}<//>` : warehouses && html`
      <div class="table-wrap" tabindex="0" role="region" aria-label=${t('admin.inventory.tab.warehouses')}>
        <table class="admin-table" data-testid="warehouses-table">
          <thead><tr>
            <th>${t('admin.inventory.code')}</th><th>${t('admin.inventory.name')}</th><th>${t('admin.inventory.address')}</th>
            <th>${t('admin.inventory.productsHeld')}</th><th>${t('admin.inventory.onHand')}</th><th><span class="visually-hidden">${t('common.actions')}</span></th>
          </tr></thead>
          <tbody>${warehouses.map((w) => html`
            <tr key=${w.id} data-testid="warehouse-row" data-code=${w.code}>
              <td><code>${w.code}</code></td>
              <td data-testid="warehouse-row-name">${w.name}</td>
              <td>${w.address ?? '—'}</td>
              <td class="num">${w.products}</td>
              <td class="num">${w.on_hand}</td>
              <td class="row-actions">
                <button type="button" data-testid="warehouse-stock"
                  onClick=${() => navigate(`/admin/inventory?${qs({ tab: 'stock', warehouse_id: w.id })}`)}>${t('admin.inventory.tab.stock')}</button>
                ${manage && html`<button type="button" data-testid="warehouse-edit" onClick=${() => setEditing(w)}>${t('common.edit')}</button>`}
              </td>
            </tr>`)}</tbody>
        </table>
      </div>`}`;
}
