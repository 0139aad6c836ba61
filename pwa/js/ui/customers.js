// Customers: search by name or phone, open one, add one.

import { html } from 'htm/preact';
import { useState } from 'preact/hooks';

import { mayMutate } from '../core/vocab.js';
import { t } from '../i18n.js';
import { Empty, Loading, PendingMark, Screen, Search, normalize } from './components.js';
import { useApp } from './context.js';
import { usePendingKeys } from './hooks.js';
import { useLive } from './live.js';
import { Link } from './router.js';

const SHOWN = 100;

/** Customers whose name, phone or region contains the text (digits of a phone match too). */
export function matchCustomers(customers, text) {
  const q = normalize(text).trim();
  if (!q) return customers;
  const digits = q.replace(/\D/g, '');
  return customers.filter((c) =>
    normalize(c.name).includes(q) ||
    normalize(c.region).includes(q) ||
    (digits.length >= 3 && String(c.phone ?? '').replace(/\D/g, '').includes(digits)));
}

export function CustomerList() {
  const { store, me } = useApp();
  const [q, setQ] = useState('');
  const customers = useLive(() => store.db.customers.orderBy('name').toArray(), [store]);
  const pending = usePendingKeys();
  const found = customers && matchCustomers(customers, q);
  const canAdd = mayMutate(me.user.role, 'customer.upsert');
  return html`
    <${Screen} title=${t('customers.title')} testid="customers"
      actions=${canAdd && html`<${Link} class="button primary" href="/customers/new" data-testid="new-customer">
        ${t('common.add')}<//>`}>
      <${Search} value=${q} onInput=${setQ} placeholder=${t('customers.search')} testid="customer-search" />
      ${!found ? html`<${Loading} />` : !found.length ? html`<${Empty}>${t('customers.none')}<//>` : html`
        <ul class="list">
          ${found.slice(0, SHOWN).map((c) => html`
            <li key=${c.id}>
              <${Link} href=${`/customers/${c.id}`} data-testid="customer-item" data-id=${c.id}>
                <span class="main">${c.name}
                  ${pending.has(`customers:${c.id}`) && html` <${PendingMark} />`}</span>
                <span class="sub">${[c.phone, c.region].filter(Boolean).join(' · ')}</span>
              <//>
            </li>`)}
        </ul>
        ${found.length > SHOWN && html`<p class="muted">${t('common.more', { count: found.length - SHOWN })}</p>`}`}
    <//>`;
}
