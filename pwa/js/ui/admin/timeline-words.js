// An order's timeline in words (docs/admin.md § Orders): the server's entries name mutations and
// fields as code ("order.update: delivery_address", "orders.assign" with warehouse and user ids);
// the console says them as a person reads them ("Order edit: Delivery address", "Order assigned:
// Warehouse: WH1 · Picker: Ann"). Pure functions of an entry and the names the page knows.

import { formatValue } from '../conflict-text.js';
import { formatMoney } from '../../format.js';
import { hasKey, t } from '../../i18n.js';
import { actionText } from './audit.js';

const said = (key, fallback) => (hasKey(key) ? t(key) : fallback);
const fieldWord = (f) => said(`field.${f}`, f);
const statusWord = (s) => said(`status.${s}`, s);

/** Yuan as the server writes them in a summary ("12.50") → "¥12.50" in the user's language. */
function yuan(text) {
  const n = Number(text);
  return Number.isFinite(n) ? formatMoney(Math.round(n * 100)) : text;
}

/** What a mutation entry's summary ("name: details") did, in words. */
function mutationWords(summary) {
  const at = summary.indexOf(': ');
  const name = at < 0 ? summary : summary.slice(0, at);
  const rest = at < 0 ? '' : summary.slice(at + 2);
  const head = said(`mutation.${name}`, name);
  if (!rest) return head;
  if (name === 'order.transition') return `${head}: ${rest.split(' → ').map(statusWord).join(' → ')}`;
  if (name === 'order.update') return `${head}: ${rest.split(', ').map(fieldWord).join(', ')}`;
  if (name === 'payment.record') {
    const [method, amount] = rest.split(' ');
    return `${head}: ${said(`pay.${method}`, method)} ${yuan(amount)}`;
  }
  if (name === 'order.line.upsert') return `${head}: ${t('line.qty')} ${rest}`;
  return `${head}: ${rest}`;
}

/** The "what" of a timeline entry in words (status steps, conflicts: the page's own). */
export function entryWords(e) {
  if (e.kind === 'mutation') return mutationWords(e.summary);
  if (e.kind === 'admin') return actionText(e.summary);
  if (e.kind === 'scan') return said(`admin.timeline.scan.${e.summary}`, e.summary);
  if (e.kind === 'redemption') return t('admin.timeline.redeemed');
  if (e.kind === 'qr') return t('admin.timeline.qrIssued');
  return e.summary;
}

/** An admin entry's detail ({"set": {...}, "was": {...}, "number": …}) in words, ids by the names
 * in `names` ({warehouses: {id: code}, users: {id: name}}): "Warehouse: WH1 · Assignee: Ann". */
export function adminDetailWords(detail, names = {}) {
  let parsed;
  try {
    parsed = JSON.parse(detail);
  } catch {
    return detail ?? '';
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return detail ?? '';
  const fields = parsed.set && typeof parsed.set === 'object' ? parsed.set : parsed;
  return Object.entries(fields)
    .filter(([k, v]) => k !== 'number' && v !== undefined)
    .map(([k, v]) => {
      if (k === 'warehouse_id') return `${fieldWord(k)}: ${v === null ? '—' : names.warehouses?.[v] ?? t('conflict.unknown')}`;
      if (k === 'assignee_id') return `${fieldWord(k)}: ${v === null ? '—' : names.users?.[v] ?? t('conflict.unknown')}`;
      return `${fieldWord(k)}: ${formatValue(k, v, names)}`;
    })
    .join(' · ');
}
