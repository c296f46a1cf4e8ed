// What the people of the open conversation are doing now: "… is typing" under the history
// (from `typing` events, which carry everyone typing; a list is dropped 5 s after the
// last one), my own typing signals (sent on input, at most every TYPING_EVERY_MS), and an
// online dot beside the peer of a direct conversation (pulled from /users/presence when
// the conversation opens and every minute: presence is never pushed).

import { byId } from './dom.js';

const TYPING_EVERY_MS = 2500;
const TYPING_SHOWN_MS = 5500;
const PRESENCE_EVERY_MS = 60000;

export class ThreadActivity {
  constructor(timeline, { me, live, api }) {
    Object.assign(this, { timeline, me, live, api });
    this.lastSignal = 0;
    this.hideTimer = null;
    this.peer = null;
    this.poll = setInterval(() => this.#pullPresence(), PRESENCE_EVERY_MS);
    this.#showTyping([]);
    this.#showPresence(null);
  }

  destroy() {
    clearInterval(this.poll);
    clearTimeout(this.hideTimer);
    this.#showTyping([]);
    this.#showPresence(null);
  }

  /** The composer changed: tell the others, unless I did a moment ago. */
  typed() {
    const id = this.timeline.id;
    if (!id || Date.now() - this.lastSignal < TYPING_EVERY_MS) return;
    this.lastSignal = Date.now();
    if (!this.live.send('typing', { conversation_id: id })) {
      this.api.post(`/conversations/${id}/typing`).catch(() => {});
    }
  }

  /** I sent a message: the server ended my typing, the next keystroke signals again. */
  sent() {
    this.lastSignal = 0;
  }

  /** A `typing` event: everyone typing in a conversation now. */
  receive({ conversation_id: id, usernames = [] }) {
    if (id !== this.timeline.id) return;
    clearTimeout(this.hideTimer);
    const others = usernames.filter((name) => name !== this.me);
    this.#showTyping(others);
    if (others.length) this.hideTimer = setTimeout(() => this.#showTyping([]), TYPING_SHOWN_MS);
  }

  /** The conversation's detail is known: the peer of a direct one gets a presence dot. */
  setPeer(peer) {
    if (peer === this.peer) return;
    this.peer = peer;
    this.#showPresence(null);
    this.#pullPresence();
  }

  async #pullPresence() {
    const peer = this.peer;
    if (!peer || document.visibilityState !== 'visible') return;
    try {
      const { presence } = await this.api.get(`/users/presence?usernames=${encodeURIComponent(peer)}`);
      if (peer === this.peer) this.#showPresence(presence[0] ?? null);
    } catch {
      // presence is a nicety: keep what is shown
    }
  }

  #showTyping(names) {
    const line = byId('typing');
    line.textContent = typingText(names);
  }

  #showPresence(found) {
    const dot = byId('thread-presence');
    dot.hidden = !found;
    if (!found) return;
    dot.dataset.online = String(found.online);
    const label = found.online ? 'Online' : found.last_seen_at
      ? `Last seen ${new Date(found.last_seen_at).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' })}`
      : 'Offline';
    dot.title = label;
    dot.setAttribute('aria-label', label);
  }
}

function typingText(names) {
  if (!names.length) return '';
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length <= 3) return `${names.slice(0, -1).join(', ')} and ${names.at(-1)} are typing…`;
  return 'Several people are typing…';
}
