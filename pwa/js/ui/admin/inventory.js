// /admin/inventory (docs/admin.md): to be built. Scaffolding: the route, the navigation entry and
// the texts file (locales/admin/inventory.js) exist so the page can be built without touching them.

import { html } from 'htm/preact';

import { Screen } from '../components.js';

export function AdminInventory() {
  return html`<${Screen} title="Inventory" testid="admin-inventory" />`;
}
