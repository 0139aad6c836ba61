// Passkey ceremonies and the session (docs/auth.md): each ceremony is begin -> the browser's
// WebAuthn call -> finish with the credential and this device.

import { startAuthentication, startRegistration } from '@simplewebauthn/browser';

import { api, ApiError } from './api.js';
import { deviceForFinish, remember } from './device.js';

async function finish(kind, begun, credential) {
  const result = await api('POST', `/api/auth/${kind}/finish`, {
    ceremony_id: begun.ceremony_id,
    credential,
    device: await deviceForFinish(),
  });
  await remember(result?.device);
  return result;
}

/** Registers a passkey with an enrollment link's token and starts a session. */
export async function enroll(token) {
  const begun = await api('POST', '/api/auth/enroll/begin', { token });
  const credential = await startRegistration({ optionsJSON: begun.options });
  return finish('enroll', begun, credential);
}

/** Logs in with any passkey the authenticator holds for this site (nobody types a name). */
export async function login() {
  const begun = await api('POST', '/api/auth/login/begin', {});
  const credential = await startAuthentication({ optionsJSON: begun.options });
  return finish('login', begun, credential);
}

/** Ends this session. */
export async function logout() {
  await api('POST', '/api/auth/logout');
}

/** Who is signed in (user, role, permissions, device), or null when nobody is. */
export async function me() {
  try {
    return await api('GET', '/api/auth/me');
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return null;
    throw e;
  }
}
