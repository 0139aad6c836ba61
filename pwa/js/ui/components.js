// Small components every screen uses: the screen frame, fields, buttons, error box, badges.

import { html } from 'htm/preact';
import { useState } from 'preact/hooks';

import { formatDate } from '../format.js';
import { hasKey, t } from '../i18n.js';
import { navigate } from './router.js';
import { describe } from './validation.js';

/** A screen: a sticky title bar (back button, title, actions on the right) and its body. */
export function Screen({ title, back, actions, testid, children }) {
  return html`
    <section class="screen" data-testid=${testid}>
      <header class="bar">
        ${back && html`
          <button type="button" class="icon" data-testid="back" aria-label=${t('common.back')}
            onClick=${() => (history.length > 1 ? history.back() : navigate(back))}>‹</button>`}
        <h1>${title}</h1>
        <div class="bar-actions">${actions}</div>
      </header>
      <div class="body">${children}</div>
    </section>`;
}

/** The error of the last action in the user's words: StorageFull, a mutation the catalog
 * refuses (Invalid: each problem, naming its field), a server error by its code (`error.<code>`,
 * the server's own message kept in data-message); anything else is a bug, shown as it is. */
export function ErrorBox({ error }) {
  if (!error) return null;
  let text = error.message || String(error);
  let detail;
  if (error.name === 'StorageFull') text = t('error.storageFull');
  else if (error.code === 'offline') text = t('error.offline');
  else if (error.name === 'Invalid' && Array.isArray(error.problems)) text = error.problems.map(describe).join(' ');
  else if (typeof error.code === 'string' && hasKey(`error.${error.code}`)) {
    detail = error.message;
    text = t(`error.${error.code}`);
  }
  return html`<p class="error" role="alert" data-testid="error" data-message=${detail}>${text}</p>`;
}

/** Runs async actions for a button: answers [run, busy, error]; errors are shown, not thrown. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const run = async (work) => {
    setBusy(true);
    setError(null);
    try {
      return await work();
    } catch (e) {
      console.error(e);
      setError(e);
      return undefined;
    } finally {
      setBusy(false);
    }
  };
  return [run, busy, error, setError];
}

/** A labelled input; `onInput` gets the value. */
export function Field({ label, value, onInput, testid, type = 'text', multiline, ...rest }) {
  const handler = (e) => onInput?.(e.currentTarget.value);
  const input = multiline
    ? html`<textarea data-testid=${testid} value=${value ?? ''} onInput=${handler} rows="3" ...${rest} />`
    : html`<input type=${type} data-testid=${testid} value=${value ?? ''} onInput=${handler} ...${rest} />`;
  // A date picker is laid out in the browser's locale (mm/dd/yyyy in an American Chrome,
  // whatever the app speaks): the date it holds is said again in the app's language.
  const read = type === 'date' && value
    ? html`<small class="hint" data-testid=${testid && `${testid}-read`}>${formatDate(value, { weekday: true })}</small>`
    : null;
  return html`<label class="field"><span>${label}</span>${input}${read}</label>`;
}

/** A labelled select of [value, text] options. */
export function Select({ label, value, onChange, options, testid, ...rest }) {
  return html`
    <label class="field"><span>${label}</span>
      <select data-testid=${testid} value=${value ?? ''}
        onChange=${(e) => onChange(e.currentTarget.value)} ...${rest}>
        ${options.map(([v, text]) => html`<option value=${v} selected=${v === (value ?? '')}>${text}</option>`)}
      </select>
    </label>`;
}

/** A search box with the magnifier and a clear button. */
export function Search({ value, onInput, placeholder, testid, ...rest }) {
  return html`
    <div class="search">
      <input type="search" data-testid=${testid} value=${value} placeholder=${placeholder}
        aria-label=${placeholder} onInput=${(e) => onInput(e.currentTarget.value)} ...${rest} />
    </div>`;
}

export function Badge({ kind = 'info', testid, children }) {
  return html`<span class=${`badge badge-${kind}`} data-testid=${testid}>${children}</span>`;
}

const STATUS_KIND = {
  draft: 'muted', submitted: 'info', on_hold: 'warn', confirmed: 'info', picking: 'info',
  packed: 'info', shipped: 'ok', delivered: 'ok', completed: 'ok', cancelled: 'muted',
  returned: 'warn', refunded: 'muted',
};

export function StatusBadge({ status, testid }) {
  return html`<${Badge} kind=${STATUS_KIND[status] ?? 'info'} testid=${testid}>${t(`status.${status}`)}<//>`;
}

/** The "not synced yet" marker of a row a pending mutation touches. */
export function PendingMark({ testid = 'pending-mark' }) {
  return html`<${Badge} kind="warn" testid=${testid}>${t('sync.pendingMark')}<//>`;
}

export function Empty({ children }) {
  return html`<p class="empty">${children}</p>`;
}

export function Loading() {
  return html`<p class="empty" aria-busy="true">${t('common.loading')}</p>`;
}

/** Definition list rows: [[label, value, testid?], ...]. */
export function Facts({ rows }) {
  return html`<dl class="facts">
    ${rows.filter(Boolean).map(([label, value, testid]) => html`
      <dt>${label}</dt><dd data-testid=${testid}>${value ?? '—'}</dd>`)}
  </dl>`;
}

/** Lower-cased text for searching: "Zhang San 138…" matches "zhang". */
export function normalize(text) {
  return String(text ?? '').toLowerCase().normalize('NFKC');
}
