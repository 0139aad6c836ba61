// What the admin pages share (docs/admin.md): the permission check, the wide-window question
// (the desktop layout), and a loader of an admin API list with its reload.

import { useEffect, useState } from 'preact/hooks';

import { ADMIN_CHANGED, api } from '../../api.js';
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

// The desktop layout's extra pages (docs/admin.md), each with the permission that shows it.
export const ADMIN_TABS = [
  ['admin-users', '/admin/users', '☷', 'users.read'],
  ['admin-devices', '/admin/devices', '▣', 'devices.read'],
  ['admin-tokens', '/admin/tokens', '⚿', 'users.manage'],
  ['admin-mutations', '/admin/mutations', '⇄', 'devices.read'],
  ['admin-orders', '/admin/orders', '☰', 'orders.read'],
  ['admin-customers', '/admin/customers', '☺', 'orders.read'],
  ['admin-review', '/admin/review', '⚖', 'orders.review'],
  ['admin-conflicts', '/admin/conflicts', '⚠', 'conflicts.resolve'],
  ['admin-inventory', '/admin/inventory', '▤', 'inventory.read'],
  ['admin-aftersales', '/admin/after-sales', '↺', 'aftersales.read'],
  ['admin-import', '/admin/import', '⇅', 'imports.run'],
  ['admin-reports', '/admin/reports', '◔', 'reports.read'],
  ['admin-audit', '/admin/audit', '✓', 'audit.read'],
];

/** The permissions of the admin pages: any one of them shows the console. */
export const ADMIN_PERMISSIONS = ADMIN_TABS.map(([, , , permission]) => permission);

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

// What the left navigation counts next to a page, with the permission it takes and how to read
// the count from the answer: overdue orders, the review queue, low stock.
const ALERTS = [
  ['admin-orders', 'orders.read', '/api/admin/orders/overdue/count', (got) => got.count],
  ['admin-review', 'orders.review', '/api/admin/review', (got) => got.orders_total + got.redemptions_total],
  ['admin-inventory', 'inventory.read', '/api/admin/stock/alerts?limit=1', (got) => got.total],
];
const ALERT_EVERY_MS = 60_000;

/** The alert counts of the admin pages the role may see, by tab name ({} until known). Asked
 * again every minute, whenever `path` changes and after every change made through the admin API
 * (api.js ADMIN_CHANGED);
 * a failed ask keeps the last counts (the console is online; a blip should not blank them). */
export function useAdminAlerts(role, path) {
  const [counts, setCounts] = useState({});
  useEffect(() => {
    let stale = false;
    const ask = () => {
      for (const [tab, permission, url, count] of ALERTS) {
        if (!may(role, permission)) continue;
        api('GET', url)
          .then((got) => { if (!stale) setCounts((now) => ({ ...now, [tab]: count(got) })); })
          .catch(() => {});
      }
    };
    ask();
    const timer = setInterval(ask, ALERT_EVERY_MS);
    addEventListener(ADMIN_CHANGED, ask); // a release, a cancel, an import: counts change now
    return () => { stale = true; clearInterval(timer); removeEventListener(ADMIN_CHANGED, ask); };
  }, [role, path]);
  return counts;
}
