// My conflicts, and what became of my changes (docs/pwa.md, "Conflicts and outcomes").
// "To settle": what the server could not apply as I sent it; the detail shows the value I started
// from (base), the server's and mine side by side, and settles it: keep the server's, use mine,
// type another value, or leave it to an admin (actions.resolveConflict).
// "What became of my changes": my conflicts someone else settled (the decision, the value that
// won, who, when) and the `overwritten` notices of last-writer-wins decisions I lost (what I
// wrote, what stands, who wrote it, when), which I may still take up. They are new until seen on
// this device (core/outcomes.js); the tab, the nav badge and home count them meanwhile.

import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';

import { isUnseen, markSeen, SEEN_KEY } from '../core/outcomes.js';
import { priorities } from '../core/vocab.js';
import { formatDateTime } from '../format.js';
import { hasKey, t } from '../i18n.js';
import { Badge, Empty, ErrorBox, Field, Loading, Screen, Select, useAction } from './components.js';
import { conflictNames, explain, formatValue, sideText, subjectText, what } from './conflict-text.js';
import { useApp } from './context.js';
import { useOpenConflicts, useOutcomes } from './hooks.js';
import { useLive } from './live.js';
import { Link, navigate } from './router.js';

export { what } from './conflict-text.js';

/** A conflict's value as a person reads it (`names`: see conflict-text.js formatValue). */
export function showValue(field, value, names) {
  return formatValue(field, value, names);
}

/** The names of what `conflicts` are about and of the ids their values hold, from the store. */
export function useConflictNames(conflicts) {
  const { store } = useApp();
  const key = (conflicts ?? []).map((c) => `${c.id}:${c.version ?? ''}`).join(',');
  return useLive(() => conflictNames(store.db, conflicts ?? []), [store, key])
    ?? { subjects: {}, names: {} };
}

/** A time that does not wrap. */
export function When({ at, testid }) {
  return html`<span class="when" data-testid=${testid}>${formatDateTime(at)}</span>`;
}

/** Who is on the other side: a name, "me", or "someone". */
function who(name, id, me) {
  if (id && id === me) return t('common.me');
  return name || t('conflict.someone');
}

/** What became of conflict `c`: who decided (or wrote over it), when, and how. */
export function Outcome({ c, me, names }) {
  const settled = c.status === 'resolved';
  const mine = c.user_id === me;
  const by = settled ? who(c.resolver_name, c.resolver_id, me) : who(c.winner_name, c.winner_id, me);
  const at = settled ? c.resolved_at : c.winner_at ?? c.created_at;
  const standing = settled ? c.resolved_value : c.server_value;
  return html`
    <div class="outcome" data-testid="outcome" data-status=${c.status} data-resolution=${c.resolution ?? ''}>
      <p data-testid="outcome-who">
        ${settled ? t('outcomes.decidedBy', { who: by }) : t('outcomes.replacedBy', { who: by })}
        ${' · '}<${When} at=${at} testid="outcome-when" />
        ${settled && html`<br /><strong data-testid="outcome-decision">${hasKey(`outcomes.decision.${c.resolution}`)
          ? t(`outcomes.decision.${c.resolution}`) : c.resolution}</strong>`}
      </p>
      ${c.field && html`<dl class="facts">
        <dt>${t('outcomes.standsNow')}</dt><dd data-testid="outcome-standing">${formatValue(c.field, standing, names)}</dd>
        <dt>${mine ? t('outcomes.youWrote') : t('outcomes.theirs')}</dt><dd data-testid="outcome-mine">${formatValue(c.field, c.client_value, names)}</dd>
      </dl>`}
    </div>`;
}

function OpenList({ open, subjects }) {
  if (!open.length) return html`<${Empty}>${t('conflicts.none')}<//>`;
  return html`
    <ul class="list">
      ${[...open].sort((a, b) => (a.created_at < b.created_at ? 1 : -1)).map((c) => html`
        <li key=${c.id}><${Link} href=${`/conflicts/${c.id}`} data-testid="conflict-item" data-id=${c.id} data-kind=${c.kind}>
          <span class="main">${what(c)}
            ${c.status === 'referred' && html` <span class="badge">${t('conflict.referred')}</span>`}</span>
          <span class="sub" data-testid="conflict-item-subject">${subjectText(subjects[c.id])}</span>
          <span class="sub">${explain(c)}</span>
          <span class="sub"><${When} at=${c.created_at} /></span>
        <//></li>`)}
    </ul>`;
}

function OutcomeList({ outcomes, fresh, subjects, names, me }) {
  if (!outcomes.length) return html`<${Empty}>${t('outcomes.none')}<//>`;
  return html`
    <ul class="list outcomes" data-testid="outcomes">
      ${outcomes.map((c) => html`
        <li key=${c.id} class=${fresh.has(c.id) ? 'unread' : ''}>
          <${Link} href=${`/conflicts/${c.id}`} data-testid="outcome-item" data-id=${c.id} data-kind=${c.kind}
            data-new=${String(fresh.has(c.id))}>
            <span class="main">${what(c)}
              ${fresh.has(c.id) && html` <${Badge} kind="warn" testid="outcome-new">${t('outcomes.new')}<//>`}</span>
            <span class="sub" data-testid="outcome-subject">${subjectText(subjects[c.id])}</span>
            <${Outcome} c=${c} me=${me} names=${names} />
          <//></li>`)}
    </ul>`;
}

/** Marks `outcomes` seen once they are on screen, and answers the ids that were new when they
 * came (kept highlighted while the screen stays open). */
function useSeen(outcomes) {
  const { store, me } = useApp();
  const [fresh, setFresh] = useState(() => new Set());
  useEffect(() => {
    if (!outcomes) return;
    const news = outcomes.list.filter((c) => isUnseen(c, outcomes.seen, me.user.id));
    if (!news.length) return;
    setFresh((before) => new Set([...before, ...news.map((c) => c.id)]));
    store.setMeta(SEEN_KEY, markSeen(outcomes.seen, news));
  }, [outcomes]);
  return fresh;
}

function OutcomesTab({ outcomes }) {
  const { me } = useApp();
  const fresh = useSeen(outcomes);
  const { subjects, names } = useConflictNames(outcomes.list);
  return html`<${OutcomeList} outcomes=${outcomes.list} fresh=${fresh} subjects=${subjects} names=${names} me=${me.user.id} />`;
}

export function ConflictList({ query }) {
  const open = useOpenConflicts();
  const outcomes = useOutcomes();
  const { subjects } = useConflictNames(open);
  const asked = query?.get('tab');
  if (!open || !outcomes) {
    return html`<${Screen} title=${t('conflicts.title')} testid="conflicts"><${Loading} /><//>`;
  }
  // Where there is nothing to settle but news, the news; else what asks for a decision.
  const tab = asked === 'outcomes' || asked === 'open' ? asked
    : !open.length && outcomes.list.length ? 'outcomes' : 'open';
  const go = (name) => navigate(`/conflicts?tab=${name}`, { replace: true });
  const tabButton = (name, label, count, testid) => html`
    <button type="button" role="tab" aria-selected=${String(tab === name)} class=${tab === name ? 'seg active' : 'seg'}
      data-testid=${testid} onClick=${() => go(name)}>${label}${count > 0 && html` <span class="count">${count}</span>`}</button>`;
  return html`
    <${Screen} title=${t('conflicts.title')} testid="conflicts">
      <div class="segments" role="tablist">
        ${tabButton('open', t('conflicts.open'), open.length, 'conflicts-tab-open')}
        ${tabButton('outcomes', t('outcomes.title'), outcomes.unseen, 'conflicts-tab-outcomes')}
      </div>
      ${tab === 'open' ? html`<${OpenList} open=${open} subjects=${subjects} />` : html`<${OutcomesTab} outcomes=${outcomes} />`}
    <//>`;
}

function Values({ conflict, names }) {
  const cell = (label, side, testid) => html`
    <div class="value" data-testid=${testid}><small>${label}</small><strong>${sideText(conflict, side, names)}</strong></div>`;
  const overwritten = conflict.kind === 'overwritten';
  return html`
    <div class="side-by-side">
      ${cell(t('conflict.base'), 'base_value', 'conflict-base')}
      ${cell(overwritten ? t('outcomes.standsNow') : t('conflict.server'), 'server_value', 'conflict-server')}
      ${cell(overwritten ? t('outcomes.youWrote') : t('conflict.mine'), 'client_value', 'conflict-mine')}
    </div>`;
}

// The server takes a value of its own ("use mine", "type a value") for field conflicts and
// overwritten notices of orders and customers; other kinds are settled by keeping the server's
// or by an admin.
export const VALUE_TABLES = new Set(['orders', 'customers']);
export const VALUE_KINDS = new Set(['field', 'overwritten']);
export const takesValue = (c) => VALUE_KINDS.has(c.kind) && VALUE_TABLES.has(c.table_name);

export function CustomInput({ field, value, onInput }) {
  if (field === 'priority') {
    return html`<${Select} label=${t('conflict.newValue')} value=${value} onChange=${onInput} testid="conflict-custom-value"
      options=${priorities().map((p) => [p, t(`priority.${p}`)])} />`;
  }
  const type = field === 'due_date' ? 'date' : 'text';
  return html`<${Field} label=${t('conflict.newValue')} type=${type} value=${value} onInput=${onInput}
    testid="conflict-custom-value" multiline=${field === 'notes' || field === 'address' || field === 'delivery_address'} />`;
}

function Resolve({ conflict }) {
  const { actions } = useApp();
  const [custom, setCustom] = useState(null);
  const [run, busy, error] = useAction();
  const resolve = (resolution, value) => run(() => actions.resolveConflict(conflict.id, resolution, value));
  const overwritten = conflict.kind === 'overwritten';
  return html`
    <div class="resolve">
      <button type="button" class="big" data-testid="conflict-keep-server" disabled=${busy}
        onClick=${() => resolve('server')}>${overwritten ? t('outcomes.keep') : t('conflict.keepServer')}</button>
      ${takesValue(conflict) && html`<button type="button" class="big" data-testid="conflict-use-mine" disabled=${busy}
        onClick=${() => resolve('client')}>${overwritten ? t('outcomes.putBack') : t('conflict.useMine')}</button>`}
      ${!takesValue(conflict) ? null : custom === null
        ? html`<button type="button" class="big" data-testid="conflict-custom" disabled=${busy}
            onClick=${() => setCustom(typeof conflict.client_value === 'string' ? conflict.client_value : '')}>
            ${t('conflict.typeValue')}</button>`
        : html`<div class="inset">
            <${CustomInput} field=${conflict.field} value=${custom} onInput=${setCustom} />
            <button type="button" class="primary" data-testid="conflict-custom-save" disabled=${busy}
              onClick=${() => resolve('custom', custom)}>${t('common.save')}</button></div>`}
      ${!overwritten && html`<button type="button" class="big" data-testid="conflict-admin" disabled=${busy}
        onClick=${() => resolve('admin')}>${t('conflict.leaveToAdmin')}</button>`}
      <${ErrorBox} error=${error} />
    </div>`;
}

/** What a conflict is about, by name: its order (a link), customer (a link), product. */
export function Subject({ subject, testid = 'conflict-subject' }) {
  if (!subject) return null;
  const parts = [
    subject.orderNumber && html`<${Link} href=${`/orders/${subject.orderId}`} data-testid=${testid}>${subject.orderNumber}<//>`,
    subject.customerName && (subject.customerId
      ? html`<${Link} href=${`/customers/${subject.customerId}`} data-testid=${`${testid}-customer`}>${subject.customerName}<//>`
      : html`<span data-testid=${`${testid}-customer`}>${subject.customerName}</span>`),
    subject.productName && html`<span data-testid=${`${testid}-product`}>${subject.productName}</span>`,
  ].filter(Boolean);
  return html`<span class="subject">${parts.map((p, i) => html`${i ? ' · ' : ''}${p}`)}</span>`;
}

export function ConflictDetail({ params }) {
  const { store, me } = useApp();
  const conflict = useLive(() => store.db.conflicts.get(params.id), [store, params.id]);
  const { subjects, names } = useConflictNames(conflict ? [conflict] : []);
  // Opening an outcome of mine is seeing it.
  useEffect(() => {
    if (!conflict || conflict.user_id !== me.user.id) return;
    store.meta(SEEN_KEY, {}).then((seen) => {
      if (isUnseen(conflict, seen, me.user.id)) store.setMeta(SEEN_KEY, markSeen(seen, [conflict]));
    });
  }, [conflict?.id, conflict?.status]);
  if (!conflict) return html`<${Screen} title=${t('conflict.title')} back="/conflicts">
    ${conflict === undefined ? html`<${Loading} />` : html`<p class="empty">${t('common.notFound')}</p>`}<//>`;
  const open = conflict.status === 'open';
  const settled = conflict.status === 'resolved';
  return html`
    <${Screen} title=${t('conflict.title')} back="/conflicts" testid="conflict-detail">
      <p><strong>${what(conflict)}</strong></p>
      <p><${Subject} subject=${subjects[conflict.id]} /></p>
      <p class="muted" data-testid="conflict-reason">${explain(conflict)}</p>
      <${Values} conflict=${conflict} names=${names} />
      <p class="muted"><${When} at=${conflict.created_at} /> · <span data-testid="conflict-status">${
        hasKey(`conflict.status.${conflict.status}`) ? t(`conflict.status.${conflict.status}`) : conflict.status}</span></p>
      ${(settled || conflict.kind === 'overwritten') && html`<${Outcome} c=${conflict} me=${me.user.id} names=${names} />`}
      ${open ? html`<${Resolve} conflict=${conflict} />`
        : conflict.status === 'referred' && html`<p class="note">${t('conflict.referredHint')}</p>`}
    <//>`;
}

/** The conflicts of one order (its own, its lines', its payments'), with what became of them:
 * the "Conflicts" part of the order page. */
export function OrderConflicts({ order }) {
  const { store, me } = useApp();
  const list = useLive(async () => {
    const [lines, payments] = await Promise.all([
      store.db.order_lines.where('order_id').equals(order.id).primaryKeys(),
      store.db.payments.where('order_id').equals(order.id).primaryKeys(),
    ]);
    const rows = await store.db.conflicts.where('row_id').anyOf([order.id, ...lines, ...payments]).toArray();
    return rows.filter((c) => !c.deleted).sort((a, b) => (a.created_at < b.created_at ? 1 : -1));
  }, [store, order.id]);
  const { names } = useConflictNames(list);
  if (!list?.length) return null;
  return html`
    <h2>${t('order.conflicts')}</h2>
    <ul class="list" data-testid="order-conflicts">
      ${list.map((c) => html`
        <li key=${c.id}><${Link} href=${`/conflicts/${c.id}`} data-testid="order-conflict" data-id=${c.id}
          data-kind=${c.kind} data-status=${c.status}>
          <span class="main">${what(c)} <${Badge} kind=${c.status === 'resolved' ? 'ok' : 'warn'}>${
            hasKey(`conflict.status.${c.status}`) ? t(`conflict.status.${c.status}`) : c.status}<//></span>
          <span class="sub">${explain(c)}</span>
          ${(c.status === 'resolved' || c.kind === 'overwritten')
            ? html`<${Outcome} c=${c} me=${me.user.id} names=${names} />`
            : html`<span class="sub"><${When} at=${c.created_at} /></span>`}
        <//></li>`)}
    </ul>`;
}
