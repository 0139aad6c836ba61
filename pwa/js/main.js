// The pages of the app shell: enrollment (/enroll#<token>), passkey login, and the signed-in
// view. Each view is a <section data-view> of index.html; one is shown at a time.

import { api } from './api.js';
import * as auth from './auth.js';

const $ = (id) => document.getElementById(id);

function show(view) {
  for (const section of document.querySelectorAll('[data-view]')) {
    section.hidden = section.dataset.view !== view;
  }
}

function showError(error) {
  const box = $('error');
  box.textContent = error ? error.message || String(error) : '';
  box.hidden = !error;
}

/** Runs an action from a button: the button waits, an error is shown, not thrown. */
function action(button, run) {
  button.addEventListener('click', async () => {
    button.disabled = true;
    showError(null);
    try {
      await run();
    } catch (e) {
      showError(e);
    } finally {
      button.disabled = false;
    }
  });
}

function showSignedIn(me) {
  $('me-name').textContent = me.user.name;
  $('me-role').textContent = me.user.role;
  $('me-device').textContent = me.device?.code ?? '—';
  show('signed-in');
}

async function showSession() {
  const me = await auth.me();
  if (me) showSignedIn(me);
  else show('login');
}

function enrollToken() {
  return decodeURIComponent(location.hash.slice(1));
}

async function afterCeremony() {
  // The enrollment token must not stay in the address bar or the history.
  if (location.pathname !== '/') history.replaceState(null, '', '/');
  await showSession();
}

async function showHealth() {
  try {
    const h = await api('GET', '/api/health');
    $('health').textContent = `${h.status}, ${h.database}`;
  } catch {
    $('health').textContent = 'unreachable';
  }
}

action($('enroll'), async () => {
  await auth.enroll(enrollToken());
  await afterCeremony();
});
action($('login'), async () => {
  await auth.login();
  await afterCeremony();
});
action($('logout'), async () => {
  await auth.logout();
  show('login');
});

showHealth();
try {
  if (location.pathname === '/enroll') {
    if (enrollToken()) show('enroll');
    else throw new Error('This enrollment link is incomplete: ask an administrator for a new one.');
  } else {
    await showSession();
  }
} catch (e) {
  show('login');
  showError(e);
}
