// "Update ready" above any screen, sign-in included (<Root/> shows it; docs/pwa.md § App shell
// and updates). A module of its own: the sign-in screen shows it without loading the app.

import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';

import { t } from '../i18n.js';

// live.js's useObservable, without importing live.js (it brings Dexie, which the sign-in screen
// does not need). The value is a function (apply): always set through an updater.
function useFollowed(source) {
  const [value, setValue] = useState(() => source.get());
  useEffect(() => {
    setValue(() => source.get());
    return source.subscribe(() => setValue(() => source.get()));
  }, [source]);
  return value;
}

/** "Update ready" with the button that applies it (update.js hands us apply). */
export function UpdateBanner({ update }) {
  const apply = useFollowed(update);
  if (!apply) return null;
  return html`
    <div class="banner" role="status" data-testid="update-ready">
      <span>${t('update.ready')}</span>
      <button type="button" data-testid="update-apply" onClick=${() => apply()}>${t('update.reload')}</button>
    </div>`;
}
