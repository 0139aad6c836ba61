// Home: who is signed in, online or not, what waits to be sent, when the last sync was, open
// conflicts, what the server refused, and the warnings about this device's storage.

import { html } from 'htm/preact';

import { isOverdue } from '../core/order-list.js';
import { formatAgo, formatMoney, formatNumber, todayInput } from '../format.js';
import { hasKey, t } from '../i18n.js';
import { ErrorBox, Screen, useAction } from './components.js';
import { useApp } from './context.js';
import { useOpenConflicts, useOutcomes, usePendingCount } from './hooks.js';
import { useLive, useObservable } from './live.js';
import { RefusedCard } from './refused.js';
import { Logout } from './settings.js';
import { Link } from './router.js';
import { StorageWarnings } from './storage.js';

function SyncCard() {
  const { store, sync, relogin } = useApp();
  const status = useObservable(sync.status) ?? {};
  const pending = usePendingCount();
  const lastSync = useLive(() => store.db.meta.get('lastSyncAt'), [store])?.value;
  const [run, busy, error] = useAction();
  const online = status.online ?? navigator.onLine;
  const syncing = status.state === 'syncing';
  const progress = status.progress;
  const authLost = ['unauthorized', 'device_revoked'].includes(status.error?.code);
  return html`
    <div class="card">
      <div class="row">
        <span class=${online ? 'dot ok' : 'dot off'} aria-hidden="true"></span>
        <strong data-testid="online-state" data-online=${String(online)}>
          ${online ? t('sync.online') : t('sync.offline')}</strong>
        <span class="grow"></span>
        <button type="button" data-testid="sync-now" disabled=${busy || syncing || !online}
          onClick=${() => run(() => sync.syncNow())}>
          ${syncing ? t('sync.syncing') : t('sync.now')}</button>
      </div>
      ${progress && progress.total > 0 && html`
        <div class="progress" data-testid="sync-progress">
          <progress value=${progress.done} max=${progress.total}></progress>
          <small>${t('sync.progress', { done: formatNumber(progress.done), total: formatNumber(progress.total) })}</small>
        </div>`}
      <dl class="facts">
        <dt>${t('sync.pending')}</dt>
        <dd data-testid="pending-count">${pending ?? '…'}</dd>
        <dt>${t('sync.lastSync')}</dt>
        <dd data-testid="last-sync" data-at=${lastSync ?? ''}>${lastSync ? formatAgo(lastSync) : t('sync.never')}</dd>
      </dl>
      ${status.error && html`
        <p class="error" role="alert" data-testid="sync-error" data-code=${status.error.code}>
          ${hasKey(`sync.error.${status.error.code}`) ? t(`sync.error.${status.error.code}`) : status.error.message}
        </p>`}
      ${authLost && html`<button type="button" class="primary" data-testid="relogin" onClick=${relogin}>
        ${t('login.again')}</button>`}
      <${ErrorBox} error=${error} />
    </div>`;
}

function ConflictsCard() {
  const open = useOpenConflicts();
  if (!open?.length) return null;
  return html`
    <${Link} class="card link warn" href="/conflicts" data-testid="home-conflicts">
      <strong>${t('home.conflicts', { count: open.length })}</strong>
      <span>${t('home.conflictsHint')}</span>
    <//>`;
}

/** News about the user's own changes: replaced by a later one, or settled by someone else. */
function OutcomesCard() {
  const outcomes = useOutcomes();
  if (!outcomes?.unseen) return null;
  return html`
    <${Link} class="card link" href="/conflicts?tab=outcomes" data-testid="home-outcomes">
      <strong>${t('home.outcomes', { count: outcomes.unseen })}</strong>
      <span>${t('home.outcomesHint')}</span>
    <//>`;
}

/** Today on this device: the orders the user made today (where they are) and their total. */
function TodayCard() {
  const { store, me } = useApp();
  const orders = useLive(() => store.db.orders.filter((o) => o.owner_id === me.user.id).toArray(), [store, me.user.id]);
  if (!orders) return null;
  const today = todayInput();
  const mine = orders.filter((o) => o.created_at && todayInput(new Date(o.created_at)) === today && o.status !== 'cancelled');
  const overdue = orders.filter((o) => isOverdue(o, today)).length;
  return html`
    <div class="card" data-testid="today-summary" data-orders=${mine.length}>
      <strong>${t('home.today')}</strong>
      <p>${t('home.todayOrders', { count: mine.length, n: formatNumber(mine.length),
        total: formatMoney(mine.reduce((sum, o) => sum + (o.total ?? 0), 0)) })}</p>
      ${overdue > 0 && html`<p><${Link} href="/orders" data-testid="today-overdue">${t('home.overdue', { count: overdue, n: formatNumber(overdue) })}<//></p>`}
    </div>`;
}

function Account() {
  const { me } = useApp();
  return html`
    <div class="card account">
      <dl class="facts">
        <dt>${t('me.name')}</dt><dd data-testid="me-name">${me.user.name}</dd>
        <dt>${t('me.role')}</dt><dd data-testid="me-role" data-role=${me.user.role}>${t(`role.${me.user.role}`)}</dd>
        <dt>${t('me.device')}</dt><dd data-testid="me-device">${me.device?.code ?? '—'}</dd>
      </dl>
      <${Logout} />
    </div>`;
}

export function Home() {
  return html`
    <${Screen} title=${t('app.name')} testid="signed-in"
      actions=${html`<${Link} class="icon" href="/settings" data-testid="nav-settings"
        aria-label=${t('nav.settings')}>⚙<//>`}>
      <${SyncCard} />
      <${TodayCard} />
      <${ConflictsCard} />
      <${OutcomesCard} />
      <${RefusedCard} />
      <${StorageWarnings} />
      <div class="quick">
        <${Link} class="button primary big" href="/orders/new" data-testid="new-order">${t('order.new')}<//>
        <${Link} class="button big" href="/customers/new" data-testid="new-customer">${t('customer.new')}<//>
        <${Link} class="button big" href="/scan" data-testid="open-scan">${t('scan.open')}<//>
      </div>
      <${Account} />
    <//>`;
}
