// Who is logged in, and their tokens. The access token is renewed before it expires; a
// refresh token works once, so renewals are serialised across tabs with a Web Lock and a
// tab that finds its token already renewed by another simply adopts the new one.

import { request, ApiError, NetworkError } from './api.js';
import { parseTime } from './dom.js';

const KEY = 'chat.session';
const RETRY_MS = 10000;

export class Session extends EventTarget {
  constructor() {
    super();
    this.data = read();
    this.timer = null;
    this.renewal = null;
    this.schedule();
    addEventListener('storage', (event) => {
      if (event.key !== KEY) return;
      const before = this.data?.user.username;
      this.data = read();
      if (!this.data || this.data.user.username !== before) this.dispatchEvent(new Event('ended'));
      else this.schedule();
    });
  }

  get user() {
    return this.data?.user ?? null;
  }

  async register(username, password, email = '') {
    await request('POST', '/auth/register', email ? { username, password, email } : { username, password });
    return this.login(username, password);
  }

  /** End every session of the account, this one included (all devices log in again). */
  async logoutEverywhere() {
    await request('POST', '/auth/logout-all', undefined, { session: this });
    this.end();
  }

  async login(username, password) {
    const { data, response } = await request('POST', '/auth/login', { username, password });
    this.save(data, response);
  }

  /** A token to use now: renewed first when it is about to expire. */
  async accessToken() {
    if (!this.data) throw new ApiError(401, null, 0);
    if (Date.now() >= this.data.renewAt) await this.refresh().catch(() => {});
    return this.data?.token ?? '';
  }

  /** Renew the tokens (once at a time per browser). */
  refresh() {
    this.renewal ??= this.#renew().finally(() => {
      this.renewal = null;
    });
    return this.renewal;
  }

  async #renew() {
    const used = this.data?.refresh;
    if (!used) return;
    const renew = async () => {
      const stored = read();
      if (stored && stored.refresh !== used) {
        this.data = stored; // another tab renewed first
        this.schedule();
        return;
      }
      try {
        const { data, response } = await request('POST', '/auth/refresh', { refresh_token: used });
        this.save(data, response);
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) this.end();
        else this.schedule(RETRY_MS);
        throw error;
      }
    };
    if (navigator.locks) await navigator.locks.request(KEY, renew);
    else await renew();
  }

  save(tokens, response) {
    // The server's clock says when the token expires; the Date header maps it onto ours.
    const serverNow = parseTime(response.headers.get('Date')) || Date.now();
    const lifetime = parseTime(tokens.expires_at) - serverNow;
    const expiresAt = Date.now() + lifetime;
    const lead = Math.min(5 * 60000, Math.max(5000, lifetime * 0.2));
    this.data = {
      token: tokens.token,
      refresh: tokens.refresh_token,
      user: tokens.data,
      expiresAt,
      renewAt: expiresAt - lead,
    };
    localStorage.setItem(KEY, JSON.stringify(this.data));
    this.schedule();
  }

  schedule(delay = null) {
    clearTimeout(this.timer);
    if (!this.data) return;
    const wait = delay ?? Math.max(0, this.data.renewAt - Date.now());
    this.timer = setTimeout(() => this.refresh().catch(() => {}), Math.min(wait, 2 ** 31 - 1));
  }

  /** Log out: the refresh token stops working on the server too (best effort). */
  async logout() {
    const refresh = this.data?.refresh;
    this.end();
    if (refresh) {
      await request('POST', '/auth/logout', { refresh_token: refresh }).catch((error) => {
        if (!(error instanceof NetworkError || error instanceof ApiError)) throw error;
      });
    }
  }

  /** Forget the session locally and tell the screens. */
  end() {
    clearTimeout(this.timer);
    if (!this.data) return;
    this.data = null;
    localStorage.removeItem(KEY);
    this.dispatchEvent(new Event('ended'));
  }
}

function read() {
  try {
    const data = JSON.parse(localStorage.getItem(KEY));
    return data?.token && data?.user ? data : null;
  } catch {
    return null;
  }
}
