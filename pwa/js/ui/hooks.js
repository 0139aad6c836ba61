// Live reads several screens share.

import { isUnseen, outcomesOf, SEEN_KEY } from '../core/outcomes.js';
import { conflictIdsOf } from '../core/refused.js';
import { hasPermission } from '../core/vocab.js';
import { useApp } from './context.js';
import { useLive } from './live.js';

export const OPEN_CONFLICT = ['open', 'referred'];

/** The conflicts this user has to look at: their own, or everybody's for those who may
 * resolve anyone's (conflicts.resolve). `overwritten` notices are not among them: they are
 * news about one's own change, counted while unseen (useOutcomes). */
export function useOpenConflicts() {
  const { store, me } = useApp();
  const role = me.user.role;
  const all = hasPermission(role, 'conflicts.resolve');
  return useLive(async () => {
    const open = await store.db.conflicts
      .where('status')
      .anyOf(OPEN_CONFLICT)
      .filter((c) => (all || c.user_id === me.user.id) && c.kind !== 'overwritten')
      .toArray();
    // A conflict of refused work (an order the server did not make) is settled there, with
    // the order: it is not counted twice (docs/pwa.md, "Refused work").
    const covered = new Set((await store.refusedWork()).flatMap(conflictIdsOf));
    return open.filter((c) => !covered.has(c.id));
  }, [store, role]);
}

/** What became of this user's changes (core/outcomes.js): `{list, seen, unseen}`, `list`
 * newest first, `seen` the marks kept on the device, `unseen` how many are news; undefined
 * while loading. */
export function useOutcomes() {
  const { store, me } = useApp();
  const userId = me.user.id;
  return useLive(async () => {
    const mine = await store.db.conflicts.where('user_id').equals(userId).toArray();
    const list = outcomesOf(mine, userId);
    const seen = await store.meta(SEEN_KEY, {});
    return { list, seen, unseen: list.filter((c) => isUnseen(c, seen, userId)).length };
  }, [store, userId]);
}

/** The "table:id" keys of rows a mutation in the outbox touches (kept current). */
export function usePendingKeys() {
  const { store } = useApp();
  return useLive(() => store.pendingKeys(), [store]) ?? new Set();
}

/** How many mutations wait in the outbox (kept current; undefined while loading). */
export function usePendingCount() {
  const { store } = useApp();
  return useLive(() => store.db.outbox.count(), [store]);
}

/** A table as {id: row} (small tables: warehouses, a rep's customers, the catalog). */
export function useById(table) {
  const { store } = useApp();
  const rows = useLive(() => store.db.table(table).toArray(), [store, table]);
  if (!rows) return undefined;
  return Object.fromEntries(rows.map((r) => [r.id, r]));
}

/** Warehouses sorted by code. */
export function useWarehouses() {
  const { store } = useApp();
  return useLive(() => store.db.warehouses.orderBy('code').toArray(), [store]) ?? [];
}
