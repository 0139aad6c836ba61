// The server's JSON API: same-origin fetch with the session cookie, the CSRF header on unsafe
// requests, and errors as ApiError carrying the server's {code, message}.

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The window event a change made through the admin API fires. */
export const ADMIN_CHANGED = 'orderly:admin-changed';

export class ApiError extends Error {
  constructor(status, code, message, body = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    // The whole error body: `last_mutation_id` of a gap, `limits` of a too-large push.
    this.body = body;
  }
}

/** The value of a readable cookie, or null. */
export function cookie(name) {
  for (const part of document.cookie.split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return decodeURIComponent(rest.join('='));
  }
  return null;
}

/** Sends a request to the API and answers its JSON body (null when it has none). */
export async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const csrf = cookie('orderly_csrf');
  if (UNSAFE.has(method) && csrf) headers['X-CSRF-Token'] = csrf;
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
    });
  } catch {
    throw new ApiError(0, 'offline', 'The server cannot be reached.');
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON (a proxy's error page, say): reported below by status.
  }
  if (!response.ok) {
    throw new ApiError(
      response.status,
      data?.code ?? `http_${response.status}`,
      data?.message ?? `The server answered ${response.status} ${response.statusText}.`,
      data,
    );
  }
  // A change made through the console: its alert counts (the left navigation's badges) are asked
  // again now, not at the next minute (admin/common.js useAdminAlerts).
  if (UNSAFE.has(method) && path.startsWith('/api/admin/') && typeof dispatchEvent === 'function') {
    dispatchEvent(new Event(ADMIN_CHANGED));
  }
  return data;
}
