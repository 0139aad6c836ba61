// Enrollment (/enroll#<token>) and passkey login: the screens before a session exists.

import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';

import { api } from '../api.js';
import { t } from '../i18n.js';
import { ErrorBox, useAction } from './components.js';

/** Whether the server answers: "ok, sqlite" (its own words), or unreachable. */
function Health() {
  const [health, setHealth] = useState(null);
  useEffect(() => {
    api('GET', '/api/health')
      .then((h) => setHealth(`${h.status}, ${h.database}`))
      .catch(() => setHealth(t('health.unreachable')));
  }, []);
  return html`<footer class="muted">${t('health.server')}: <span id="health" data-testid="health">${health ?? '…'}</span></footer>`;
}

function Frame({ title, testid, children }) {
  return html`
    <main class="screen signin" data-testid=${testid}>
      <div class="body">
        <p class="brand">${t('app.name')}</p>
        <h1>${title}</h1>
        ${children}
        <${Health} />
      </div>
    </main>`;
}

/** Whose the link is ({user_name, role}), asked of the server before anything is made; the
 * error of a link that cannot be used (used, expired) instead. */
function useEnrollmentAbout(token) {
  const [about, setAbout] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    if (!token) return;
    api('POST', '/api/auth/enroll/about', { token }).then(setAbout, (e) => {
      // Offline or a server away: the ceremony says what is wrong when it is tried.
      if (e.status >= 400 && e.status < 500 && e.status !== 429) setError(e);
    });
  }, [token]);
  return [about, error];
}

/** The enrollment link's page: says whose it is, makes a passkey on this device, then `onDone()`. */
export function Enroll({ token, ceremony, onDone, error: bootError }) {
  const [run, busy, error] = useAction();
  const [about, aboutError] = useEnrollmentAbout(token);
  const go = () => run(async () => {
    await ceremony(token);
    await onDone();
  });
  return html`
    <${Frame} title=${t('enroll.title')} testid="enroll-screen">
      ${about && html`<p class="card" data-testid="enroll-whom" data-role=${about.role}>
        ${t('enroll.whom', { name: about.user_name, role: t(`role.${about.role}`) })}</p>`}
      <p>${t('enroll.explain')}</p>
      <${ErrorBox} error=${error ?? bootError ?? aboutError} />
      ${token && !aboutError && html`
        <button type="button" class="primary big" data-testid="enroll" disabled=${busy} onClick=${go}>
          ${busy ? t('common.wait') : t('enroll.button')}
        </button>`}
    <//>`;
}

/** Passkey login: no name typed; the authenticator offers this site's passkeys. */
export function Login({ ceremony, onDone, error: bootError, offline }) {
  const [run, busy, error] = useAction();
  const go = () => run(async () => {
    await ceremony();
    await onDone();
  });
  return html`
    <${Frame} title=${t('login.title')} testid="login-screen">
      <p>${t('login.explain')}</p>
      ${offline && html`<p class="note">${t('login.offline')}</p>`}
      <${ErrorBox} error=${error ?? bootError} />
      <button type="button" class="primary big" data-testid="login" disabled=${busy} onClick=${go}>
        ${busy ? t('common.wait') : t('login.button')}
      </button>
    <//>`;
}

export function Loading() {
  return html`<main class="screen signin" data-testid="loading"><div class="body">
    <p class="brand">${t('app.name')}</p><p aria-busy="true">${t('common.loading')}</p></div></main>`;
}
