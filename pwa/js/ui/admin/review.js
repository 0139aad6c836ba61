// /admin/review (docs/admin.md § Review): what waits for a person — orders the review rules (or
// someone) put on hold, with the reasons in words, to release (→ confirmed, stock reserved) or
// cancel with a reason (it goes on the order's timeline, which the rep sees); several released
// at once after a confirmation, each through the same endpoint as one, each one's outcome shown;
// redemptions pending review, to approve or refuse — and the rules' editor.
// orders.review to see; redemptions.review to decide on redemptions; reviewrules.edit to edit.

import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';

import { api } from '../../api.js';
import { formatAgo, formatDateTime, formatMoney, inputToMinor, minorToInput } from '../../format.js';
import { hasKey, t } from '../../i18n.js';
import { Badge, Empty, ErrorBox, Loading, Screen, useAction } from '../components.js';
import { useApp } from '../context.js';
import { LimitedField, fieldProblems } from '../validation.js';
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

/** A refusal in the reader's words: the code's text where there is one, else the server's. */
function errorText(e) {
  if (typeof e?.code === 'string' && hasKey(`error.${e.code}`)) return t(`error.${e.code}`);
  return e?.message ?? String(e);
}

const decideOrder = (id, decision, note) =>
  api('POST', `/api/admin/review/orders/${encodeURIComponent(id)}`, note ? { decision, note } : { decision });

/** The cancel's reason: required, bounded as the transition's reason (the catalog's). */
function CancelForm({ order, busy, onCancel, onBack }) {
  const [reason, setReason] = useState('');
  const sent = reason.trim();
  const blocked = !sent || fieldProblems('order.transition', ['reason'], sent).length > 0;
  return html`
    <form class="inset" data-testid="review-cancel-form" onSubmit=${(e) => { e.preventDefault(); if (!blocked) onCancel(sent); }}>
      <${LimitedField} name="order.transition" path=${['reason']} send=${sent || null} required
        label=${t('admin.review.cancelReason')} value=${reason} onInput=${setReason} testid="review-cancel-reason" />
      <button type="submit" class="danger primary-danger" data-testid="review-cancel-confirm" disabled=${busy || blocked}>
        ${t('admin.review.cancelConfirm', { number: order.number })}</button>
      <button type="button" data-testid="review-cancel-back" onClick=${onBack}>${t('common.cancel')}</button>
    </form>`;
}

function OrderRow({ order, picked, onPick, onDone }) {
  const [run, busy, error] = useAction();
  const [cancelling, setCancelling] = useState(false);
  const decide = (decision, note) => run(async () => {
    await decideOrder(order.id, decision, note);
    onDone();
  });
  return html`
    <tr data-testid="review-order" data-number=${order.number} data-id=${order.id}>
      <td><input type="checkbox" data-testid="review-select" aria-label=${t('admin.review.select', { number: order.number })}
        checked=${picked} onChange=${(e) => onPick(e.currentTarget.checked)} /></td>
      <td><a href=${`/admin/orders/${order.id}`}><strong>${order.number}</strong></a>
        <br /><small class="muted">${order.owner_name ?? ''}</small></td>
      <td>${order.customer_name ?? '—'}</td>
      <td class="num">${formatMoney(order.total)}</td>
      <td><${Reasons} order=${order} /></td>
      <td title=${formatDateTime(order.since)}>${formatAgo(order.since)}</td>
      <td class="row-actions">
        ${cancelling
          ? html`<${CancelForm} order=${order} busy=${busy} onCancel=${(note) => decide('cancel', note)}
              onBack=${() => setCancelling(false)} />`
          : html`
            <button type="button" class="primary" data-testid="review-release" disabled=${busy}
              onClick=${() => decide('release')}>${t('admin.review.release')}</button>
            <button type="button" class="danger" data-testid="review-cancel" disabled=${busy}
              onClick=${() => setCancelling(true)}>${t('admin.review.cancel')}</button>`}
        <${ErrorBox} error=${error} />
      </td>
    </tr>`;
}

/** Several held orders released in one go: asked first (how many), then one release each — the
 * same endpoint and rule as a single one — and what became of each. */
function BulkRelease({ orders, onClear, onDone }) {
  const [asking, setAsking] = useState(false);
  const [outcomes, setOutcomes] = useState(null);
  const [run, busy] = useAction();
  const release = () => run(async () => {
    const done = [];
    for (const o of orders) {
      try {
        await decideOrder(o.id, 'release');
        done.push({ id: o.id, number: o.number, ok: true });
      } catch (e) {
        done.push({ id: o.id, number: o.number, ok: false, text: errorText(e) });
      }
    }
    setAsking(false);
    setOutcomes(done);
    onDone();
  });
  return html`
    <div class="card bulk" data-testid="review-bulk" data-count=${orders.length}>
      ${orders.length > 0 && (asking
        ? html`<p data-testid="review-bulk-question"><strong>${t('admin.review.bulkQuestion', { count: orders.length })}</strong></p>
            <p class="muted">${orders.map((o) => o.number).join(t('admin.review.listSep'))}</p>
            <div class="actions">
              <button type="button" class="primary" data-testid="review-bulk-confirm" disabled=${busy} onClick=${release}>
                ${t('admin.review.bulkRelease', { count: orders.length })}</button>
              <button type="button" data-testid="review-bulk-back" disabled=${busy} onClick=${() => setAsking(false)}>${t('common.cancel')}</button>
            </div>`
        : html`<div class="actions">
            <strong>${t('admin.review.selected', { count: orders.length })}</strong>
            <button type="button" class="primary" data-testid="review-bulk-release" onClick=${() => { setOutcomes(null); setAsking(true); }}>
              ${t('admin.review.bulkRelease', { count: orders.length })}</button>
            <button type="button" class="link" data-testid="review-bulk-clear" onClick=${onClear}>${t('admin.review.clear')}</button>
          </div>`)}
      ${outcomes && html`<ul class="plain" data-testid="review-bulk-outcomes" role="status">${outcomes.map((o) => html`
        <li key=${o.id} data-testid="review-bulk-outcome" data-number=${o.number} data-ok=${String(o.ok)} class=${o.ok ? '' : 'error'}>
          ${o.ok ? t('admin.review.bulkReleased', { number: o.number }) : t('admin.review.bulkRefused', { number: o.number, why: o.text })}</li>`)}</ul>`}
    </div>`;
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
  const [picked, setPicked] = useState({});
  const [shownOutcomes, setShownOutcomes] = useState(false);
  if (!readable) {
    return html`<${Screen} title=${t('admin.review.title')} testid="admin-review">
      <p class="error" data-testid="admin-forbidden">${t('admin.forbidden')}</p><//>`;
  }
  const loading = queue === undefined && !error;
  const selected = (queue?.orders ?? []).filter((o) => picked[o.id]);
  return html`
    <${Screen} title=${t('admin.review.title')} testid="admin-review"
      actions=${html`<button type="button" data-testid="review-reload" onClick=${reload}>${t('admin.reload')}</button>`}>
      <${ErrorBox} error=${error} />
      <div class="card">
        <h2>${t('admin.review.held')} ${queue && html`<${Badge} kind="warn" testid="review-held-count">${queue.orders_total}<//>`}</h2>
        ${(selected.length > 0 || shownOutcomes) && html`<${BulkRelease} orders=${selected} onClear=${() => setPicked({})}
          onDone=${() => { setPicked({}); setShownOutcomes(true); reload(); }} />`}
        ${loading ? html`<${Loading} />` : queue?.orders.length === 0 ? html`<${Empty}>${t('admin.review.noneHeld')}<//>` : queue && html`
          <div class="table-wrap" tabindex="0" role="region" aria-label=${t('admin.review.held')}>
            <table class="admin-table" data-testid="review-orders">
              <thead><tr><th><span class="visually-hidden">${t('common.select')}</span></th><th>${t('admin.review.number')}</th><th>${t('admin.review.customer')}</th>
                <th>${t('admin.review.total')}</th><th>${t('admin.review.reasons')}</th><th>${t('admin.review.since')}</th><th><span class="visually-hidden">${t('common.actions')}</span></th></tr></thead>
              <tbody>${queue.orders.map((o) => html`<${OrderRow} key=${o.id} order=${o} picked=${!!picked[o.id]}
                onPick=${(on) => { setShownOutcomes(false); setPicked((p) => ({ ...p, [o.id]: on })); }} onDone=${reload} />`)}</tbody>
            </table>
          </div>`}
      </div>
      <div class="card">
        <h2>${t('admin.review.redemptions')} ${queue && html`<${Badge} kind="warn" testid="review-redemption-count">${queue.redemptions_total}<//>`}</h2>
        ${loading ? html`<${Loading} />` : queue?.redemptions.length === 0 ? html`<${Empty}>${t('admin.review.noneRedemptions')}<//>` : queue && html`
          <div class="table-wrap" tabindex="0" role="region" aria-label=${t('admin.review.redemptions')}>
            <table class="admin-table" data-testid="review-redemptions">
              <thead><tr><th>${t('admin.review.number')}</th><th>${t('admin.review.amount')}</th>
                <th>${t('admin.review.redeemedBy')}</th><th>${t('admin.review.redeemedAt')}</th><th><span class="visually-hidden">${t('common.actions')}</span></th></tr></thead>
              <tbody>${queue.redemptions.map((r) => html`<${RedemptionRow} key=${r.id} redemption=${r}
                decidable=${may(role, 'redemptions.review')} onDone=${reload} />`)}</tbody>
            </table>
          </div>`}
      </div>
      <${RulesEditor} editable=${may(role, 'reviewrules.edit')} />
    <//>`;
}
