// /admin/users (docs/admin.md): every user, the invite form whose answer (the enrollment link
// and its QR code) stays on screen to copy or print, a new link for a user's next device, role
// and warehouse changes, disable / enable. users.read to see, users.manage to change.

import { html } from 'htm/preact';
import { useState } from 'preact/hooks';

import { api } from '../../api.js';
import { vocabulary } from '../../core/vocab.js';
import { formatDateTime } from '../../format.js';
import { t } from '../../i18n.js';
import { Badge, Empty, ErrorBox, Field, Loading, Screen, Select, useAction } from '../components.js';
import { useApp } from '../context.js';
import { useWarehouses } from '../hooks.js';
import { may, useAdminList } from './common.js';

function roles() {
  try {
    return vocabulary().roles;
  } catch {
    return ['admin', 'manager', 'sales', 'warehouse', 'finance', 'support'];
  }
}

function WarehouseSelect({ value, onChange, warehouses, testid }) {
  return html`<${Select} label=${t('admin.users.warehouse')} value=${value ?? ''} onChange=${onChange} testid=${testid}
    options=${[['', t('common.none')], ...warehouses.map((w) => [w.id, `${w.code} · ${w.name ?? ''}`])]} />`;
}

/** An enrollment link on screen: the URL, its QR code (the server's SVG), copy and print. */
function LinkPanel({ link, name, onClose }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(link.url);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  };
  return html`
    <div class="card enrollment-link" data-testid="enrollment-panel" data-user=${link.user_id}>
      <h2>${t('admin.users.linkFor', { name })}</h2>
      <div class="enrollment-qr" data-testid="enrollment-qr" dangerouslySetInnerHTML=${{ __html: link.qr_svg }} />
      <p class="enrollment-url"><code data-testid="enrollment-url">${link.url}</code></p>
      <p class="muted">${t('admin.users.expires', { at: formatDateTime(link.expires_at) })}</p>
      <div class="actions no-print">
        <button type="button" data-testid="enrollment-copy" onClick=${copy}>
          ${copied ? t('admin.users.copied') : t('admin.users.copy')}</button>
        <button type="button" data-testid="enrollment-print" onClick=${() => window.print()}>${t('admin.users.print')}</button>
        <button type="button" data-testid="enrollment-close" onClick=${onClose}>${t('common.done')}</button>
      </div>
    </div>`;
}

function InviteForm({ warehouses, onInvited }) {
  const [name, setName] = useState('');
  const [role, setRole] = useState('sales');
  const [warehouse, setWarehouse] = useState('');
  const [run, busy, error] = useAction();
  const submit = (e) => {
    e.preventDefault();
    run(async () => {
      const body = { name: name.trim(), role };
      if (role === 'warehouse') body.warehouse_id = warehouse || null;
      const got = await api('POST', '/api/admin/users', body);
      setName('');
      onInvited(got);
    });
  };
  return html`
    <form class="card invite" data-testid="invite-form" onSubmit=${submit}>
      <h2>${t('admin.users.invite')}</h2>
      <${Field} label=${t('admin.users.name')} value=${name} onInput=${setName} testid="invite-name" required />
      <${Select} label=${t('me.role')} value=${role} onChange=${setRole} testid="invite-role"
        options=${roles().map((r) => [r, t(`role.${r}`)])} />
      ${role === 'warehouse' && html`<${WarehouseSelect} value=${warehouse} onChange=${setWarehouse}
        warehouses=${warehouses} testid="invite-warehouse" />`}
      <button type="submit" class="primary" data-testid="invite-submit"
        disabled=${busy || !name.trim() || (role === 'warehouse' && !warehouse)}>${t('admin.users.inviteButton')}</button>
      <${ErrorBox} error=${error} />
    </form>`;
}

function UserRow({ user, self, manage, warehouses, byId, onLink, onChanged }) {
  const [editing, setEditing] = useState(false);
  const [asking, setAsking] = useState(false); // "Disable Ann?": it signs out every device of hers
  const [role, setRole] = useState(user.role);
  const [warehouse, setWarehouse] = useState(user.warehouse_id ?? '');
  const [run, busy, error] = useAction();
  const patch = (body) => run(async () => {
    await api('PATCH', `/api/admin/users/${user.id}`, body);
    setEditing(false);
    onChanged();
  });
  const newLink = () => run(async () => onLink(user, await api('POST', `/api/admin/users/${user.id}/enrollments`)));
  const wh = user.warehouse_id ? byId[user.warehouse_id] : null;
  return html`
    <tr data-testid="user-row" data-name=${user.name} data-id=${user.id} data-disabled=${String(user.disabled)}
      class=${user.disabled ? 'disabled' : ''}>
      <td data-testid="user-name">${user.name}</td>
      <td data-testid="user-role">${editing
        ? html`<select data-testid="user-role-select" value=${role} onChange=${(e) => setRole(e.currentTarget.value)}
            aria-label=${t('me.role')}>
            ${roles().map((r) => html`<option value=${r} selected=${r === role}>${t(`role.${r}`)}</option>`)}</select>
            ${role === 'warehouse' && html`<select data-testid="user-warehouse-select" value=${warehouse}
              aria-label=${t('admin.users.warehouse')} onChange=${(e) => setWarehouse(e.currentTarget.value)}>
              <option value="">${t('common.none')}</option>
              ${warehouses.map((w) => html`<option value=${w.id} selected=${w.id === warehouse}>${w.code}</option>`)}</select>`}`
        : t(`role.${user.role}`)}</td>
      <td>${wh ? wh.code : user.warehouse_id ?? '—'}</td>
      <td>${user.disabled ? html`<${Badge} kind="warn" testid="user-disabled">${t('admin.users.disabled')}<//>` : t('common.no')}</td>
      <td>${user.devices} / ${user.passkeys}</td>
      <td>${formatDateTime(user.created_at)}</td>
      <td class="row-actions">
        ${manage && !editing && html`
          <button type="button" data-testid="user-new-link" disabled=${busy || user.disabled} onClick=${newLink}>${t('admin.users.newLink')}</button>
          ${!self && html`
            <button type="button" data-testid="user-edit" disabled=${busy} onClick=${() => setEditing(true)}>${t('admin.users.changeRole')}</button>
            ${asking
              ? html`<span class="confirm" data-testid="user-disable-ask">${t('admin.users.disableAsk', { name: user.name, count: user.devices })}</span>
                <button type="button" class="danger" data-testid="user-disable-confirm" disabled=${busy}
                  onClick=${() => { setAsking(false); patch({ disabled: true }); }}>${t('admin.users.disable')}</button>
                <button type="button" data-testid="user-disable-cancel" onClick=${() => setAsking(false)}>${t('common.cancel')}</button>`
              : html`<button type="button" class=${user.disabled ? '' : 'danger'} data-testid="user-toggle" disabled=${busy}
                onClick=${() => (user.disabled ? patch({ disabled: false }) : setAsking(true))}>
                ${user.disabled ? t('admin.users.enable') : t('admin.users.disable')}</button>`}`}`}
        ${editing && html`
          <button type="button" class="primary" data-testid="user-save" disabled=${busy || (role === 'warehouse' && !warehouse)}
            onClick=${() => patch(role === 'warehouse' ? { role, warehouse_id: warehouse } : { role, warehouse_id: null })}>${t('common.save')}</button>
          <button type="button" data-testid="user-cancel" onClick=${() => setEditing(false)}>${t('common.cancel')}</button>`}
        <${ErrorBox} error=${error} />
      </td>
    </tr>`;
}

export function AdminUsers() {
  const { me } = useApp();
  const role = me.user.role;
  const readable = may(role, 'users.read');
  const manage = may(role, 'users.manage');
  const [users, error, reload] = useAdminList('/api/admin/users', readable);
  const warehouses = useWarehouses();
  const byId = Object.fromEntries(warehouses.map((w) => [w.id, w]));
  const [shown, setShown] = useState(null); // {name, link}
  if (!readable) {
    return html`<${Screen} title=${t('admin.users.title')} testid="admin-users">
      <p class="error" data-testid="admin-forbidden">${t('admin.forbidden')}</p><//>`;
  }
  return html`
    <${Screen} title=${t('admin.users.title')} testid="admin-users">
      ${shown && html`<${LinkPanel} link=${shown.link} name=${shown.name} onClose=${() => setShown(null)} />`}
      ${manage && html`<${InviteForm} warehouses=${warehouses}
        onInvited=${(got) => { setShown({ name: got.user.name, link: got.enrollment }); reload(); }} />`}
      <${ErrorBox} error=${error} />
      ${users === undefined && !error ? html`<${Loading} />` : users?.length === 0 ? html`<${Empty}>${t('admin.users.none')}<//>` : users && html`
        <div class="table-wrap" tabindex="0" role="region" aria-label=${t('admin.users.title')}>
          <table class="admin-table" data-testid="users-table">
            <thead><tr>
              <th>${t('admin.users.name')}</th><th>${t('me.role')}</th><th>${t('admin.users.warehouse')}</th>
              <th>${t('admin.users.disabled')}</th><th>${t('admin.users.devicesPasskeys')}</th>
              <th>${t('admin.users.created')}</th><th><span class="visually-hidden">${t('common.actions')}</span></th>
            </tr></thead>
            <tbody>
              ${users.map((u) => html`<${UserRow} key=${u.id} user=${u} self=${u.id === me.user.id} manage=${manage}
                warehouses=${warehouses} byId=${byId} onChanged=${reload}
                onLink=${(user, link) => setShown({ name: user.name, link })} />`)}
            </tbody>
          </table>
        </div>`}
    <//>`;
}
