// The WebSocket (/ws?token=): its state for the screen, reconnection with capped,
// jittered backoff, a keep-alive ping, and events handed to whoever registered for
// their type. `reconnected` fires on every connection after the first, so the app can
// catch up on what it missed while it was away. `position` is the stream_id of the last
// event handled, frozen while live delivery is degraded (what follows it is in /sync).

const PING_MS = 25000;
const MAX_BACKOFF_MS = 15000;
// Close codes after which a fresh token is needed, not a pause: the access token the
// socket was opened with expired (4002: reconnect with the current one, renewed first if
// due), or the account's sessions were ended (4001: the refresh fails, the session ends).
const CLOSE_TOKEN_EXPIRED = 4002;
const CLOSE_SESSION_ENDED = 4001;

export class Live extends EventTarget {
  constructor(session) {
    super();
    this.session = session;
    this.handlers = new Map();
    this.socket = null;
    this.attempt = 0;
    this.connectedOnce = false;
    this.state = 'connecting';
    this.timer = null;
    this.running = false;
    this.position = null;
    addEventListener('online', () => this.reconnectNow());
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') this.reconnectNow();
    });
  }

  /** Register a handler for one event type ("message.created", "typing", ...). */
  on(type, handler) {
    this.handlers.set(type, [...(this.handlers.get(type) ?? []), handler]);
  }

  start() {
    this.running = true;
    this.connect();
  }

  stop() {
    this.running = false;
    clearTimeout(this.timer);
    clearInterval(this.pinger);
    this.socket?.close(1000, 'bye');
    this.socket = null;
  }

  /** Send a frame (typing signals later); false when not connected. */
  send(type, data = {}) {
    if (this.socket?.readyState !== WebSocket.OPEN) return false;
    this.socket.send(JSON.stringify({ type, data }));
    return true;
  }

  reconnectNow() {
    if (!this.running || this.state === 'online' || this.socket) return;
    clearTimeout(this.timer);
    this.connect();
  }

  async connect() {
    clearTimeout(this.timer);
    this.setState('connecting');
    let token;
    try {
      if (this.attempt >= 2) await this.session.refresh(); // the token may be what fails
      token = await this.session.accessToken();
    } catch {
      if (!this.session.user) return; // logged out
    }
    if (!this.running) return;
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const socket = new WebSocket(`${scheme}://${location.host}/ws?token=${encodeURIComponent(token ?? '')}`);
    this.socket = socket;
    socket.addEventListener('open', () => {
      this.attempt = 0;
      this.setState('online');
      this.pinger = setInterval(() => this.send('ping'), PING_MS);
      if (this.connectedOnce) this.dispatchEvent(new Event('reconnected'));
      this.connectedOnce = true;
    });
    socket.addEventListener('message', (event) => this.#deliver(event.data));
    socket.addEventListener('close', (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      clearInterval(this.pinger);
      if (!this.running) return;
      if (event.code === CLOSE_TOKEN_EXPIRED) {
        this.connect();
        return;
      }
      if (event.code === CLOSE_SESSION_ENDED) {
        this.session.refresh().then(() => this.connect(), () => this.connect());
        return;
      }
      const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** this.attempt) * (0.5 + Math.random() / 2);
      this.attempt += 1;
      this.setState('offline');
      this.timer = setTimeout(() => this.connect(), delay);
    });
  }

  #deliver(text) {
    let event;
    try {
      event = JSON.parse(text);
    } catch {
      return;
    }
    if (event.type === 'system.degraded') this.setState('degraded');
    if (event.stream_id && this.state !== 'degraded') this.position = event.stream_id;
    if (event.type === 'system.recovered') {
      this.setState('online');
      this.dispatchEvent(new Event('reconnected'));
    }
    this.handle(event);
  }

  /** Hand an event (live, or replayed by /sync) to the handlers of its type. */
  handle(event) {
    for (const handler of this.handlers.get(event.type) ?? []) handler(event.data ?? {}, event);
  }

  setState(state) {
    this.state = state;
    this.dispatchEvent(new Event('state'));
  }
}

export const STATE_TEXT = {
  connecting: 'Connecting…',
  online: 'Connected',
  offline: 'Offline, reconnecting…',
  degraded: 'Live updates interrupted',
};
