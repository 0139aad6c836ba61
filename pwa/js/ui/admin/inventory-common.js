// What the inventory tabs share (docs/admin.md § Inventory): the state badge of a level, a
// query string from filters, the export links and the warehouse picker.

import { html } from 'htm/preact';

import { t } from '../../i18n.js';
import { Badge, Select } from '../components.js';

const STATE_KIND = { ok: 'ok', reorder: 'warn', critical: 'warn', negative: 'warn' };

/** The state of a level (ok / reorder / critical / negative) as a badge. */
export function StateBadge({ state }) {
  return html`<${Badge} kind=${STATE_KIND[state] ?? 'info'} testid="stock-state">
    ${state === 'critical' || state === 'negative' ? '⚠ ' : ''}${t(`admin.inventory.state.${state}`)}<//>`;
}

/** `?a=1&b=2` of the filters that are set (empty ones left out), without the `?`. */
export function qs(filters) {
  const out = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) {
    if (value !== undefined && value !== null && value !== '' && value !== false) out.set(key, String(value));
  }
  return out.toString();
}

/** The CSV and XLSX links of a list endpoint with its filters. */
export function ExportLinks({ path, filters, testid }) {
  const base = qs(filters);
  const href = (format) => `${path}?${base ? `${base}&` : ''}format=${format}`;
  return html`
    <a href=${href('csv')} download data-testid=${`${testid}-export-csv`}>${t('admin.inventory.exportCsv')}</a>
    <a href=${href('xlsx')} download data-testid=${`${testid}-export-xlsx`}>${t('admin.inventory.exportXlsx')}</a>`;
}

/** A select of the warehouses (from GET /api/admin/warehouses), with "all" or "choose" first. */
export function WarehouseSelect({ warehouses, value, onChange, testid, label, first = t('common.all'), ...rest }) {
  return html`<${Select} label=${label ?? t('admin.inventory.warehouse')} value=${value} onChange=${onChange} testid=${testid}
    options=${[['', first], ...(warehouses ?? []).map((w) => [w.id, `${w.code} · ${w.name}`])]} ...${rest} />`;
}

/** The previous/next buttons of an offset-paged list. */
export function Pager({ page, offset, size, onOffset, testid }) {
  if (!page || (offset === 0 && page.next == null)) return null;
  return html`
    <div class="actions pager">
      <button type="button" data-testid=${`${testid}-previous`} disabled=${offset === 0}
        onClick=${() => onOffset(Math.max(0, offset - size))}>${t('admin.inventory.previous')}</button>
      <button type="button" data-testid=${`${testid}-next`} disabled=${page.next == null}
        onClick=${() => onOffset(page.next)}>${t('admin.inventory.next')}</button>
    </div>`;
}
