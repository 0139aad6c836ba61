// Refused work (docs/pwa.md, "Refused work"): what the server did not take stays here, named,
// with a reason in the user's language, until the person fixes it (sent again as a new
// mutation) or discards it (after a confirmation). An order opens in the order form with
// everything it had; other changes in a small form of their own fields.

import { html } from 'htm/preact';
import { useState } from 'preact/hooks';

import { keepsIdentity, paymentMethodOf } from '../core/refused.js';
import { bpToPercent, lineNet, orderNet } from '../core/totals.js';
import { problems } from '../core/validate.js';
import { priorities } from '../core/vocab.js';
import { formatDate, formatMoney, formatNumber, inputToMinor, minorToInput } from '../format.js';
import { hasKey, t } from '../i18n.js';
import { ErrorBox, Field, Loading, Screen, Select, useAction } from './components.js';
import { useApp } from './context.js';
import { useLive } from './live.js';
import { PAYMENT_METHODS } from './order-new.js';
import { Link, navigate } from './router.js';
import { describe } from './validation.js';

/** The refused work of this user, kept current (undefined while loading). */
export function useRefusedWork() {
  const { store } = useApp();
  return useLive(() => store.refusedWork(), [store]);
}

const MONEY = new Set(['unit_price', 'amount', 'total']);

/** A value of field `field` as a person reads it (money in the currency, never minor units). */
export function showArg(field, value) {
  if (value === null || value === undefined || value === '') return '—';
  if (MONEY.has(field)) return formatMoney(value);
  if (field === 'due_date') return formatDate(value);
  if (field === 'priority' && hasKey(`priority.${value}`)) return t(`priority.${value}`);
  if (field === 'method' && hasKey(`pay.${value}`)) return t(`pay.${value}`);
  if (field === 'status' && hasKey(`status.${value}`)) return t(`status.${value}`);
  if (typeof value === 'number') return formatNumber(value);
  return String(value);
}

function fieldLabel(field) {
  return hasKey(`field.${field}`) ? t(`field.${field}`) : field;
}

function mutationLabel(name) {
  return hasKey(`mutation.${name}`) ? t(`mutation.${name}`) : name;
}

/** The name of a row the refused work names: from the names kept with it, else this device. */
function useName(item, table, id) {
  const { store } = useApp();
  const kept = item.labels?.[table]?.[id];
  const show = { customers: 'name', products: 'name', orders: 'number', warehouses: 'code' }[table];
  const row = useLive(() => (id && !kept ? store.db.table(table).get(id) : null), [store, table, id, kept]);
  return kept ?? row?.[show] ?? null;
}

/** "Order K7F-00042 · Golden Leaf Café", "Customer Acme", … — what the work is about. */
function Subject({ item }) {
  const { name, args } = item;
  const orderId = name === 'order.create' ? null : (args?.order_id ?? (name.startsWith('order.') ? args?.id : null));
  const orderNo = useName(item, 'orders', orderId);
  const customerId = args?.customer_id ?? args?.set?.customer_id ?? (name === 'customer.upsert' ? args?.id : null);
  const customer = useName(item, 'customers', customerId);
  const productId = args?.line?.product_id ?? args?.product_id;
  const product = useName(item, 'products', productId);
  const parts = [];
  if (name === 'order.create') parts.push(t('refused.order', { number: args.number }));
  else if (orderId) parts.push(t('refused.order', { number: orderNo ?? t('refused.unknownOrder') }));
  if (name === 'customer.upsert') parts.push(t('refused.customer', { name: args?.name || customer || '—' }));
  else if (customer) parts.push(customer);
  if (product) parts.push(product);
  return html`<span data-testid="refused-subject">${parts.join(' · ') || mutationLabel(name)}</span>`;
}

/** Why the server refused it, in words: the refusal's code, and for invalid data which field
 * breaks which limit (checked here with the same catalog the server used); for an order that
 * named a record that is gone, which one. */
function Reason({ item }) {
  const { store } = useApp();
  const conflict = useLive(() => (item.conflictId ? store.db.conflicts.get(item.conflictId) : null), [store, item.conflictId]);
  const table = conflict?.table_name;
  const missing = useName(item, table ?? 'products', conflict?.row_id);
  const lines = [];
  if (item.status === 'conflict') {
    if (conflict?.kind === 'missing_reference' && hasKey(`refused.missing.${table}`)) {
      lines.push(t(`refused.missing.${table}`, { name: missing ?? '—' }));
    } else {
      lines.push(t('refused.missingSomething'));
    }
  } else {
    lines.push(hasKey(`reject.${item.error}`) ? t(`reject.${item.error}`) : t('reject.unknown'));
    if (item.error === 'invalid_args') for (const p of problems(item.name, item.args)) lines.push(describe(p));
  }
  return html`<ul class="plain reasons" data-testid="refused-reason" data-error=${item.error ?? item.status}>
    ${lines.map((l) => html`<li>${l}</li>`)}</ul>`;
}

/** Home: how much refused work waits, linking to the list. */
export function RefusedCard() {
  const work = useRefusedWork();
  if (!work?.length) return null;
  return html`
    <${Link} class="card link warn" href="/refused" data-testid="home-refused">
      <strong>${t('refused.count', { count: work.length })}</strong>
      <span>${t('refused.hint')}</span>
    <//>`;
}

export function RefusedList() {
  const work = useRefusedWork();
  return html`
    <${Screen} title=${t('refused.title')} back="/" testid="refused">
      ${!work ? html`<${Loading} />` : !work.length ? html`<p class="empty">${t('refused.none')}</p>` : html`
        <p class="muted">${t('refused.intro')}</p>
        <ul class="list">
          ${work.map((item) => html`
            <li key=${item.id}><${Link} href=${`/refused/${item.id}`} data-testid="refused-item"
                data-name=${item.name} data-id=${item.id}>
              <span class="main">${mutationLabel(item.name)} · <${Subject} item=${item} /></span>
              <span class="sub"><${Reason} item=${item} /></span>
            <//></li>`)}
        </ul>`}
    <//>`;
}

/** The whole of what was sent: an order with all its lines, or the fields of a change. */
function Sent({ item }) {
  const { args, name } = item;
  if (name === 'order.create') return html`<${SentOrder} item=${item} />`;
  const fields = name === 'order.update' ? args.set ?? {}
    : name === 'order.line.upsert' ? args.line ?? {}
    : Object.fromEntries(Object.entries(args ?? {}).filter(([k]) => !['id', 'base_version', 'order_id', 'line_id'].includes(k)));
  return html`<dl class="facts" data-testid="refused-data">
    ${Object.entries(fields).filter(([k]) => !k.endsWith('_id') || k === 'customer_id').map(([k, v]) => html`
      <dt>${fieldLabel(k)}</dt><dd data-field=${k}>${k === 'customer_id' ? html`<${Named} item=${item} table="customers" id=${v} />` : showArg(k, v)}</dd>`)}
  </dl>`;
}

function Named({ item, table, id }) {
  return useName(item, table, id) ?? '—';
}

function SentOrder({ item }) {
  const { args } = item;
  const total = orderNet(args.lines ?? [], args.discount_bp ?? 0);
  return html`
    <div data-testid="refused-data">
      <table class="refused-lines" data-testid="refused-lines">
        <thead><tr><th>${t('line.product')}</th><th>${t('line.qty')}</th><th>${t('line.unitPrice')}</th><th>${t('order.total')}</th></tr></thead>
        <tbody>${(args.lines ?? []).map((l) => html`<tr key=${l.id} data-testid="refused-line">
          <td><${Named} item=${item} table="products" id=${l.product_id} /></td>
          <td>${formatNumber(l.qty)}</td><td>${formatMoney(l.unit_price)}${l.discount_bp ? ` −${bpToPercent(l.discount_bp)} %` : ''}</td>
          <td>${formatMoney(lineNet(l))}</td></tr>`)}</tbody>
      </table>
      <p class="total">${t('order.total')}: <strong>${formatMoney(total)}</strong></p>
      <dl class="facts">
        <dt>${t('order.customer')}</dt><dd><${Named} item=${item} table="customers" id=${args.customer_id} /></dd>
        ${args.priority && html`<dt>${t('order.priority')}</dt><dd>${showArg('priority', args.priority)}</dd>`}
        ${args.due_date && html`<dt>${t('order.dueDate')}</dt><dd>${showArg('due_date', args.due_date)}</dd>`}
        ${args.delivery_address && html`<dt>${t('order.deliveryAddress')}</dt><dd>${args.delivery_address}</dd>`}
        ${args.warehouse_id && html`<dt>${t('order.warehouse')}</dt><dd><${Named} item=${item} table="warehouses" id=${args.warehouse_id} /></dd>`}
        ${paymentMethodOf(item) && html`<dt>${t('order.paymentMethod')}</dt><dd>${showArg('method', paymentMethodOf(item))}</dd>`}
        ${args.notes && html`<dt>${t('order.notes')}</dt><dd class="prewrap" data-field="notes">${args.notes}</dd>`}
      </dl>
    </div>`;
}

// The fields a person may correct before sending a refused change again, by mutation: where
// each lives in the args and how it is typed. Ids and versions are not for people to edit.
const FIXABLE = {
  'order.update': (args) => Object.keys(args.set ?? {}).filter((f) => f in KINDS).map((f) => ['set', f]),
  'customer.upsert': () => [[null, 'name'], [null, 'phone'], [null, 'address'], [null, 'region']],
  'order.line.upsert': () => [['line', 'qty'], ['line', 'unit_price']],
  'payment.record': () => [[null, 'method'], [null, 'amount']],
  'order.transition': () => [[null, 'reason']],
  'stock.move': () => [[null, 'delta'], [null, 'ref']],
};
const KINDS = {
  priority: 'priority', due_date: 'date', notes: 'long', delivery_address: 'long', name: 'text',
  phone: 'text', address: 'long', region: 'text', reason: 'long', ref: 'text', qty: 'int',
  delta: 'int', unit_price: 'money', amount: 'money', method: 'method',
};

/** The editable text of a stored value, and back. */
function toInput(kind, value) {
  if (value === null || value === undefined) return '';
  return kind === 'money' ? minorToInput(value) : String(value);
}
function fromInput(kind, text) {
  if (kind === 'money') return inputToMinor(text) ?? text; // left as text: the check names it
  if (kind === 'int') return /^-?\d+$/.test(text.trim()) ? Number(text.trim()) : text;
  return text === '' ? null : text;
}

function FixForm({ item, onDone }) {
  const { store, actions } = useApp();
  const fields = FIXABLE[item.name]?.(item.args) ?? [];
  const read = ([at, f]) => (at ? item.args[at]?.[f] : item.args[f]);
  const [values, setValues] = useState(() => Object.fromEntries(fields.map((p) => [p[1], toInput(KINDS[p[1]], read(p))])));
  const [run, busy, error] = useAction();
  const send = (e) => {
    e.preventDefault();
    run(async () => {
      const args = structuredClone(item.args);
      for (const [at, f] of fields) {
        const value = fromInput(KINDS[f], values[f]);
        if (at) args[at][f] = value;
        else args[f] = value;
      }
      await actions.sendAgain(item.name, args);
      await store.settleRefused(item.id, 'fixed');
      onDone();
    });
  };
  const input = (f) => {
    const kind = KINDS[f];
    const on = (v) => setValues({ ...values, [f]: v });
    if (kind === 'priority') return html`<${Select} label=${fieldLabel(f)} value=${values[f]} onChange=${on} testid=${`fix-${f}`}
      options=${priorities().map((p) => [p, t(`priority.${p}`)])} />`;
    if (kind === 'method') return html`<${Select} label=${fieldLabel(f)} value=${values[f]} onChange=${on} testid=${`fix-${f}`}
      options=${PAYMENT_METHODS.map((m) => [m, t(`pay.${m}`)])} />`;
    return html`<${Field} label=${fieldLabel(f)} value=${values[f]} onInput=${on} testid=${`fix-${f}`}
      type=${kind === 'date' ? 'date' : 'text'} inputmode=${kind === 'money' ? 'decimal' : kind === 'int' ? 'numeric' : undefined}
      multiline=${kind === 'long'} />`;
  };
  return html`
    <form class="form inset" onSubmit=${send} data-testid="refused-fix-form">
      ${fields.map(([, f]) => input(f))}
      <${ErrorBox} error=${error} />
      <button type="submit" class="primary big" data-testid="refused-send" disabled=${busy}>${t('refused.send')}</button>
    </form>`;
}

function Discard({ item, onDone }) {
  const { store } = useApp();
  const [asking, setAsking] = useState(false);
  const [run, busy, error] = useAction();
  if (!asking) {
    return html`<button type="button" class="big danger" data-testid="refused-discard" onClick=${() => setAsking(true)}>
      ${t('refused.discard')}</button>`;
  }
  return html`
    <div class="card warn" role="alertdialog" data-testid="refused-discard-confirm">
      <p>${t(item.name === 'order.create' ? 'refused.discardOrderQuestion' : 'refused.discardQuestion')}</p>
      <div class="actions">
        <button type="button" class="danger" data-testid="refused-discard-yes" disabled=${busy}
          onClick=${() => run(async () => { await store.settleRefused(item.id, 'discarded'); onDone(); })}>
          ${t('refused.discardYes')}</button>
        <button type="button" data-testid="refused-discard-no" onClick=${() => setAsking(false)}>${t('common.cancel')}</button>
      </div>
      <${ErrorBox} error=${error} />
    </div>`;
}

export function RefusedDetail({ params }) {
  const work = useRefusedWork();
  const [fixing, setFixing] = useState(false);
  if (!work) return html`<${Screen} title=${t('refused.title')} back="/refused"><${Loading} /><//>`;
  const item = work.find((i) => String(i.id) === params.id);
  if (!item) {
    return html`<${Screen} title=${t('refused.title')} back="/refused" testid="refused-detail">
      <p class="empty" data-testid="refused-settled">${t('refused.settled')}</p><//>`;
  }
  const done = () => navigate('/refused', { replace: true });
  const fix = item.name === 'order.create'
    ? () => navigate(`/orders/new?refused=${item.id}`)
    : () => setFixing(true);
  return html`
    <${Screen} title=${mutationLabel(item.name)} back="/refused" testid="refused-detail">
      <p><strong><${Subject} item=${item} /></strong></p>
      <div class="card warn"><${Reason} item=${item} /></div>
      <${Sent} item=${item} />
      ${fixing ? html`<${FixForm} item=${item} onDone=${done} />` : html`
        <div class="actions">
          <button type="button" class="primary big" data-testid="refused-fix" onClick=${fix}>${t('refused.fix')}</button>
        </div>`}
      <${Discard} item=${item} onDone=${done} />
    <//>`;
}

/** The order form's starting values from refused order creation `resultId`, or null: its
 * customer, lines (a product that is gone shows as such, to be removed), fields and payment
 * method, and whether it keeps its id and number. */
export async function refusedOrderDraft(store, resultId) {
  const item = (await store.refusedWork()).find((i) => String(i.id) === String(resultId) && i.name === 'order.create');
  if (!item) return null;
  const { args } = item;
  const customer = (await store.db.customers.get(args.customer_id)) ?? null;
  const lines = [];
  for (const [i, l] of (args.lines ?? []).entries()) {
    const product = await store.db.products.get(l.product_id);
    const gone = !product || product.active === false;
    lines.push({
      key: `${l.id}-${i}`, id: l.id, productId: l.product_id, gone,
      name: product?.name ?? item.labels?.products?.[l.product_id] ?? '—', sku: product?.sku ?? '',
      qty: String(l.qty), price: minorToInput(l.unit_price), discount: bpToPercent(l.discount_bp ?? 0),
    });
  }
  return {
    item,
    customer,
    lines,
    form: {
      priority: args.priority ?? 'normal', dueDate: args.due_date ?? '', notes: args.notes ?? '',
      deliveryAddress: args.delivery_address ?? '', warehouseId: args.warehouse_id ?? '',
      paymentMethod: paymentMethodOf(item) ?? '', discount: bpToPercent(args.discount_bp ?? 0),
    },
    reuse: keepsIdentity(item) ? { id: args.id, number: args.number } : null,
  };
}

