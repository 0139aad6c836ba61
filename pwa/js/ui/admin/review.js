// /admin/review (docs/admin.md § Review): what waits for a person — orders the review rules (or
// someone) put on hold, with the reasons in words, to release (→ confirmed, stock reserved) or
// cancel; redemptions pending review, to approve or refuse — and the rules' editor.
// orders.review to see; redemptions.review to decide on redemptions; reviewrules.edit to edit.

import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';

import { api } from '../../api.js';
import { formatAgo, formatDateTime, formatMoney, inputToMinor, minorToInput } from '../../format.js';
import { t } from '../../i18n.js';
import { Badge, Empty, ErrorBox, Loading, Screen, useAction } from '../components.js';
import { useApp } from '../context.js';
import { may, useAdminList } from './common.js';

/** One reason of a hold in words: the rule's own sentence, else the step's text. */
export function reasonText(r) {
  if (r.rule === 'abnormal_amount') {
    return t('admin.review.reason.abnormal_amount', { total: formatMoney(r.total), limit: formatMoney(r.limit) });
  }
  if (r.rule === 'credit_limit') {
    return t('admin.review.reason.credit_limit', { open: formatMoney(r.open_total), limit: formatMoney(r.limit) });
  }
  if (r.rule === 'required_fields') {
    const fields = (r.missing ?? []).map((f) => t(`admin.review.field.${f}`)).join(t('admin.review.listSep'));
    return t('admin.review.reason.required_fields', { fields });
  }
  return r.detail ?? r.rule;
}

function Reasons({ order }) {
  if (order.reasons.length === 0) {
    return html`<span data-testid="review-reason">${order.reason || t('admin.review.heldByPerson')}</span>`;
  }
  return html`<ul class="plain">${order.reasons.map((r) => html`
    <li key=${r.rule} data-testid="review-reason" data-rule=${r.rule}>${reasonText(r)}</li>`)}</ul>`;
}

function OrderRow({ order, onDone }) {
  const [run, busy, error] = useAction();
  const [cancelling, setCancelling] = useState(false);
  const decide = (decision) => run(async () => {
    await api('POST', `/api/admin/review/orders/${order.id}`, { decision });
    onDone();
  });
  return html`
    <tr data-testid="review-order" data-number=${order.number} data-id=${order.id}>
      <td><a href=${`/admin/orders/${order.id}`}><strong>${order.number}</strong></a>
        <br /><small class="muted">${order.owner_name ?? ''}</small></td>
      <td>${order.customer_name ?? '—'}</td>
      <td class="num">${formatMoney(order.total)}</td>
      <td><${Reasons} order=${order} /></td>
      <td title=${formatDateTime(order.since)}>${formatAgo(order.since)}</td>
      <td class="row-actions">
        ${cancelling
          ? html`
            <button type="button" class="danger primary-danger" data-testid="review-cancel-confirm" disabled=${busy}
              onClick=${() => decide('cancel')}>${t('admin.review.cancelConfirm', { number: order.number })}</button>
            <button type="button" data-testid="review-cancel-back" onClick=${() => setCancelling(false)}>${t('common.cancel')}</button>`
          : html`
            <button type="button" class="primary" data-testid="review-release" disabled=${busy}
              onClick=${() => decide('release')}>${t('admin.review.release')}</button>
            <button type="button" class="danger" data-testid="review-cancel" disabled=${busy}
              onClick=${() => setCancelling(true)}>${t('admin.review.cancel')}</button>`}
        <${ErrorBox} error=${error} />
      </td>
    </tr>`;
}

function RedemptionRow({ redemption, decidable, onDone }) {
  const [run, busy, error] = useAction();
  const decide = (approve) => run(async () => {
    await api('POST', `/api/admin/review/redemptions/${redemption.id}`, { approve });
    onDone();
  });
  return html`
    <tr data-testid="review-redemption" data-id=${redemption.id} data-number=${redemption.order_number}>
      <td><a href=${`/admin/orders/${redemption.order_id}`}><strong>${redemption.order_number ?? redemption.order_id}</strong></a></td>
      <td class="num">${formatMoney(redemption.amount)}</td>
      <td>${redemption.user_name ?? redemption.user_id}</td>
      <td title=${formatDateTime(redemption.at)}>${formatAgo(redemption.at)}</td>
      <td class="row-actions">${decidable && html`
        <button type="button" class="primary" data-testid="review-approve" disabled=${busy}
          onClick=${() => decide(true)}>${t('admin.review.approve')}</button>
        <button type="button" class="danger" data-testid="review-refuse" disabled=${busy}
          onClick=${() => decide(false)}>${t('admin.review.refuse')}</button>`}
        <${ErrorBox} error=${error} />
      </td>
    </tr>`;
}

/** The rules as the form holds them: the amount as the text of a money field. */
function formOf(rules) {
  return {
    abnormal: rules.abnormal_amount.enabled,
    amount: minorToInput(rules.abnormal_amount.amount),
    credit: rules.credit_limit.enabled,
    required: rules.required_fields.enabled,
    fields: new Set(rules.required_fields.fields),
  };
}

function RulesEditor({ editable }) {
  const [rules, loadError, reload] = useAdminList('/api/admin/review-rules');
  const [form, setForm] = useState(null);
  const [saved, setSaved] = useState(false);
  const [run, busy, error, setError] = useAction();
  useEffect(() => { if (rules) setForm(formOf(rules)); }, [rules]);
  if (loadError) return html`<div class="card"><${ErrorBox} error=${loadError} /></div>`;
  if (!rules || !form) return html`<div class="card"><${Loading} /></div>`;
  const change = (patch) => { setForm({ ...form, ...patch }); setSaved(false); };
  const toggleField = (name) => {
    const fields = new Set(form.fields);
    if (fields.has(name)) fields.delete(name); else fields.add(name);
    change({ fields });
  };
  const save = (e) => {
    e.preventDefault();
    const amount = inputToMinor(form.amount);
    if (amount === null || amount <= 0) {
      setError(new Error(t('admin.review.badAmount')));
      return;
    }
    run(async () => {
      await api('PUT', '/api/admin/review-rules', {
        abnormal_amount: { enabled: form.abnormal, amount },
        credit_limit: { enabled: form.credit },
        required_fields: { enabled: form.required, fields: rules.requirable.filter((f) => form.fields.has(f)) },
      });
      setSaved(true);
      reload();
    });
  };
  return html`
    <form class="card" data-testid="review-rules" onSubmit=${save}>
      <h2>${t('admin.review.rules')}</h2>
      <p class="muted">${t('admin.review.rulesHint')}</p>
      <fieldset class="bare" disabled=${!editable || busy}>
        <label class="check">
          <input type="checkbox" data-testid="rule-abnormal-enabled" checked=${form.abnormal}
            onChange=${(e) => change({ abnormal: e.currentTarget.checked })} />
          ${t('admin.review.abnormalAmount')}</label>
        <label class="field"><span>${t('admin.review.amountLimit')}</span>
          <input type="text" inputmode="decimal" data-testid="rule-abnormal-amount" value=${form.amount}
            disabled=${!form.abnormal} onInput=${(e) => change({ amount: e.currentTarget.value })} /></label>
        <label class="check">
          <input type="checkbox" data-testid="rule-credit-enabled" checked=${form.credit}
            onChange=${(e) => change({ credit: e.currentTarget.checked })} />
          ${t('admin.review.creditLimit')}</label>
        <label class="check">
          <input type="checkbox" data-testid="rule-required-enabled" checked=${form.required}
            onChange=${(e) => change({ required: e.currentTarget.checked })} />
          ${t('admin.review.requiredFields')}</label>
        <div class="checks" role="group" aria-label=${t('admin.review.requiredFields')}>
          ${rules.requirable.map((name) => html`
            <label class="check" key=${name}>
              <input type="checkbox" data-testid=${`rule-field-${name}`} checked=${form.fields.has(name)}
                disabled=${!form.required} onChange=${() => toggleField(name)} />
              ${t(`admin.review.field.${name}`)}</label>`)}
        </div>
        ${editable && html`<button type="submit" class="primary" data-testid="rules-save">${t('admin.review.save')}</button>`}
      </fieldset>
      ${!editable && html`<p class="muted" data-testid="rules-readonly">${t('admin.review.readOnly')}</p>`}
      ${saved && html`<p class="note" role="status" data-testid="rules-saved">${t('admin.review.saved')}</p>`}
      ${rules.updated_at && html`<p class="muted"><small>${t('admin.review.changedAt', { when: formatDateTime(rules.updated_at) })}</small></p>`}
      <${ErrorBox} error=${error} />
    </form>`;
}

export function AdminReview() {
  const { me } = useApp();
  const role = me.user.role;
  const readable = may(role, 'orders.review');
  const [queue, error, reload] = useAdminList('/api/admin/review', readable);
  if (!readable) {
    return html`<${Screen} title=${t('admin.review.title')} testid="admin-review">
      <p class="error" data-testid="admin-forbidden">${t('admin.forbidden')}</p><//>`;
  }
  const loading = queue === undefined && !error;
  return html`
    <${Screen} title=${t('admin.review.title')} testid="admin-review"
      actions=${html`<button type="button" data-testid="review-reload" onClick=${reload}>${t('admin.reload')}</button>`}>
      <${ErrorBox} error=${error} />
      <div class="card">
        <h2>${t('admin.review.held')} ${queue && html`<${Badge} kind="warn" testid="review-held-count">${queue.orders_total}<//>`}</h2>
        ${loading ? html`<${Loading} />` : queue?.orders.length === 0 ? html`<${Empty}>${t('admin.review.noneHeld')}<//>` : queue && html`
          <div class="table-wrap">
            <table class="admin-table" data-testid="review-orders">
              <thead><tr><th>${t('admin.review.number')}</th><th>${t('admin.review.customer')}</th>
                <th>${t('admin.review.total')}</th><th>${t('admin.review.reasons')}</th><th>${t('admin.review.since')}</th><th></th></tr></thead>
              <tbody>${queue.orders.map((o) => html`<${OrderRow} key=${o.id} order=${o} onDone=${reload} />`)}</tbody>
            </table>
          </div>`}
      </div>
      <div class="card">
        <h2>${t('admin.review.redemptions')} ${queue && html`<${Badge} kind="warn" testid="review-redemption-count">${queue.redemptions_total}<//>`}</h2>
        ${loading ? html`<${Loading} />` : queue?.redemptions.length === 0 ? html`<${Empty}>${t('admin.review.noneRedemptions')}<//>` : queue && html`
          <div class="table-wrap">
            <table class="admin-table" data-testid="review-redemptions">
              <thead><tr><th>${t('admin.review.number')}</th><th>${t('admin.review.amount')}</th>
                <th>${t('admin.review.redeemedBy')}</th><th>${t('admin.review.redeemedAt')}</th><th></th></tr></thead>
              <tbody>${queue.redemptions.map((r) => html`<${RedemptionRow} key=${r.id} redemption=${r}
                decidable=${may(role, 'redemptions.review')} onDone=${reload} />`)}</tbody>
            </table>
          </div>`}
      </div>
      <${RulesEditor} editable=${may(role, 'reviewrules.edit')} />
    <//>`;
}
