// One customer: details, purchase history (their orders), and the form that adds or edits one.

import { html } from 'htm/preact';
import { useState } from 'preact/hooks';

import { Invalid } from '../core/validate.js';
import { mayMutate } from '../core/vocab.js';
import { formatDate, formatMoney } from '../format.js';
import { t } from '../i18n.js';
import {
  Empty, ErrorBox, Facts, Loading, PendingMark, Screen, StatusBadge, useAction,
} from './components.js';
import { useApp } from './context.js';
import { usePendingKeys } from './hooks.js';
import { useLive } from './live.js';
import { Link, navigate } from './router.js';
import { toggleFavourite, useFavourites } from './personal.js';
import { LimitedField, fieldProblems } from './validation.js';

function History({ customerId }) {
  const { store } = useApp();
  const orders = useLive(
    () => store.db.orders.where('customer_id').equals(customerId).reverse().sortBy('created_at'),
    [store, customerId],
  );
  const pending = usePendingKeys();
  if (!orders) return html`<${Loading} />`;
  if (!orders.length) return html`<${Empty}>${t('customer.noOrders')}<//>`;
  const total = orders.filter((o) => o.status !== 'cancelled').reduce((sum, o) => sum + (o.total ?? 0), 0);
  return html`
    <p class="muted" data-testid="customer-total">${t('customer.historyTotal', { count: orders.length, total: formatMoney(total) })}</p>
    <ul class="list">
      ${orders.map((o) => html`
        <li key=${o.id}><${Link} href=${`/orders/${o.id}`} data-testid="customer-order" data-id=${o.id}>
          <span class="main">${o.number} <${StatusBadge} status=${o.status} />
            ${pending.has(`orders:${o.id}`) && html` <${PendingMark} />`}</span>
          <span class="sub">${formatDate(o.created_at)} · ${formatMoney(o.total)}</span>
        <//></li>`)}
    </ul>`;
}

/** ☆/★: a favourite customer is offered first when an order is made (ui/personal.js). */
function FavouriteToggle({ id }) {
  const { store } = useApp();
  const on = useFavourites().has(id);
  return html`<button type="button" class="icon" data-testid="customer-favourite" aria-pressed=${String(on)}
    aria-label=${t(on ? 'customer.unfavourite' : 'customer.makeFavourite')} title=${t(on ? 'customer.unfavourite' : 'customer.makeFavourite')}
    onClick=${() => toggleFavourite(store, id)}>${on ? '★' : '☆'}</button>`;
}

export function CustomerDetail({ params }) {
  const { store, me } = useApp();
  const customer = useLive(() => store.db.customers.get(params.id), [store, params.id]);
  const pending = usePendingKeys();
  if (customer === undefined) return html`<${Screen} title=${t('customer.title')} back="/customers"><${Loading} /><//>`;
  const role = me.user.role;
  return html`
    <${Screen} title=${customer.name} back="/customers" testid="customer-detail"
      actions=${html`<${FavouriteToggle} id=${customer.id} />${mayMutate(role, 'customer.upsert') && html`
        <${Link} class="button" href=${`/customers/${customer.id}/edit`} data-testid="customer-edit">${t('common.edit')}<//>`}`}>
      ${pending.has(`customers:${customer.id}`) && html`<${PendingMark} />`}
      <${Facts} rows=${[
        [t('customer.name'), customer.name, 'customer-name'],
        [t('customer.phone'), customer.phone && html`<a href=${`tel:${customer.phone}`}>${customer.phone}</a>`, 'customer-phone'],
        [t('customer.address'), customer.address, 'customer-address'],
        [t('customer.region'), customer.region, 'customer-region'],
        customer.credit_limit != null && [t('customer.creditLimit'), formatMoney(customer.credit_limit)],
      ]} />
      ${mayMutate(role, 'order.create') && html`
        <${Link} class="button primary big" href=${`/orders/new?customer=${customer.id}`} data-testid="customer-new-order">
          ${t('order.new')}<//>`}
      <h2>${t('customer.history')}</h2>
      <${History} customerId=${customer.id} />
    <//>`;
}

const FIELDS = ['name', 'phone', 'address', 'region'];

/** /customers/new and /customers/<id>/edit. */
export function CustomerEdit({ params }) {
  const { store, actions } = useApp();
  const existing = useLive(() => (params.id ? store.db.customers.get(params.id) : null), [store, params.id]);
  const [draft, setDraft] = useState(null);
  const [run, busy, error, setError] = useAction();
  if (params.id && existing === undefined) return html`<${Screen} title=${t('customer.edit')}><${Loading} /><//>`;
  const values = draft ?? Object.fromEntries(FIELDS.map((f) => [f, existing?.[f] ?? '']));
  const set = (field) => (value) => setDraft({ ...values, [field]: value });
  const clean = (v) => (String(v ?? '').trim() === '' ? null : String(v).trim());
  // A field as the upsert sends it: the name trimmed, the others trimmed or null.
  const sent = (f) => (f === 'name' ? String(values.name ?? '').trim() : clean(values[f]));
  const save = (e) => {
    e.preventDefault();
    if (!values.name.trim()) {
      setError(new Error(t('customer.nameRequired')));
      return;
    }
    const problems = FIELDS.flatMap((f) => fieldProblems('customer.upsert', [f], sent(f)));
    if (problems.length) {
      setError(new Invalid('customer.upsert', problems));
      return;
    }
    run(async () => {
      const id = await actions.upsertCustomer({
        ...(params.id ? { id: params.id } : {}),
        name: values.name.trim(),
        phone: clean(values.phone),
        address: clean(values.address),
        region: clean(values.region),
      });
      navigate(`/customers/${id ?? params.id}`, { replace: true });
    });
  };
  const back = params.id ? `/customers/${params.id}` : '/customers';
  return html`
    <${Screen} title=${params.id ? t('customer.edit') : t('customer.new')} back=${back} testid="customer-form">
      <form onSubmit=${save} class="form">
        <${LimitedField} name="customer.upsert" path=${['name']} send=${sent('name')} label=${t('customer.name')}
          value=${values.name} onInput=${set('name')} testid="customer-name-input" required />
        <${LimitedField} name="customer.upsert" path=${['phone']} send=${sent('phone')} label=${t('customer.phone')}
          value=${values.phone} onInput=${set('phone')} testid="customer-phone-input" type="tel" />
        <${LimitedField} name="customer.upsert" path=${['address']} send=${sent('address')} label=${t('customer.address')}
          value=${values.address} onInput=${set('address')} testid="customer-address-input" multiline />
        <${LimitedField} name="customer.upsert" path=${['region']} send=${sent('region')} label=${t('customer.region')}
          value=${values.region} onInput=${set('region')} testid="customer-region-input" />
        <${ErrorBox} error=${error} />
        <button type="submit" class="primary big" data-testid="save-customer" disabled=${busy}>${t('common.save')}</button>
      </form>
    <//>`;
}
