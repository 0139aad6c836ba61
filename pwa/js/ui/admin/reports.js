// /admin/reports (docs/admin.md): to be built. Scaffolding: the route, the navigation entry and
// the texts file (locales/admin/reports.js) exist so the page can be built without touching them.

import { html } from 'htm/preact';

import { Screen } from '../components.js';

export function AdminReports() {
  return html`<${Screen} title="Reports" testid="admin-reports" />`;
}
