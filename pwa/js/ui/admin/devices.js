// /admin/devices (docs/admin.md): every device (user, platform, app version, code, last seen,
// last sync, pending mutations, open conflicts, rejected mutations — a link to them in the
// mutation log — revoked) with the server's stale flag (no sync for ORDERLY_DEVICE_STALE_HOURS),
// revoking a device (signed out; its passkey may sign in again) or reporting it lost (revoked with
// its passkeys: it can never sign in again), and a user's passkeys with revoking one.
// devices.read to see; devices.revoke, passkeys.revoke (and users.read for passkeys) to act.

import { html } from 'htm/preact';
import { useState } from 'preact/hooks';

import { api } from '../../api.js';
import { formatAgo, formatDateTime } from '../../format.js';
import { t } from '../../i18n.js';
import { Badge, Empty, ErrorBox, Loading, Screen, Select, useAction } from '../components.js';
import { useApp } from '../context.js';
import { Link } from '../router.js';
import { may, useAdminList } from './common.js';

/** "3 days" or "12 hours": how long without a sync makes a device stale (the server's setting). */
export function staleSpan(hours) {
  return hours % 24 === 0
    ? t('admin.devices.days', { count: hours / 24 })
    : t('admin.devices.hours', { count: hours });
}

function RevokeButton({ testid, label, confirmLabel, onRevoke }) {
  const [asking, setAsking] = useState(false);
  const [run, busy, error] = useAction();
  if (!asking) {
    return html`<button type="button" class="danger" data-testid=${testid} onClick=${() => setAsking(true)}>${label}</button>`;
  }
  return html`
    <button type="button" class="danger primary-danger" data-testid=${`${testid}-confirm`} disabled=${busy}
      onClick=${() => run(onRevoke)}>${confirmLabel}</button>
    <button type="button" data-testid=${`${testid}-cancel`} onClick=${() => setAsking(false)}>${t('common.cancel')}</button>
    <${ErrorBox} error=${error} />`;
}

function DeviceRow({ device, revocable, onUser, onChanged }) {
  const stale = device.stale;
  return html`
    <tr data-testid="device-row" data-code=${device.code} data-id=${device.id} data-user=${device.user_name}
      data-revoked=${String(device.revoked)} data-stale=${String(stale)} data-user-disabled=${String(device.user_disabled)}
      class=${device.revoked || device.user_disabled ? 'disabled' : stale ? 'stale' : ''}>
      <td><button type="button" class="link" data-testid="device-user" onClick=${() => onUser(device.user_id)}>${device.user_name}</button></td>
      <td data-testid="device-code"><code>${device.code}</code></td>
      <td>${device.platform || '—'}${device.name ? html`<br /><small class="muted">${device.name}</small>` : ''}</td>
      <td>${device.app_version || '—'}</td>
      <td title=${formatDateTime(device.last_seen_at)}>${formatAgo(device.last_seen_at)}</td>
      <td title=${formatDateTime(device.last_sync_at)}>${formatAgo(device.last_sync_at)}
        ${stale && html` <${Badge} kind="warn" testid="device-stale">${t('admin.devices.staleFor', { span: staleSpan(device.stale_after_hours) })}<//>`}</td>
      <td data-testid="device-pending">${device.pending_count}</td>
      <td data-testid="device-conflicts">${device.open_conflicts > 0
        ? html`<${Link} href=${`/admin/conflicts?device_id=${device.id}`} data-testid="device-conflicts-link">${device.open_conflicts}<//>`
        : 0}</td>
      <td data-testid="device-errors" class=${device.errors > 0 ? 'warn' : ''}>${device.errors > 0
        ? html`<${Link} href=${`/admin/mutations?device_id=${encodeURIComponent(device.id)}&status=rejected`}
          data-testid="device-errors-link">${device.errors}<//>`
        : 0}</td>
      <td>${device.revoked
        ? html`<${Badge} kind="muted" testid="device-revoked">${t('admin.devices.revoked')}<//>
          <br /><small class="muted">${formatDateTime(device.revoked_at)}</small>`
        : revocable && html`<${RevokeButton} testid="device-revoke" label=${t('admin.devices.revoke')}
          confirmLabel=${t('admin.devices.revokeConfirm', { code: device.code })}
          onRevoke=${async () => { await api('POST', `/api/admin/devices/${device.id}/revoke`); onChanged(); }} />
          ${' '}<${RevokeButton} testid="device-lost" label=${t('admin.devices.lost')}
          confirmLabel=${t('admin.devices.lostConfirm', { code: device.code })}
          onRevoke=${async () => { await api('POST', `/api/admin/devices/${device.id}/lost`); onChanged(); }} />`}
        ${!device.revoked && device.user_disabled && html`<br /><${Badge} kind="muted" testid="device-user-disabled">${t('admin.devices.userDisabled')}<//>`}</td>
    </tr>`;
}

function Passkeys({ userId, users, revocable }) {
  const [keys, error, reload] = useAdminList(`/api/admin/passkeys?user_id=${encodeURIComponent(userId)}`);
  return html`
    <div class="card" data-testid="passkeys" data-user=${userId}>
      <h2>${t('admin.devices.passkeysOf', { name: users[userId] ?? userId })}</h2>
      <${ErrorBox} error=${error} />
      ${keys === undefined && !error ? html`<${Loading} />` : keys?.length === 0 ? html`<${Empty}>${t('admin.devices.noPasskeys')}<//>` : keys && html`
        <table class="admin-table">
          <thead><tr><th>${t('admin.devices.passkey')}</th><th>${t('admin.users.created')}</th>
            <th>${t('admin.devices.lastUsed')}</th><th>${t('admin.devices.backedUp')}</th><th><span class="visually-hidden">${t('common.actions')}</span></th></tr></thead>
          <tbody>${keys.map((k) => html`
            <tr key=${k.id} data-testid="passkey-row" data-id=${k.id} data-revoked=${String(k.revoked)}>
              <td>${k.name || k.id.slice(0, 8)}</td>
              <td>${formatDateTime(k.created_at)}</td>
              <td>${formatAgo(k.last_used_at)}</td>
              <td>${k.backed_up ? t('common.yes') : t('common.no')}</td>
              <td>${k.revoked
                ? html`<${Badge} kind="muted" testid="passkey-revoked">${t('admin.devices.revoked')}<//>`
                : revocable && html`<${RevokeButton} testid="passkey-revoke" label=${t('admin.devices.revoke')}
                  confirmLabel=${t('admin.devices.revokePasskey')}
                  onRevoke=${async () => { await api('POST', `/api/admin/passkeys/${k.id}/revoke`); reload(); }} />`}</td>
            </tr>`)}</tbody>
        </table>`}
    </div>`;
}

export function AdminDevices() {
  const { me } = useApp();
  const role = me.user.role;
  const readable = may(role, 'devices.read');
  const [devices, error, reload] = useAdminList('/api/admin/devices', readable);
  const [userId, setUserId] = useState('');
  // A device reported lost takes its passkeys with it: the passkey list is read again.
  const [changes, setChanges] = useState(0);
  const changed = () => { reload(); setChanges((n) => n + 1); };
  if (!readable) {
    return html`<${Screen} title=${t('admin.devices.title')} testid="admin-devices">
      <p class="error" data-testid="admin-forbidden">${t('admin.forbidden')}</p><//>`;
  }
  const users = Object.fromEntries((devices ?? []).map((d) => [d.user_id, d.user_name]));
  const shown = (devices ?? []).filter((d) => !userId || d.user_id === userId);
  const stale = shown.filter((d) => d.stale).length;
  return html`
    <${Screen} title=${t('admin.devices.title')} testid="admin-devices"
      actions=${html`<button type="button" data-testid="devices-reload" onClick=${reload}>${t('admin.reload')}</button>`}>
      <${ErrorBox} error=${error} />
      <${Select} label=${t('admin.devices.user')} value=${userId} onChange=${setUserId} testid="devices-user"
        options=${[['', t('common.all')], ...Object.entries(users).sort((a, b) => a[1].localeCompare(b[1]))]} />
      ${may(role, 'devices.revoke') && html`<div class="note" data-testid="devices-choices">
        <p>${t('admin.devices.choices')}</p>
        <ul><li>${t('admin.devices.revokeHelp')}</li><li>${t('admin.devices.lostHelp')}</li></ul></div>`}
      ${stale > 0 && html`<p class="note" data-testid="devices-stale-count">${t('admin.devices.staleCountFor', { count: stale, span: staleSpan(shown[0].stale_after_hours) })}</p>`}
      ${devices === undefined && !error ? html`<${Loading} />` : shown.length === 0 ? html`<${Empty}>${t('admin.devices.none')}<//>` : html`
        <div class="table-wrap" tabindex="0" role="region" aria-label=${t('admin.devices.title')}>
          <table class="admin-table" data-testid="devices-table">
            <thead><tr>
              <th>${t('admin.devices.user')}</th><th>${t('admin.devices.code')}</th><th>${t('admin.devices.platform')}</th>
              <th>${t('admin.devices.version')}</th><th>${t('admin.devices.lastSeen')}</th><th>${t('admin.devices.lastSync')}</th>
              <th>${t('admin.devices.pending')}</th><th>${t('admin.devices.openConflicts')}</th>
              <th title=${t('admin.devices.errorsHint')}>${t('admin.devices.errors')}</th><th><span class="visually-hidden">${t('common.actions')}</span></th>
            </tr></thead>
            <tbody>${shown.map((d) => html`<${DeviceRow} key=${d.id} device=${d} revocable=${may(role, 'devices.revoke')}
              onUser=${setUserId} onChanged=${changed} />`)}</tbody>
          </table>
        </div>`}
      ${userId && may(role, 'users.read') && html`<${Passkeys} key=${`${userId}:${changes}`} userId=${userId} users=${users}
        revocable=${may(role, 'passkeys.revoke')} />`}
    <//>`;
}
