// The conversation list: newest activity first, a link per conversation with the peer's
// or group's name, its last message and an unread badge ("N unread" to a screen reader),
// filtered by name on the server (`q`), kept current by live events.

import { query } from './api.js';
import { byId, debounce, h, parseTime, reconcile, shortTime } from './dom.js';
import { isNewer } from './ids.js';

const PAGE = 50;

export class ConversationList {
  constructor(api, me) {
    Object.assign(this, { api, me });
    this.items = new Map();
    this.nextCursor = null;
    this.filter = '';
    this.active = null;
    this.elements = new Map();
    this.reloadSoon = debounce(() => this.load().catch(() => {}), 300);
    const input = byId('filter');
    input.value = '';
    input.oninput = debounce(() => {
      this.filter = input.value.trim();
      this.load().catch(() => {});
    }, 200);
    byId('list-more').onclick = () => this.more().catch(() => {});
  }

  async load() {
    const page = await this.api.get(`/conversations${query({ limit: PAGE, q: this.filter })}`);
    this.items = new Map(page.conversations.map((c) => [c.id, c]));
    this.nextCursor = page.next_cursor;
    this.render();
  }

  async more() {
    if (!this.nextCursor) return;
    const params = { limit: PAGE, q: this.filter, cursor: this.nextCursor };
    const page = await this.api.get(`/conversations${query(params)}`);
    for (const c of page.conversations) this.items.set(c.id, c);
    this.nextCursor = page.next_cursor;
    this.render();
  }

  get(id) {
    return this.items.get(id);
  }

  findDirect(username) {
    return [...this.items.values()].find((c) => c.type === 'direct' && c.peer === username);
  }

  /** A new message somewhere: move it up, show it, count it unless it is being read. */
  onMessage(message, beingRead) {
    const item = this.items.get(message.conversation_id);
    if (!item) return this.reloadSoon(); // a conversation this list has not seen yet
    if (isNewer(message.id, item.last_message?.id)) {
      item.last_message = message;
      item.updated_at = message.timestamp;
    }
    const counts = message.sender !== this.me && (message.type ?? 'message') === 'message';
    if (counts && !beingRead) item.unread_count += 1;
    if (counts && !beingRead && message.mentions?.includes(this.me)) {
      item.mention_count = (item.mention_count ?? 0) + 1;
    }
    this.render();
  }

  /** A direct conversation this client just started, shown before the list reloads. */
  addDirect(message, peer) {
    if (this.items.has(message.conversation_id)) return;
    this.items.set(message.conversation_id, {
      id: message.conversation_id, type: 'direct', name: null, peer,
      last_message: message, unread_count: 0, updated_at: message.timestamp,
    });
    this.render();
  }

  onUpdate(message) {
    const item = this.items.get(message.conversation_id);
    if (item?.last_message?.id === message.id) {
      item.last_message = { ...item.last_message, ...message };
      this.render();
    }
  }

  setRead(id) {
    const item = this.items.get(id);
    if (item && (item.unread_count || item.mention_count)) {
      item.unread_count = 0;
      item.mention_count = 0;
      this.render();
    }
  }

  remove(id) {
    this.items.delete(id);
    this.render();
  }

  setActive(id) {
    this.active = id;
    this.render();
  }

  render() {
    const sorted = [...this.items.values()].sort(
      (a, b) => parseTime(b.updated_at) - parseTime(a.updated_at),
    );
    const keep = new Map();
    reconcile(byId('conversation-list'), sorted.map((item) => {
      const el = this.#row(item);
      const old = this.elements.get(item.id);
      const same = old && old.signature === el.signature;
      keep.set(item.id, same ? old : el);
      return (same ? old : el).li;
    }));
    this.elements = keep;
    byId('list-empty').hidden = sorted.length > 0;
    byId('list-empty').textContent = this.filter ? 'No conversation matches.' : 'No conversations yet.';
    byId('list-more').hidden = !this.nextCursor;
  }

  #row(item) {
    const name = title(item);
    const last = item.last_message;
    const preview = last ? previewText(last, this.me) : 'No messages yet';
    const unread = item.unread_count;
    const mentions = item.mention_count ?? 0;
    const signature = JSON.stringify([name, preview, unread, mentions, item.updated_at, this.active === item.id]);
    const li = h('li', {},
      h('a', { href: `#/c/${item.id}`, 'aria-current': this.active === item.id ? 'page' : null,
        class: unread ? 'unread' : null },
        h('span', { class: 'avatar', 'aria-hidden': 'true' }, (name[0] ?? '?').toUpperCase()),
        h('span', { class: 'summary' },
          h('span', { class: 'line' },
            h('span', { class: 'name' }, name),
            h('span', { class: 'time' }, shortTime(item.updated_at))),
          h('span', { class: 'line' },
            h('span', { class: 'preview' }, preview),
            mentions ? mentionBadge(mentions) : null,
            unread ? h('span', { class: 'badge' }, String(unread),
              h('span', { class: 'visually-hidden' }, ' unread')) : null))));
    return { li, signature };
  }
}

/** "@" (or "@3"), "1 mention" to a screen reader: unread messages that mention me. */
function mentionBadge(count) {
  return h('span', { class: 'badge mention-badge' }, count > 1 ? `@${count}` : '@',
    h('span', { class: 'visually-hidden' }, ` ${count} mention${count > 1 ? 's' : ''}`));
}

export function title(item) {
  return item.type === 'direct' ? item.peer ?? 'Direct' : item.name ?? 'Group';
}

function previewText(message, me) {
  if (message.type && message.type !== 'message') {
    return `${message.sender} ${message.type === 'member_joined' ? 'joined' : 'left'}`;
  }
  const who = message.sender === me ? 'You: ' : '';
  if (message.deleted) return `${who}Message deleted`;
  return who + (message.content ?? (message.attachment ? 'Attachment' : ''));
}
