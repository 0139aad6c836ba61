// A slim bar above every screen but Home (which has the whole sync card): "Offline" with what
// waits to be sent while the device has no network, and the initial sync's progress while it
// downloads — so the rep knows where they stand wherever they are (docs/pwa.md, "The rep's
// everyday screens").

import { html } from 'htm/preact';

import { formatNumber } from '../format.js';
import { t } from '../i18n.js';
import { useApp } from './context.js';
import { usePendingCount } from './hooks.js';
import { useObservable } from './live.js';

export function SyncBar({ path }) {
  const { sync } = useApp();
  const status = useObservable(sync.status) ?? {};
  const pending = usePendingCount();
  if (path === '/') return null;
  const online = status.online ?? navigator.onLine;
  const progress = status.progress;
  if (!online) {
    return html`
      <div class="sync-bar offline" role="status" data-testid="offline-banner" data-pending=${pending ?? ''}>
        <span class="dot off" aria-hidden="true"></span>
        <span>${pending ? t('syncBar.offlineWaiting', { count: pending, n: formatNumber(pending) }) : t('syncBar.offline')}</span>
      </div>`;
  }
  if (status.state === 'syncing' && progress?.total > 0) {
    return html`
      <div class="sync-bar" role="status" data-testid="sync-bar-progress">
        <progress value=${progress.done} max=${progress.total}></progress>
        <span>${t('sync.progress', { done: formatNumber(progress.done), total: formatNumber(progress.total) })}</span>
      </div>`;
  }
  return null;
}
