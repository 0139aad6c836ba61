// /admin/after-sales (docs/admin.md): to be built. Scaffolding: the route, the navigation entry and
// the texts file (locales/admin/aftersales.js) exist so the page can be built without touching them.

import { html } from 'htm/preact';

import { Screen } from '../components.js';

export function AdminAfterSales() {
  return html`<${Screen} title="After-sales" testid="admin-aftersales" />`;
}
