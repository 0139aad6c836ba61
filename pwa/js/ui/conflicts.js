// My conflicts: what the server could not apply as I sent it. The detail shows the value I
// started from (base), the server's and mine side by side, and settles it: keep the server's,
// use mine, type another value, or leave it to an admin (actions.resolveConflict).

import { html } from 'htm/preact';
import { useState } from 'preact/hooks';

import { formatDateTime, formatMoney, formatNumber } from '../format.js';
import { hasKey, t } from '../i18n.js';
import { Empty, ErrorBox, Field, Loading, Screen, Select, useAction } from './components.js';
import { useApp } from './context.js';
import { useOpenConflicts } from './hooks.js';
import { useLive } from './live.js';
import { PRIORITIES } from './order-new.js';
import { Link } from './router.js';

/** A conflict's value as a person reads it. */
export function showValue(field, value) {
  if (value === null || value === undefined || value === '') return '—';
  if (field === 'status' && hasKey(`status.${value}`)) return t(`status.${value}`);
  if (field === 'priority' && hasKey(`priority.${value}`)) return t(`priority.${value}`);
  if (typeof value === 'object' && 'qty' in value && 'unit_price' in value) {
    return `${formatNumber(value.qty)} × ${formatMoney(value.unit_price)}`;
  }
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export function what(c) {
  const kind = hasKey(`conflict.kind.${c.kind}`) ? t(`conflict.kind.${c.kind}`) : c.kind;
  const field = c.field ? (hasKey(`field.${c.field}`) ? t(`field.${c.field}`) : c.field) : null;
  return field ? `${kind} · ${field}` : kind;
}

export function ConflictList() {
  const open = useOpenConflicts();
  return html`
    <${Screen} title=${t('conflicts.title')} testid="conflicts">
      ${!open ? html`<${Loading} />` : !open.length ? html`<${Empty}>${t('conflicts.none')}<//>` : html`
        <ul class="list">
          ${[...open].sort((a, b) => (a.created_at < b.created_at ? 1 : -1)).map((c) => html`
            <li key=${c.id}><${Link} href=${`/conflicts/${c.id}`} data-testid="conflict-item" data-id=${c.id} data-kind=${c.kind}>
              <span class="main">${what(c)}
                ${c.status === 'referred' && html` <span class="badge">${t('conflict.referred')}</span>`}</span>
              <span class="sub">${c.reason}</span>
              <span class="sub">${formatDateTime(c.created_at)}</span>
            <//></li>`)}
        </ul>`}
    <//>`;
}

function Values({ conflict }) {
  const cell = (label, value, testid) => html`
    <div class="value" data-testid=${testid}><small>${label}</small><strong>${showValue(conflict.field, value)}</strong></div>`;
  return html`
    <div class="side-by-side">
      ${cell(t('conflict.base'), conflict.base_value, 'conflict-base')}
      ${cell(t('conflict.server'), conflict.server_value, 'conflict-server')}
      ${cell(t('conflict.mine'), conflict.client_value, 'conflict-mine')}
    </div>`;
}

// The server takes a value of its own ("use mine", "type a value") for field conflicts of
// orders and customers; other kinds are settled by keeping the server's or by an admin.
export const VALUE_TABLES = new Set(['orders', 'customers']);

export function CustomInput({ field, value, onInput }) {
  if (field === 'priority') {
    return html`<${Select} label=${t('conflict.newValue')} value=${value} onChange=${onInput} testid="conflict-custom-value"
      options=${PRIORITIES.map((p) => [p, t(`priority.${p}`)])} />`;
  }
  const type = field === 'due_date' ? 'date' : 'text';
  return html`<${Field} label=${t('conflict.newValue')} type=${type} value=${value} onInput=${onInput}
    testid="conflict-custom-value" multiline=${field === 'notes' || field === 'address' || field === 'delivery_address'} />`;
}

function Resolve({ conflict }) {
  const { actions } = useApp();
  const takesValue = conflict.kind === 'field' && VALUE_TABLES.has(conflict.table_name);
  const [custom, setCustom] = useState(null);
  const [run, busy, error] = useAction();
  const resolve = (resolution, value) => run(() => actions.resolveConflict(conflict.id, resolution, value));
  return html`
    <div class="resolve">
      <button type="button" class="big" data-testid="conflict-keep-server" disabled=${busy}
        onClick=${() => resolve('server')}>${t('conflict.keepServer')}</button>
      ${takesValue && html`<button type="button" class="big" data-testid="conflict-use-mine" disabled=${busy}
        onClick=${() => resolve('client')}>${t('conflict.useMine')}</button>`}
      ${!takesValue ? null : custom === null
        ? html`<button type="button" class="big" data-testid="conflict-custom" disabled=${busy}
            onClick=${() => setCustom(typeof conflict.client_value === 'string' ? conflict.client_value : '')}>
            ${t('conflict.typeValue')}</button>`
        : html`<div class="inset">
            <${CustomInput} field=${conflict.field} value=${custom} onInput=${setCustom} />
            <button type="button" class="primary" data-testid="conflict-custom-save" disabled=${busy}
              onClick=${() => resolve('custom', custom)}>${t('common.save')}</button></div>`}
      <button type="button" class="big" data-testid="conflict-admin" disabled=${busy}
        onClick=${() => resolve('admin')}>${t('conflict.leaveToAdmin')}</button>
      <${ErrorBox} error=${error} />
    </div>`;
}

/** The order (or customer) a conflict is about, as a link. */
function Subject({ conflict }) {
  const { store } = useApp();
  const row = useLive(() => (store.db[conflict.table_name] ? store.db.table(conflict.table_name).get(conflict.row_id) : null),
    [store, conflict.table_name, conflict.row_id]);
  if (!row) return null;
  if (conflict.table_name === 'orders') return html`<${Link} href=${`/orders/${row.id}`} data-testid="conflict-subject">${row.number}<//>`;
  if (conflict.table_name === 'customers') return html`<${Link} href=${`/customers/${row.id}`} data-testid="conflict-subject">${row.name}<//>`;
  return null;
}

export function ConflictDetail({ params }) {
  const { store } = useApp();
  const conflict = useLive(() => store.db.conflicts.get(params.id), [store, params.id]);
  if (!conflict) return html`<${Screen} title=${t('conflict.title')} back="/conflicts">
    ${conflict === undefined ? html`<${Loading} />` : html`<p class="empty">${t('common.notFound')}</p>`}<//>`;
  const open = conflict.status === 'open';
  return html`
    <${Screen} title=${t('conflict.title')} back="/conflicts" testid="conflict-detail">
      <p><strong>${what(conflict)}</strong> <${Subject} conflict=${conflict} /></p>
      <p class="muted" data-testid="conflict-reason">${conflict.reason}</p>
      <${Values} conflict=${conflict} />
      <p class="muted">${formatDateTime(conflict.created_at)} · <span data-testid="conflict-status">${
        hasKey(`conflict.status.${conflict.status}`) ? t(`conflict.status.${conflict.status}`) : conflict.status}</span></p>
      ${open ? html`<${Resolve} conflict=${conflict} />`
        : conflict.status === 'referred' && html`<p class="note">${t('conflict.referredHint')}</p>`}
    <//>`;
}
