// One order, what it is first and what can be done with it last: number, status and the "not
// synced yet" marker; customer and total; header fields (editable until the status locks them),
// lines, payments, its QR code (ui/qr.js), the status timeline; then the transitions this role
// may make, forward ones first, those that undo work asked again with a reason.

import { html } from 'htm/preact';
import { useState } from 'preact/hooks';

import { bpToPercent, percentToBp } from '../core/totals.js';
import { Invalid } from '../core/validate.js';
import { fieldsLocked, linesLocked, mayMutate, priorities, transitionsFor } from '../core/vocab.js';
import { formatDate, formatDateTime, formatMoney } from '../format.js';
import { t } from '../i18n.js';
import {
  ErrorBox, Facts, Field, Loading, PendingMark, Screen, Select, StatusBadge, useAction,
} from './components.js';
import { OrderConflicts } from './conflicts.js';
import { useApp } from './context.js';
import { useById, usePendingKeys, useWarehouses } from './hooks.js';
import { useLive } from './live.js';
import { DiscountInput } from './lines.js';
import { OrderLines } from './order-lines.js';
import { Payments } from './payments.js';
import { TEMPLATE_NAME_MAX, saveTemplate } from './personal.js';
import { OrderQr } from './qr.js';
import { Link } from './router.js';
import { LimitedField, fieldProblems } from './validation.js';

const FIELDS = ['priority', 'due_date', 'delivery_address', 'warehouse_id', 'notes'];
// Transitions that undo work or money: asked again, with a reason.
const ASK_REASON = new Set(['cancelled', 'on_hold', 'returned', 'refunded']);

function HeaderForm({ order, onDone }) {
  const { actions } = useApp();
  const warehouses = useWarehouses();
  const [values, setValues] = useState(() => Object.fromEntries(FIELDS.map((f) => [f, order[f] ?? ''])));
  // The order's discount, typed in percent; sent as discount_bp when it changed.
  const [discount, setDiscount] = useState(() => bpToPercent(order.discount_bp ?? 0));
  const [run, busy, error, setError] = useAction();
  const set = (field) => (value) => setValues({ ...values, [field]: value });
  // A field as the edit sends it: blank is null.
  const sent = (f) => (typeof values[f] === 'string' && values[f].trim() === '' ? null : values[f]);
  const save = (e) => {
    e.preventDefault();
    const changed = {};
    for (const f of FIELDS) {
      const value = sent(f);
      if (value !== (order[f] ?? null)) changed[f] = value;
    }
    const discountBp = percentToBp(discount);
    if (discountBp === null) return setError(new Error(t('line.bad.discount')));
    if (discountBp !== (order.discount_bp ?? 0)) changed.discount_bp = discountBp;
    // The whole edit is refused here, each field next to its problem, before anything is queued:
    // never half of it.
    const problems = Object.entries(changed).flatMap(([f, v]) => fieldProblems('order.update', ['set', f], v));
    if (problems.length) return setError(new Invalid('order.update', problems));
    return run(async () => {
      if (Object.keys(changed).length) await actions.updateOrder(order.id, changed);
      onDone();
    });
  };
  return html`
    <form class="form inset" onSubmit=${save} data-testid="order-form">
      <${Select} label=${t('order.priority')} value=${values.priority} onChange=${set('priority')} testid="order-priority"
        options=${priorities().map((p) => [p, t(`priority.${p}`)])} />
      <${Field} label=${t('order.dueDate')} type="date" value=${values.due_date} onInput=${set('due_date')} testid="order-due" />
      <${DiscountInput} label=${t('order.discount')} value=${discount} onInput=${setDiscount} testid="order-discount"
        wrong=${percentToBp(discount) === null} hint />
      <${LimitedField} name="order.update" path=${['set', 'delivery_address']} send=${sent('delivery_address')}
        label=${t('order.deliveryAddress')} value=${values.delivery_address} onInput=${set('delivery_address')}
        testid="order-address" multiline />
      <${Select} label=${t('order.warehouse')} value=${values.warehouse_id} onChange=${set('warehouse_id')} testid="order-warehouse"
        options=${[['', t('common.none')], ...warehouses.map((w) => [w.id, `${w.code} · ${w.name}`])]} />
      <${LimitedField} name="order.update" path=${['set', 'notes']} send=${sent('notes')}
        label=${t('order.notes')} value=${values.notes} onInput=${set('notes')} testid="order-notes" multiline />
      <${ErrorBox} error=${error} />
      <div class="actions">
        <button type="submit" class="primary" data-testid="order-save" disabled=${busy}>${t('common.save')}</button>
        <button type="button" data-testid="order-edit-cancel" onClick=${onDone}>${t('common.cancel')}</button>
      </div>
    </form>`;
}

function Transitions({ order }) {
  const { actions, me } = useApp();
  const [asking, setAsking] = useState(null);
  const [reason, setReason] = useState('');
  const [run, busy, error] = useAction();
  if (!mayMutate(me.user.role, 'order.transition')) return null;
  // Forward first, the undoing ones (danger) after them: the first big button moves work on.
  const next = transitionsFor(me.user.role, order.status)
    .sort((a, b) => Number(ASK_REASON.has(a)) - Number(ASK_REASON.has(b)));
  if (!next.length) return null;
  // Cancelling a held order needs a reason (the transition rule refuses it without one).
  const needsReason = asking === 'cancelled' && order.status === 'on_hold';
  const go = (to, why) => run(async () => {
    await actions.transition(order.id, to, why || undefined);
    setAsking(null);
    setReason('');
  });
  return html`
    <h2>${t('order.actions')}</h2>
    <div class="transitions" data-testid="order-actions">
      ${asking
        ? html`<div class="inset">
            <p>${t('transition.confirm', { status: t(`status.${asking}`) })}</p>
            <${LimitedField} name="order.transition" path=${['reason']} send=${reason.trim() || null}
              label=${needsReason ? t('transition.reasonRequired') : t('transition.reason')} value=${reason}
              onInput=${setReason} testid="transition-reason" required=${needsReason} />
            <div class="actions">
              <button type="button" class="danger" data-testid="transition-confirm" disabled=${busy || (needsReason && !reason.trim())}
                onClick=${() => go(asking, reason.trim())}>${t(`transition.to.${asking}`)}</button>
              <button type="button" onClick=${() => setAsking(null)}>${t('common.cancel')}</button>
            </div></div>`
        : next.map((to) => html`
            <button type="button" class=${ASK_REASON.has(to) ? 'danger' : 'primary'} data-testid=${`transition-${to}`}
              disabled=${busy} onClick=${() => (ASK_REASON.has(to) ? setAsking(to) : go(to))}>
              ${t(`transition.to.${to}`)}</button>`)}
      <${ErrorBox} error=${error} />
    </div>`;
}

function Timeline({ order }) {
  const { me } = useApp();
  const steps = Array.isArray(order.status_history) ? order.status_history : [];
  return html`
    <ol class="timeline" data-testid="status-timeline">
      ${steps.map((s, i) => html`
        <li key=${i} data-testid="timeline-step" data-status=${s.to}>
          <strong>${t(`status.${s.to}`)}</strong>
          <small> ${formatDateTime(s.at)}${s.by === me.user.id ? ` · ${t('common.me')}` : ''}</small>
          ${s.reason && html`<br /><small class="muted">${s.reason}</small>`}
        </li>`)}
    </ol>`;
}

export function OrderDetail({ params }) {
  const { store, me } = useApp();
  const order = useLive(() => store.db.orders.get(params.id), [store, params.id]);
  const customer = useLive(() => (order ? store.db.customers.get(order.customer_id) : null), [store, order?.customer_id]);
  const warehouses = useById('warehouses');
  const pending = usePendingKeys();
  const [editing, setEditing] = useState(false);
  if (!order) {
    return html`<${Screen} title=${t('order.title')} back="/orders">
      ${order === undefined ? html`<${Loading} />` : html`<p class="empty">${t('common.notFound')}</p>`}<//>`;
  }
  const role = me.user.role;
  const canEdit = !fieldsLocked(order.status) && mayMutate(role, 'order.update');
  const canEditLines = !linesLocked(order.status) && mayMutate(role, 'order.line.upsert');
  return html`
    <${Screen} title=${order.number} back="/orders" testid="order-detail">
      <div class="order-head">
        <strong class="number" data-testid="order-number">${order.number}</strong>
        <${StatusBadge} status=${order.status} testid="order-status" />
        ${pending.has(`orders:${order.id}`) && html`<${PendingMark} testid="order-pending" />`}
      </div>
      <div class="order-summary" data-testid="order-summary">
        <span>${customer ? html`<${Link} href=${`/customers/${customer.id}`} data-testid="order-summary-customer">${customer.name}<//>` : '…'}</span>
        <strong data-testid="order-summary-total">${formatMoney(order.total)}</strong>
      </div>
      <h2>${t('order.details')}</h2>
      ${editing ? html`<${HeaderForm} order=${order} onDone=${() => setEditing(false)} />` : html`
        <${Facts} rows=${[
          [t('order.customer'), customer ? html`<${Link} href=${`/customers/${customer.id}`}>${customer.name}<//>` : '…', 'order-customer'],
          [t('order.priority'), t(`priority.${order.priority}`), 'order-priority-value'],
          [t('order.dueDate'), order.due_date ? formatDate(order.due_date) : null, 'order-due-value'],
          [t('order.deliveryAddress'), order.delivery_address, 'order-address-value'],
          [t('order.warehouse'), order.warehouse_id ? (warehouses?.[order.warehouse_id]?.name ?? '…') : null, 'order-warehouse-value'],
          [t('order.notes'), order.notes, 'order-notes-value'],
          [t('order.created'), html`<time datetime=${order.created_at}>${formatDateTime(order.created_at)}</time>`, 'order-created-value'],
        ]} />
        ${canEdit && html`<button type="button" data-testid="order-edit" onClick=${() => setEditing(true)}>${t('common.edit')}</button>`}
        ${!canEdit && fieldsLocked(order.status) && html`<p class="muted" data-testid="order-locked">${t('order.locked')}</p>`}`}
      <h2>${t('order.lines')}</h2>
      <${OrderLines} order=${order} editable=${canEditLines} />
      <h2>${t('order.payments')}</h2>
      <${Payments} order=${order} canRecord=${mayMutate(role, 'payment.record')} />
      <h2>${t('qr.title')}</h2>
      <${OrderQr} order=${order} pending=${pending.has(`orders:${order.id}`)} />
      <h2>${t('order.timeline')}</h2>
      <${Timeline} order=${order} />
      <${OrderConflicts} order=${order} />
      <${Transitions} order=${order} />
      ${mayMutate(role, 'order.create') && html`<${Link} class="button big" href=${`/orders/new?again=${order.id}`}
        data-testid="order-again">${t('order.again')}<//>
        <${SaveTemplate} order=${order} customer=${customer} />`}
    <//>`;
}

/** "Save as template": this order's customer, lines and quantities kept on the phone under a
 * name, to start a new order from (ui/personal.js). */
function SaveTemplate({ order, customer }) {
  const { store } = useApp();
  const [name, setName] = useState(null); // null: not asked yet
  const [saved, setSaved] = useState(null);
  const [run, busy, error] = useAction();
  if (name === null) {
    return html`
      <button type="button" class="big" data-testid="template-save" onClick=${() => { setSaved(null); setName(customer?.name ?? order.number); }}>
        ${t('template.save')}</button>
      ${saved && html`<p class="ok" role="status" data-testid="template-saved">${t('template.saved', { name: saved })}</p>`}`;
  }
  const save = () => run(async () => {
    const lines = await store.db.order_lines.where('order_id').equals(order.id).toArray();
    const made = await saveTemplate(store, name, order, lines);
    setSaved(made.name);
    setName(null);
  });
  return html`
    <div class="inset" data-testid="template-form">
      <${Field} label=${t('template.name')} value=${name} onInput=${setName} testid="template-name" maxLength=${TEMPLATE_NAME_MAX} />
      <small class="hint">${t('template.nameHint', { max: TEMPLATE_NAME_MAX })}</small>
      <div class="actions">
        <button type="button" class="primary" data-testid="template-confirm" disabled=${busy || !name.trim()} onClick=${save}>
          ${t('common.save')}</button>
        <button type="button" onClick=${() => setName(null)}>${t('common.cancel')}</button>
      </div>
      <${ErrorBox} error=${error} />
    </div>`;
}
