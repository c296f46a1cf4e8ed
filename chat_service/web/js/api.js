// The HTTP API (/api/v1): JSON in and out, the bearer token attached, one renewal and
// retry on a 401, and failures sorted into the two kinds the screens tell apart.

const BASE = '/api/v1';
const TIMEOUT_MS = 15000;

/** The service answered with an error ({error: {code, message, details}}). */
export class ApiError extends Error {
  constructor(status, body, retryAfter) {
    const error = body?.error ?? {};
    super(error.message || `The service answered ${status}.`);
    this.status = status;
    this.code = error.code || 'http_error';
    this.details = error.details;
    this.retryAfter = retryAfter;
  }
}

/** The service could not be reached (offline, stopped, timed out): safe to retry. */
export class NetworkError extends Error {
  constructor() {
    super('The service cannot be reached.');
  }
}

/** A request to the API; `session` supplies and renews the access token. */
export async function request(method, path, body, { session = null, retried = false } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (session) headers.Authorization = `Bearer ${await session.accessToken()}`;
  let response;
  try {
    response = await fetch(BASE + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(TIMEOUT_MS),
      cache: 'no-store',
    });
  } catch {
    throw new NetworkError();
  }
  if (response.status === 401 && session && !retried) {
    await session.refresh();
    return request(method, path, body, { session, retried: true });
  }
  if (response.status === 204) return { data: null, response };
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    if (response.status === 401 && session) session.end();
    throw new ApiError(response.status, data, Number(response.headers.get('Retry-After')) || 0);
  }
  return { data, response };
}

/** The API bound to a session: api.get('/users/me'), api.post(path, body), ... */
export function boundApi(session) {
  const call = async (method, path, body) => (await request(method, path, body, { session })).data;
  return {
    get: (path) => call('GET', path),
    post: (path, body = {}) => call('POST', path, body),
    patch: (path, body) => call('PATCH', path, body),
    put: (path) => call('PUT', path),
    delete: (path) => call('DELETE', path),
  };
}

/** A sentence for a person, from any failure of a call. */
export function describe(error) {
  if (error instanceof NetworkError) return 'The service cannot be reached.';
  if (error instanceof ApiError && error.status === 429) {
    return `Too many messages; try again in ${error.retryAfter || 'a few'} s.`;
  }
  return error?.message || 'Something went wrong.';
}

/** A query string from the values that are set. */
export function query(params) {
  const entries = Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== '');
  return entries.length ? `?${new URLSearchParams(entries)}` : '';
}
