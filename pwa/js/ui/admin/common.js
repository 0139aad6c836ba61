// What the admin pages share (docs/admin.md): the permission check, the wide-window question
// (the desktop layout), and a loader of an admin API list with its reload.

import { useEffect, useState } from 'preact/hooks';

import { api } from '../../api.js';
import { hasPermission } from '../../core/vocab.js';

/** The width from which admins and managers get the desktop layout (a left navigation). */
export const WIDE = '(min-width: 900px)';

/** Whether `role` has `permission`; false before the vocabulary is loaded. */
export function may(role, permission) {
  try {
    return hasPermission(role, permission);
  } catch {
    return false;
  }
}

/** Whether the role sees the admin pages at all. */
export function isAdminRole(role) {
  return ADMIN_PERMISSIONS.some((permission) => may(role, permission));
}

/** The permissions of the admin pages (app.js ADMIN_TABS): any one of them shows the console. */
export const ADMIN_PERMISSIONS = [
  'users.read', 'devices.read', 'orders.read', 'orders.review', 'conflicts.resolve', 'inventory.read',
  'aftersales.read', 'imports.run', 'reports.read', 'audit.read',
];

/** Whether the window is at least 900 px wide (kept current). */
export function useWide() {
  const query = typeof matchMedia === 'function' ? matchMedia(WIDE) : null;
  const [wide, setWide] = useState(query?.matches ?? false);
  useEffect(() => {
    if (!query) return undefined;
    const changed = () => setWide(query.matches);
    query.addEventListener('change', changed);
    return () => query.removeEventListener('change', changed);
  }, []);
  return wide;
}

/** GET `path` of the admin API: answers [rows (undefined while loading), error, reload]. */
export function useAdminList(path, enabled = true) {
  const [rows, setRows] = useState(undefined);
  const [error, setError] = useState(null);
  const [round, setRound] = useState(0);
  useEffect(() => {
    if (!enabled) return undefined;
    let stale = false;
    api('GET', path)
      .then((got) => { if (!stale) { setRows(got); setError(null); } })
      .catch((e) => { if (!stale) setError(e); });
    return () => { stale = true; };
  }, [path, round, enabled]);
  return [rows, error, () => setRound((n) => n + 1)];
}
