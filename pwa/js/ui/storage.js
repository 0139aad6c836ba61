// Warnings about this device's storage: nearly full, and — when the app is not installed —
// that Safari deletes the data of sites unused for 7 days, unsynced changes included.

import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';

import { formatNumber } from '../format.js';
import { t } from '../i18n.js';
import { useApp } from './context.js';
import { usePendingCount } from './hooks.js';
import { useObservable } from './live.js';

export function isStandalone() {
  return matchMedia?.('(display-mode: standalone)').matches || navigator.standalone === true;
}

const isIos = () => /iphone|ipad|ipod/i.test(navigator.userAgent) ||
  (navigator.platform === 'MacIntel' && navigator.maxTouchPoints > 1);

/** {persisted, usage, quota} of navigator.storage, once known. */
export function useStorageInfo() {
  const [info, setInfo] = useState(null);
  useEffect(() => {
    let live = true;
    (async () => {
      const persisted = (await navigator.storage?.persisted?.()) ?? false;
      const estimate = (await navigator.storage?.estimate?.()) ?? {};
      if (live) setInfo({ persisted, usage: estimate.usage, quota: estimate.quota });
    })().catch(() => live && setInfo({ persisted: false }));
    return () => {
      live = false;
    };
  }, []);
  return info;
}

function InstallPrompt({ pending }) {
  const { shell } = useApp();
  const prompt = useObservable(shell.install);
  const install = async () => {
    prompt.prompt();
    await prompt.userChoice?.catch(() => null);
    shell.install.set(null);
  };
  return html`
    <div class=${pending > 0 ? 'card warn install at-risk' : 'card warn install'} data-testid="install-prompt">
      <strong>${t('storage.installTitle')}</strong>
      <p>${t('storage.installWhy')}</p>
      ${pending > 0 && html`<p data-testid="unsynced-risk"><strong>${t('storage.atRisk', { count: pending })}</strong></p>`}
      ${prompt
        ? html`<button type="button" class="primary" data-testid="install-app" onClick=${install}>${t('storage.install')}</button>`
        : html`<p class="muted">${isIos() ? t('storage.installIos') : t('storage.installMenu')}</p>`}
    </div>`;
}

export function StorageWarnings() {
  const info = useStorageInfo();
  const pending = usePendingCount() ?? 0;
  if (!info) return null;
  const full = info.quota && info.usage / info.quota > 0.9;
  return html`
    ${full && html`
      <div class="card error" role="alert" data-testid="storage-warning">
        <strong>${t('storage.nearlyFull')}</strong>
        <p>${t('storage.usage', {
          used: formatNumber(Math.round(info.usage / 1e6)), quota: formatNumber(Math.round(info.quota / 1e6)) })}</p>
      </div>`}
    ${!isStandalone() && !info.persisted && html`<${InstallPrompt} pending=${pending} />`}`;
}
