// /admin/tokens (docs/auth.md, "API tokens"): every API token — user, name, scope, made, expires,
// last used — and revoking one (audited). Tokens are made with `orderly token`; the token itself
// is never shown again. users.manage to see and revoke.

import { html } from 'htm/preact';
import { useState } from 'preact/hooks';

import { api } from '../../api.js';
import { formatAgo, formatDateTime } from '../../format.js';
import { t } from '../../i18n.js';
import { Badge, Empty, ErrorBox, Loading, Screen, useAction } from '../components.js';
import { useApp } from '../context.js';
import { may, useAdminList } from './common.js';

function RevokeToken({ token, onRevoked }) {
  const [asking, setAsking] = useState(false);
  const [run, busy, error] = useAction();
  if (!asking) {
    return html`<button type="button" class="danger" data-testid="token-revoke" onClick=${() => setAsking(true)}>${t('admin.devices.revoke')}</button>`;
  }
  return html`
    <button type="button" class="danger primary-danger" data-testid="token-revoke-confirm" disabled=${busy}
      onClick=${() => run(async () => { await api('POST', `/api/admin/tokens/${token.id}/revoke`); onRevoked(); })}>
      ${t('admin.tokens.revokeConfirm', { name: token.name })}</button>
    <button type="button" data-testid="token-revoke-cancel" onClick=${() => setAsking(false)}>${t('common.cancel')}</button>
    <${ErrorBox} error=${error} />`;
}

function state(token) {
  if (token.revoked) return html`<${Badge} kind="muted" testid="token-revoked">${t('admin.devices.revoked')}<//>`;
  if (token.expired) return html`<${Badge} kind="muted" testid="token-expired">${t('admin.tokens.expired')}<//>`;
  return null;
}

export function AdminTokens() {
  const { me } = useApp();
  const allowed = may(me.user.role, 'users.manage');
  const [tokens, error, reload] = useAdminList('/api/admin/tokens', allowed);
  if (!allowed) {
    return html`<${Screen} title=${t('admin.tokens.title')} testid="admin-tokens">
      <p class="error" data-testid="admin-forbidden">${t('admin.forbidden')}</p><//>`;
  }
  return html`
    <${Screen} title=${t('admin.tokens.title')} testid="admin-tokens"
      actions=${html`<button type="button" data-testid="tokens-reload" onClick=${reload}>${t('admin.reload')}</button>`}>
      <p class="note" data-testid="tokens-help">${t('admin.tokens.help')}</p>
      <${ErrorBox} error=${error} />
      ${tokens === undefined && !error ? html`<${Loading} />` : tokens?.length === 0 ? html`<${Empty}>${t('admin.tokens.none')}<//>` : tokens && html`
        <div class="table-wrap" tabindex="0" role="region" aria-label=${t('admin.tokens.title')}>
          <table class="admin-table" data-testid="tokens-table">
            <thead><tr>
              <th>${t('admin.devices.user')}</th><th>${t('admin.tokens.name')}</th><th>${t('admin.tokens.scope')}</th>
              <th>${t('admin.users.created')}</th><th>${t('admin.tokens.expires')}</th><th>${t('admin.devices.lastUsed')}</th><th><span class="visually-hidden">${t('common.actions')}</span></th>
            </tr></thead>
            <tbody>${tokens.map((tok) => html`
              <tr key=${tok.id} data-testid="token-row" data-id=${tok.id} data-name=${tok.name}
                data-revoked=${String(tok.revoked)} class=${tok.revoked || tok.expired ? 'disabled' : ''}>
                <td>${tok.user_name}</td>
                <td>${tok.name || '—'}</td>
                <td data-testid="token-scope">${t(`admin.tokens.scope.${tok.scope}`)}</td>
                <td>${formatDateTime(tok.created_at)}</td>
                <td>${formatDateTime(tok.expires_at)}</td>
                <td title=${formatDateTime(tok.last_used_at)}>${formatAgo(tok.last_used_at)}</td>
                <td>${state(tok) ?? html`<${RevokeToken} token=${tok} onRevoked=${reload} />`}</td>
              </tr>`)}</tbody>
          </table>
        </div>`}
    <//>`;
}
