// The session around the app: enrollment or login until somebody is signed in, then the store,
// the sync client and the actions of that user, and <App/>. Offline, the last signed-in user
// (kept in localStorage) opens their local data: the app must work without the server.

import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';

import * as auth from '../auth.js';
import { onLangChange, t } from '../i18n.js';
import { Enroll, Loading, Login } from './signin.js';
import { UpdateBanner } from './update-banner.js';

// The signed-in app (store, sync, actions, screens): import()ed once there is a user, so the
// sign-in screen of a first visit loads only what it shows (docs/pwa.md § First load).
function loadApp() {
  return Promise.all([
    import('../store.js'), import('../sync.js'), import('../actions.js'), import('./app.js'),
  ]);
}

const ME_KEY = 'orderly.me';

function rememberMe(me) {
  try {
    localStorage.setItem(ME_KEY, JSON.stringify(me));
  } catch {
    // Private mode: offline start will need the server once.
  }
}

function cachedMe() {
  try {
    return JSON.parse(localStorage.getItem(ME_KEY) ?? 'null');
  } catch {
    return null;
  }
}

function forgetMe() {
  try {
    localStorage.removeItem(ME_KEY);
  } catch {
    // Nothing kept.
  }
}

function enrollToken() {
  return decodeURIComponent(location.hash.slice(1));
}

/** `shell` = {update, install, error}: observables and the boot error from main.js. */
export function Root({ shell }) {
  const [state, setState] = useState({ view: 'loading' });
  const session = useRef(null);
  // A language switch re-renders everything below (t() reads the chosen language).
  const [, setLang] = useState(null);
  useEffect(() => onLangChange(setLang), []);

  function end(view = 'login', error = null) {
    const s = session.current;
    session.current = null;
    s?.sync.stop();
    s?.store.close();
    setState({ view, error });
  }

  async function start(me) {
    const [{ openStore }, { createSync }, { createActions }, { App }] = await loadApp();
    const store = await openStore(me);
    const sync = createSync(store);
    const actions = createActions(store);
    const value = {
      me, store, sync, actions, shell,
      /** Ends the session on the server, then here. Throws (offline) without ending it. */
      async logout() {
        await auth.logout();
        forgetMe();
        end();
      },
      /** The server no longer knows this session (401, revoked device): log in again; the
       * outbox stays in the user's database and is pushed after the new login. */
      relogin() {
        forgetMe();
        end();
      },
    };
    session.current = value;
    sync.start();
    navigator.storage?.persist?.().catch(() => {});
    setState({ view: 'app', session: value, App });
  }

  async function showSession() {
    // Somebody was signed in here: load the app while the server is asked who (one import each).
    if (cachedMe()) loadApp().catch(() => {});
    let me;
    let offline = false;
    try {
      me = await auth.me();
      if (me) rememberMe(me);
      else forgetMe();
    } catch (e) {
      if (e.code !== 'offline') throw e;
      me = cachedMe();
      offline = true;
    }
    if (me) await start(me);
    else setState({ view: 'login', offline });
  }

  async function afterCeremony() {
    // The enrollment token must not stay in the address bar or the history.
    if (location.pathname !== '/') history.replaceState(null, '', '/');
    await showSession();
  }

  useEffect(() => {
    if (location.pathname === '/enroll') {
      const token = enrollToken();
      setState({ view: 'enroll', token, error: token ? null : new Error(t('enroll.incomplete')) });
      return undefined;
    }
    showSession().catch((error) => setState({ view: 'login', error }));
    return () => end('loading');
  }, []);

  const error = state.error ?? shell.error;
  let view;
  if (state.view === 'enroll') {
    view = html`<${Enroll} token=${state.token} ceremony=${auth.enroll} onDone=${afterCeremony} error=${error} />`;
  } else if (state.view === 'login') {
    view = html`<${Login} ceremony=${auth.login} onDone=${afterCeremony} error=${error} offline=${state.offline} />`;
  } else if (state.view === 'app') {
    view = html`<${state.App} session=${state.session} />`;
  } else {
    view = html`<${Loading} />`;
  }
  return html`<${UpdateBanner} update=${shell.update} />${view}`;
}
