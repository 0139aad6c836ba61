// Boot (docs/pwa.md): the vocabulary shared with the server, the service worker, then <Root/>,
// which finds the session (enrollment link, passkey login, or the signed-in user's app).

import { html } from 'htm/preact';
import { render } from 'preact';

import { observable } from './core/observable.js';
import { useVocabulary } from './core/vocab.js';
import { getLang } from './i18n.js';
import { Root } from './ui/root.js';

document.documentElement.lang = getLang();

const shell = {
  // The function that applies a waiting update, once there is one.
  update: observable(null),
  // The browser's install prompt (beforeinstallprompt), when it offers one.
  install: observable(null),
  error: null,
};

addEventListener('beforeinstallprompt', (event) => {
  event.preventDefault();
  shell.install.set(event);
});
addEventListener('appinstalled', () => shell.install.set(null));

try {
  const response = await fetch('/shared/vocabulary.json');
  if (!response.ok) throw new Error(`/shared/vocabulary.json: ${response.status}`);
  useVocabulary(await response.json());
} catch (e) {
  console.error(e);
  shell.error = e;
}

import('./update.js')
  .then(({ registerServiceWorker }) =>
    registerServiceWorker({ onUpdateReady: (apply) => shell.update.set(apply) }))
  .catch((e) => console.warn('no service worker', e));

// The static screen of index.html (painted before the modules arrived) gives way to the app.
const root = document.getElementById('app');
root.replaceChildren();
render(html`<${Root} shell=${shell} />`, root);
