// /admin/review (docs/admin.md): to be built. Scaffolding: the route, the navigation entry and
// the texts file (locales/admin/review.js) exist so the page can be built without touching them.

import { html } from 'htm/preact';

import { Screen } from '../components.js';

export function AdminReview() {
  return html`<${Screen} title="Review" testid="admin-review" />`;
}
