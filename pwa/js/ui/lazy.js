// Screens loaded when first shown: the admin console's pages (and uPlot under the reports) are
// import()ed only when an admin route is opened, so a phone never downloads them (docs/pwa.md
// § First load). No bundler: the browser loads the page's module graph itself.
//
//   const AdminReports = lazy(() => import('./admin/reports.js'), 'AdminReports');
//
// Once loaded, the component renders at once (the module is kept). A failed load (offline before
// the console was ever cached) says so with a button that tries again.

import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';

import { t } from '../i18n.js';

/** A component that loads `name` of the module `load()` answers, then renders it. */
export function lazy(load, name) {
  let screen = null;
  let loading = null;

  function fetchScreen() {
    loading ??= load().then(
      (module) => {
        screen = module[name];
        if (!screen) throw new Error(`lazy: the module has no export ${name}`);
      },
      (error) => {
        loading = null; // the next try imports again
        throw error;
      },
    );
    return loading;
  }

  function Lazy(props) {
    const [state, setState] = useState(screen ? 'ready' : 'loading');
    useEffect(() => {
      if (screen || state !== 'loading') return undefined;
      let live = true;
      fetchScreen().then(
        () => live && setState('ready'),
        (error) => {
          console.error(error);
          if (live) setState('failed');
        },
      );
      return () => {
        live = false;
      };
    }, [state]);
    if (screen) return html`<${screen} ...${props} />`;
    if (state === 'failed') {
      return html`<section class="screen"><div class="body" role="alert" data-testid="load-failed">
        <p>${t('common.loadFailed')}</p>
        <button type="button" onClick=${() => setState('loading')}>${t('common.retry')}</button>
      </div></section>`;
    }
    return html`<section class="screen"><div class="body">
      <p class="empty" aria-busy="true">${t('common.loading')}</p></div></section>`;
  }
  Lazy.displayName = `Lazy(${name})`;
  Lazy.preload = fetchScreen;
  return Lazy;
}

/** Adds `<link rel="stylesheet" href>` to the document once (a lazy page's own styles). */
export function stylesheet(href) {
  if (document.querySelector(`link[rel="stylesheet"][href="${href}"]`)) return;
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = href;
  document.head.append(link);
}
