// The history-API router: navigate(path) and useLocation(); the service worker answers every
// navigation with the shell, so a reload on /orders/<id> comes back to the same screen.

import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';

const EVENT = 'orderly:navigate';

/** Goes to `path` (with its ?query); `replace` keeps the history entry count. */
export function navigate(path, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  dispatchEvent(new Event(EVENT));
  window.scrollTo?.(0, 0);
}

function here() {
  return { path: location.pathname, query: new URLSearchParams(location.search) };
}

/** {path, query} of the current address, re-rendering on navigation and back/forward. */
export function useLocation() {
  const [where, setWhere] = useState(here);
  useEffect(() => {
    const update = () => setWhere(here());
    addEventListener('popstate', update);
    addEventListener(EVENT, update);
    return () => {
      removeEventListener('popstate', update);
      removeEventListener(EVENT, update);
    };
  }, []);
  return where;
}

/** The first route whose pattern ("/orders/:id") matches path: {route, params}, or null. */
export function match(routes, path) {
  const parts = path.replace(/\/+$/, '').split('/');
  for (const route of routes) {
    const pattern = route.path.replace(/\/+$/, '').split('/');
    if (pattern.length !== parts.length) continue;
    const params = {};
    const ok = pattern.every((p, i) => {
      if (p.startsWith(':')) {
        params[p.slice(1)] = decodeURIComponent(parts[i]);
        return parts[i] !== '';
      }
      return p === parts[i];
    });
    if (ok) return { route, params };
  }
  return null;
}

/** An in-app link: a real <a href> (long-press, new tab) that navigates without a reload. */
export function Link({ href, children, ...rest }) {
  const onClick = (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
    e.preventDefault();
    navigate(href);
  };
  return html`<a href=${href} onClick=${onClick} ...${rest}>${children}</a>`;
}
