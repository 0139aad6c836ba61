// Order entry: customer, lines, priority, due date, notes, delivery address (from the
// customer), warehouse and payment method; shows the number the order will get; saves through
// actions.createOrder (saved = committed to the outbox) and opens the order.

import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';

import { orderNumber } from '../core/ids.js';
import { bpToPercent, net, percentToBp } from '../core/totals.js';
import { Invalid } from '../core/validate.js';
import { priorities } from '../core/vocab.js';
import { t } from '../i18n.js';
import { ErrorBox, Field, Screen, Select, useAction } from './components.js';
import { useApp } from './context.js';
import { useWarehouses } from './hooks.js';
import { DiscountInput, LinesEditor, lineFor, lineProblems, lineTotal, parseLine, useAvailable } from './lines.js';
import { useLive } from './live.js';
import { useTemplates } from './personal.js';
import { CustomerPicker, ProductPicker } from './pickers.js';
import { refusedOrderDraft } from './refused.js';
import { navigate } from './router.js';
import { LimitedField, fieldProblems } from './validation.js';

export const PAYMENT_METHODS = ['cash', 'card', 'transfer', 'wallet', 'credit'];

/** The number the next order of this device gets (store.nextOrderNumber hands it out). */
function useNextNumber() {
  const { store, me } = useApp();
  const used = useLive(() => store.db.meta.get('orderCounter'), [store])?.value ?? 0;
  const code = me.device?.code;
  return code ? orderNumber(code, Math.max(used, me.device.order_counter ?? 0) + 1) : '—';
}

export function OrderNew({ query }) {
  const { store, actions, me } = useApp();
  const warehouses = useWarehouses();
  const number = useNextNumber();
  const [customer, setCustomer] = useState(null);
  const [lines, setLines] = useState([]);
  const [picking, setPicking] = useState(false);
  const [form, setForm] = useState({
    priority: 'normal', dueDate: '', notes: '', deliveryAddress: '',
    warehouseId: me.user.warehouse_id ?? '', paymentMethod: '', discount: '',
  });
  const [run, busy, error, setError] = useAction();
  const available = useAvailable(lines.map((l) => l.productId), form.warehouseId);
  const set = (field) => (value) => setForm({ ...form, [field]: value });
  const discountBp = percentToBp(form.discount); // the order's discount; null: not a percentage

  // /orders/new?refused=<result id>: an order the server refused, back in the form with all it
  // had, to fix and send again (docs/pwa.md, "Refused work").
  const [fixing, setFixing] = useState(null);
  const refused = query.get('refused');
  useEffect(() => {
    if (!refused) return;
    refusedOrderDraft(store, refused).then((draft) => {
      if (!draft) return;
      setCustomer(draft.customer);
      setLines(draft.lines);
      setForm((f) => ({ ...f, ...draft.form }));
      setFixing(draft);
    });
  }, [refused]);

  // The form filled from an earlier order or a template: its customer (if any), its lines at
  // today's prices with the same quantities (products gone from the catalog left out), priority,
  // address and warehouse; a new number.
  async function startFrom(from, items) {
    const [c, products] = await Promise.all([
      from.customer_id ? store.db.customers.get(from.customer_id) : null,
      store.db.products.bulkGet(items.map((l) => l.product_id)),
    ]);
    if (c) setCustomer(c);
    setLines(items.flatMap((l, i) => (products[i]
      ? [{ ...lineFor(products[i], `${l.product_id}-from-${i}-${Date.now()}`), qty: String(l.qty),
        discount: bpToPercent(l.discount_bp ?? 0) }] : [])));
    setForm((f) => ({ ...f, priority: from.priority ?? f.priority, discount: bpToPercent(from.discount_bp ?? 0),
      deliveryAddress: from.delivery_address ?? c?.address ?? f.deliveryAddress,
      warehouseId: from.warehouse_id ?? f.warehouseId }));
  }

  // /orders/new?again=<order id>: "Order again".
  const again = query.get('again');
  useEffect(() => {
    if (!again) return;
    (async () => {
      const old = await store.db.orders.get(again);
      if (old) await startFrom(old, await store.db.order_lines.where('order_id').equals(again).toArray());
    })();
  }, [again]);

  // A template of this phone (ui/personal.js): picked from the list above the lines.
  const templates = useTemplates();
  const [templateId, setTemplateId] = useState('');
  const useTemplate = (id) => {
    setTemplateId(id);
    const template = templates.find((tpl) => tpl.id === id);
    if (template) startFrom(template, template.lines);
  };

  // /orders/new?customer=<id> comes from a customer's page.
  const preset = query.get('customer');
  useEffect(() => {
    if (preset) store.db.customers.get(preset).then((c) => c && choose(c));
  }, [preset]);

  function choose(c) {
    setCustomer(c);
    setForm((f) => ({ ...f, deliveryAddress: c?.address ?? '' }));
  }

  const addProduct = (p) => setLines((ls) => [...ls, lineFor(p, `${p.id}-${Date.now()}-${ls.length}`)]);

  const save = (status) => (e) => {
    e?.preventDefault();
    if (!customer) return setError(new Error(t('order.needCustomer')));
    if (status !== 'draft' && !lines.length) return setError(new Error(t('order.needLines')));
    const parsed = lines.map(parseLine);
    const bad = parsed.find((p) => p.error);
    if (bad) return setError(new Error(t(`line.bad.${bad.error}`)));
    if (discountBp === null) return setError(new Error(t('line.bad.discount')));
    // What the server would refuse is refused here, next to its field, before anything is queued.
    const total = net(lines.reduce((sum, l) => sum + (lineTotal(l) ?? 0), 0), discountBp);
    const problems = [
      ...lines.flatMap((l, i) => lineProblems(l, 'order.create', ['lines', i])),
      ...fieldProblems('order.create', ['delivery_address'], form.deliveryAddress.trim() || null),
      ...fieldProblems('order.create', ['notes'], form.notes.trim() || null),
      ...(form.paymentMethod ? fieldProblems('payment.record', ['amount'], total) : []),
    ];
    if (problems.length) return setError(new Invalid('order.create', problems));
    if (lines.some((l) => l.gone)) return setError(new Error(t('refused.lineGone')));
    return run(async () => {
      const made = await actions.createOrder({
        customerId: customer.id,
        lines: parsed.map((p) => p.line),
        priority: form.priority,
        dueDate: form.dueDate || null,
        notes: form.notes.trim() || null,
        deliveryAddress: form.deliveryAddress.trim() || null,
        warehouseId: form.warehouseId || null,
        paymentMethod: form.paymentMethod || null,
        discountBp,
        status,
        reuse: fixing?.reuse ?? null,
      });
      if (fixing) await store.settleRefused(fixing.item.id, 'fixed');
      navigate(`/orders/${made.id}`, { replace: true });
    });
  };

  return html`
    <${Screen} title=${t('order.new')} back="/orders" testid="order-new">
      <form class="form" onSubmit=${save('submitted')}>
        ${fixing && html`<p class="card warn" data-testid="order-fixing">${t('refused.fixingOrder')}</p>`}
        <p class="number">${t('order.number')}: <strong data-testid="order-number">${fixing?.reuse?.number ?? number}</strong></p>
        ${templates.length > 0 && !fixing && html`
          <${Select} label=${t('template.startFrom')} value=${templateId} onChange=${useTemplate} testid="order-template"
            options=${[['', t('template.none')], ...templates.map((tpl) => [tpl.id, tpl.name])]} />`}
        <h2>${t('order.customer')}</h2>
        <${CustomerPicker} value=${customer} onChange=${choose} />
        <h2>${t('order.lines')}</h2>
        <${LinesEditor} lines=${lines} onChange=${setLines} available=${available} discountBp=${discountBp} />
        ${lines.length > 0 && html`<${DiscountInput} label=${t('order.discount')} value=${form.discount} onInput=${set('discount')}
          testid="order-discount" wrong=${discountBp === null} hint />`}
        ${picking
          ? html`<${ProductPicker} onPick=${addProduct} onClose=${() => setPicking(false)} />`
          : html`<button type="button" class="big" data-testid="line-add" onClick=${() => setPicking(true)}>
              + ${t('line.add')}</button>`}
        <h2>${t('order.details')}</h2>
        <${Select} label=${t('order.priority')} value=${form.priority} onChange=${set('priority')} testid="order-priority"
          options=${priorities().map((p) => [p, t(`priority.${p}`)])} />
        <${Field} label=${t('order.dueDate')} type="date" value=${form.dueDate} onInput=${set('dueDate')} testid="order-due" />
        <${LimitedField} name="order.create" path=${['delivery_address']} send=${form.deliveryAddress.trim() || null}
          label=${t('order.deliveryAddress')} value=${form.deliveryAddress} onInput=${set('deliveryAddress')}
          testid="order-address" multiline />
        <${Select} label=${t('order.warehouse')} value=${form.warehouseId} onChange=${set('warehouseId')} testid="order-warehouse"
          options=${[['', t('common.none')], ...warehouses.map((w) => [w.id, `${w.code} · ${w.name}`])]} />
        <${Select} label=${t('order.paymentMethod')} value=${form.paymentMethod} onChange=${set('paymentMethod')}
          testid="order-payment" options=${[['', t('common.none')], ...PAYMENT_METHODS.map((m) => [m, t(`pay.${m}`)])]} />
        <${LimitedField} name="order.create" path=${['notes']} send=${form.notes.trim() || null}
          label=${t('order.notes')} value=${form.notes} onInput=${set('notes')} testid="order-notes" multiline />
        <${ErrorBox} error=${error} />
        <div class="actions">
          <button type="submit" class="primary big" data-testid="save-order" disabled=${busy}>${t('order.save')}</button>
          <button type="button" class="big" data-testid="save-draft" disabled=${busy} onClick=${save('draft')}>
            ${t('order.saveDraft')}</button>
        </div>
      </form>
    <//>`;
}
