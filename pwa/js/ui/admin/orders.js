// /admin/orders (docs/admin.md): to be built. Scaffolding: the route, the navigation entry and
// the texts file (locales/admin/orders.js) exist so the page can be built without touching them.

import { html } from 'htm/preact';

import { Screen } from '../components.js';

export function AdminOrders() {
  return html`<${Screen} title="Orders" testid="admin-orders" />`;
}
