// Settings: language, who and which device, whether the browser keeps this app's storage, and
// logging out (the outbox stays in this user's database: nothing unsynced is lost).

import { html } from 'htm/preact';
import { useState } from 'preact/hooks';

import { APP_VERSION } from '../device.js';
import { formatNumber } from '../format.js';
import { LANGUAGES, getLang, setLang, t } from '../i18n.js';
import { ADMIN_TABS, may } from './admin/common.js';
import { ErrorBox, Facts, Screen, Select, useAction } from './components.js';
import { useApp } from './context.js';
import { usePendingCount } from './hooks.js';
import { deleteTemplate, useTemplates } from './personal.js';
import { Link } from './router.js';
import { isStandalone, useStorageInfo } from './storage.js';

function StorageFacts() {
  const info = useStorageInfo();
  const [asked, setAsked] = useState(null);
  const persisted = asked ?? info?.persisted;
  const ask = async () => setAsked(Boolean(await navigator.storage?.persist?.()));
  return html`
    <${Facts} rows=${[
      [t('settings.persisted'), info ? html`<span data-testid="storage-persisted" data-persisted=${String(persisted)}>
        ${persisted ? t('common.yes') : t('common.no')}</span>` : '…'],
      [t('settings.installed'), isStandalone() ? t('common.yes') : t('common.no')],
      info?.quota && [t('settings.usage'), t('storage.usage', {
        used: formatNumber(Math.round(info.usage / 1e6)), quota: formatNumber(Math.round(info.quota / 1e6)) })],
    ]} />
    ${info && !persisted && html`<button type="button" data-testid="storage-persist" onClick=${ask}>${t('settings.persist')}</button>`}`;
}

/** The admin pages the role may see: on a narrow window (a phone) the way into them, which a
 * wide one has in its left navigation. */
function AdminPages({ role }) {
  const pages = ADMIN_TABS.filter(([, , , permission]) => may(role, permission));
  if (!pages.length) return null;
  return html`
    <h2>${t('nav.admin')}</h2>
    <ul class="list" data-testid="settings-admin">
      ${pages.map(([name, href, icon]) => html`<li key=${name}>
        <${Link} href=${href} data-testid=${`settings-${name}`}><span class="main">
          <span aria-hidden="true">${icon}</span> ${t(`nav.${name}`)}</span><//></li>`)}
    </ul>`;
}

/** Log out, asked again (on Home and in Settings): what waits to be sent stays in this user's database on the device
 * and goes at the next sign-in, which needs the passkey (and the network). */
export function Logout({ big = false }) {
  const { logout } = useApp();
  const [asking, setAsking] = useState(false);
  const [run, busy, error] = useAction();
  const pending = usePendingCount() ?? 0;
  return html`
    ${asking
      ? html`<div class="inset" data-testid="logout-ask">
          <p data-testid=${pending ? 'logout-pending' : undefined}>
            ${pending ? t('settings.logoutPending', { count: pending }) : t('me.logoutAsk')}</p>
          <div class="actions">
            <button type="button" class="danger" data-testid="logout-confirm" disabled=${busy}
              onClick=${() => run(logout)}>${t('me.logout')}</button>
            <button type="button" data-testid="logout-cancel" onClick=${() => setAsking(false)}>${t('common.cancel')}</button>
          </div></div>`
      : html`<button type="button" class=${big ? 'big' : ''} data-testid="logout" onClick=${() => setAsking(true)}>
          ${t('me.logout')}</button>`}
    <${ErrorBox} error=${error} />`;
}

/** The order templates kept on this phone, each with a delete (ui/personal.js). */
function Templates() {
  const { store } = useApp();
  const templates = useTemplates();
  if (!templates.length) return null;
  return html`
    <h2>${t('template.title')}</h2>
    <ul class="list" data-testid="templates">
      ${templates.map((tpl) => html`<li key=${tpl.id} class="row" data-testid="template-row" data-name=${tpl.name}>
        <span class="main">${tpl.name} <small class="muted">${t('template.lines', { count: tpl.lines.length })}</small></span>
        <button type="button" class="danger" data-testid="template-delete" aria-label=${t('template.delete', { name: tpl.name })}
          onClick=${() => deleteTemplate(store, tpl.id)}>×</button></li>`)}
    </ul>`;
}

export function Settings() {
  const { me, store } = useApp();
  return html`
    <${Screen} title=${t('settings.title')} back="/" testid="settings">
      <${Select} label=${t('settings.language')} value=${getLang()} onChange=${setLang} testid="lang-select"
        options=${LANGUAGES.map((l) => [l.code, l.name])} />
      <h2>${t('settings.account')}</h2>
      <${Facts} rows=${[
        [t('me.name'), me.user.name, 'settings-name'],
        [t('me.role'), t(`role.${me.user.role}`), 'settings-role'],
        [t('me.device'), me.device?.code ?? '—', 'device-code'],
        [t('settings.clientId'), html`<code>${store.clientId}</code>`],
        [t('settings.version'), APP_VERSION],
      ]} />
      <${AdminPages} role=${me.user.role} />
      <${Templates} />
      <h2>${t('settings.storage')}</h2>
      <${StorageFacts} />
      <h2>${t('me.logout')}</h2>
      <${Logout} big />
    <//>`;
}
