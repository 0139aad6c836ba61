// What a rep keeps for themselves on their phone (docs/pwa.md, "The rep's everyday screens"):
// favourite customers, offered first when an order is made, and order templates — a usual order
// (its lines, quantities and discounts, its customer if it has one) to start a new order from. Both live in
// the device's `meta` table: personal shortcuts, not company data, so they do not sync (a second
// phone starts without them) and go with the device's data at logout.

import { useApp } from './context.js';
import { useLive } from './live.js';

const FAVOURITES = 'favouriteCustomers';
const TEMPLATES = 'orderTemplates';
export const TEMPLATE_NAME_MAX = 60;
export const TEMPLATES_MAX = 50; // a shortlist: the select stays short enough to read

/** The ids of this device's favourite customers (a Set; empty while loading). */
export function useFavourites() {
  const { store } = useApp();
  const ids = useLive(() => store.meta(FAVOURITES, []), [store]);
  return new Set(ids ?? []);
}

/** Marks or unmarks customer `id` as a favourite. */
export async function toggleFavourite(store, id) {
  const ids = new Set(await store.meta(FAVOURITES, []));
  if (!ids.delete(id)) ids.add(id);
  await store.setMeta(FAVOURITES, [...ids]);
  return ids.has(id);
}

/** This device's order templates, newest first (an empty list while loading). */
export function useTemplates() {
  const { store } = useApp();
  return useLive(() => store.meta(TEMPLATES, []), [store]) ?? [];
}

/** Saves `order` (with its `lines`) as a template called `name`; answers the template. The
 * prices are not kept: an order made from it takes today's. */
export async function saveTemplate(store, name, order, lines) {
  const template = {
    id: `tpl-${Date.now().toString(36)}`,
    name: name.trim().slice(0, TEMPLATE_NAME_MAX),
    customer_id: order.customer_id ?? null,
    priority: order.priority ?? 'normal',
    warehouse_id: order.warehouse_id ?? null,
    discount_bp: order.discount_bp ?? 0,
    lines: lines.map((l) => ({ product_id: l.product_id, qty: l.qty, discount_bp: l.discount_bp ?? 0 })),
  };
  const kept = (await store.meta(TEMPLATES, [])).filter((t) => t.name !== template.name);
  await store.setMeta(TEMPLATES, [template, ...kept].slice(0, TEMPLATES_MAX));
  return template;
}

export async function deleteTemplate(store, id) {
  await store.setMeta(TEMPLATES, (await store.meta(TEMPLATES, [])).filter((t) => t.id !== id));
}
