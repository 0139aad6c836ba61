// /admin/audit (docs/admin.md): to be built. Scaffolding: the route, the navigation entry and
// the texts file (locales/admin/audit.js) exist so the page can be built without touching them.

import { html } from 'htm/preact';

import { Screen } from '../components.js';

export function AdminAudit() {
  return html`<${Screen} title="Audit log" testid="admin-audit" />`;
}
