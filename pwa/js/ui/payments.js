// The payments of an order, and recording one (method, amount, status).

import { html } from 'htm/preact';
import { useState } from 'preact/hooks';

import { Invalid } from '../core/validate.js';
import { formatDateTime, formatMoney, inputToMinor, minorToInput } from '../format.js';
import { t } from '../i18n.js';
import { Empty, ErrorBox, Field, Loading, Select, useAction } from './components.js';
import { useApp } from './context.js';
import { useLive } from './live.js';
import { PAYMENT_METHODS } from './order-new.js';
import { FieldProblems, fieldProblems, rangeHint } from './validation.js';

const PAYMENT_STATUSES = ['paid', 'pending', 'failed', 'refunded'];

function PaymentForm({ order, paid, onDone }) {
  const { actions } = useApp();
  const [form, setForm] = useState({
    method: 'cash', amount: minorToInput(Math.max(0, (order.total ?? 0) - paid)), status: 'paid',
  });
  const [run, busy, error, setError] = useAction();
  const set = (field) => (value) => setForm({ ...form, [field]: value });
  const parsed = inputToMinor(form.amount);
  const problems = parsed === null ? [] : fieldProblems('payment.record', ['amount'], parsed);
  const save = (e) => {
    e.preventDefault();
    const amount = inputToMinor(form.amount);
    if (amount === null) return setError(new Error(t('line.bad.price')));
    if (problems.length) return setError(new Invalid('payment.record', problems));
    return run(async () => {
      await actions.recordPayment(order.id, { method: form.method, amount, status: form.status });
      onDone();
    });
  };
  return html`
    <form class="form inset" onSubmit=${save} data-testid="payment-form">
      <${Select} label=${t('payment.method')} value=${form.method} onChange=${set('method')} testid="payment-method"
        options=${PAYMENT_METHODS.map((m) => [m, t(`pay.${m}`)])} />
      <${Field} label=${t('payment.amount')} value=${form.amount} onInput=${set('amount')} testid="payment-amount" inputmode="decimal"
        aria-invalid=${problems.length ? 'true' : 'false'} />
      <small class="hint" data-testid="payment-amount-range">${rangeHint('payment.record', ['amount'])}</small>
      <${FieldProblems} problems=${problems} testid="payment-amount-problem" />
      <${Select} label=${t('payment.status')} value=${form.status} onChange=${set('status')} testid="payment-status"
        options=${PAYMENT_STATUSES.map((s) => [s, t(`paystatus.${s}`)])} />
      <${ErrorBox} error=${error} />
      <div class="actions">
        <button type="submit" class="primary" data-testid="payment-save" disabled=${busy}>${t('common.save')}</button>
        <button type="button" onClick=${onDone}>${t('common.cancel')}</button>
      </div>
    </form>`;
}

export function Payments({ order, canRecord }) {
  const { store } = useApp();
  const payments = useLive(
    () => store.db.payments.where('order_id').equals(order.id).sortBy('created_at'), [store, order.id]);
  const [adding, setAdding] = useState(false);
  if (!payments) return html`<${Loading} />`;
  const paid = payments.filter((p) => p.status === 'paid').reduce((sum, p) => sum + p.amount, 0);
  return html`
    ${payments.length ? html`
      <ul class="list compact" data-testid="payments">
        ${payments.map((p) => html`<li key=${p.id} data-testid="payment" data-status=${p.status}>
          <span class="main">${t(`pay.${p.method}`)} · ${formatMoney(p.amount)}
            <span class="badge">${t(`paystatus.${p.status}`)}</span></span>
          <span class="sub">${formatDateTime(p.created_at)}</span></li>`)}
      </ul>
      <p class="muted">${t('payment.paid', { paid: formatMoney(paid), total: formatMoney(order.total) })}</p>`
      : html`<${Empty}>${t('payment.none')}<//>`}
    ${canRecord && (adding
      ? html`<${PaymentForm} order=${order} paid=${paid} onDone=${() => setAdding(false)} />`
      : html`<button type="button" data-testid="payment-add" onClick=${() => setAdding(true)}>+ ${t('payment.add')}</button>`)}`;
}
