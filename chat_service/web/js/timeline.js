// One conversation's messages as this client knows them: a window of history (the newest
// page, or the pages around a message jumped to), the sends still pending, and the
// members' read markers. Screens listen for `change` (detail: 'reset' | 'older' |
// 'newer' | 'update' | 'detail') and render; nothing here touches the DOM.

import { describe, query } from './api.js';
import { compareIds, isNewer, newClientId } from './ids.js';
import { afterEvent, toggled, withMe } from './marks.js';
import { loadOutbox, saveOutbox } from './outbox.js';
import { quoteOf } from './replies.js';

const PAGE = 50;
const CATCH_UP_PAGE = 100;

export class Timeline extends EventTarget {
  constructor(api, me, { id = null, peer = null } = {}) {
    super();
    Object.assign(this, { api, me, id, peer });
    this.byId = new Map();
    this.order = [];
    this.olderCursor = null;
    this.hasOlder = false;
    this.atNewest = true;
    this.loaded = !id; // a draft (no conversation yet) has nothing to load
    this.loading = { older: false, newer: false };
    this.pending = loadOutbox(this.#where);
    this.sending = 0;
    this.queue = Promise.resolve();
    this.held = [];
    this.detail = null;
    this.readUpTo = null;
    this.gapCheck = false;
  }

  get #where() {
    return `${this.me}/${this.id ?? `@${this.peer}`}`;
  }

  #savePending() {
    saveOutbox(this.#where, this.pending);
  }

  get messages() {
    return this.order.map((id) => this.byId.get(id));
  }

  get newestId() {
    return this.order.at(-1) ?? null;
  }

  #path(suffix = '') {
    return `/conversations/${this.id}${suffix}`;
  }

  #changed(kind) {
    this.dispatchEvent(new CustomEvent('change', { detail: kind }));
  }

  #merge(messages) {
    let added = false;
    for (const message of messages) {
      if (!this.byId.has(message.id)) added = true;
      this.byId.set(message.id, { ...this.byId.get(message.id), ...message });
    }
    if (added) this.order = [...this.byId.keys()].sort(compareIds);
    return added;
  }

  #reset(page) {
    this.byId.clear();
    this.order = [];
    this.#merge(page.messages);
    this.olderCursor = page.next_cursor;
    this.hasOlder = Boolean(page.next_cursor);
    this.loaded = true;
  }

  async #page(params) {
    return this.api.get(this.#path(`/messages${query(params)}`));
  }

  async loadNewest() {
    if (!this.id) return;
    this.#reset(await this.#page({ limit: PAGE }));
    this.atNewest = true;
    this.#changed('reset');
  }

  /** Jump to a message: the page around it; newer pages load as the reader scrolls down. */
  async loadAround(messageId) {
    this.#reset(await this.#page({ limit: PAGE, around: messageId }));
    this.atNewest = false;
    this.#changed('reset');
    await this.#fetchNewer(PAGE, 'newer');
  }

  async loadOlder() {
    if (!this.hasOlder || this.loading.older) return;
    this.loading.older = true;
    try {
      const page = await this.#page({ limit: PAGE, before: this.olderCursor });
      this.#merge(page.messages);
      this.olderCursor = page.next_cursor;
      this.hasOlder = Boolean(page.next_cursor);
    } finally {
      this.loading.older = false;
    }
    this.#changed('older');
  }

  async loadNewer() {
    if (this.atNewest || this.loading.newer) return;
    this.loading.newer = true;
    try {
      await this.#fetchNewer(PAGE, 'newer');
    } finally {
      this.loading.newer = false;
    }
  }

  /** After a reconnection: everything after the newest known message, page by page. */
  async catchUp() {
    if (!this.id || !this.loaded) return;
    this.gapCheck = true;
    return this.#fetchAll();
  }

  async #fetchAll() {
    if (!this.order.length) return this.loadNewest();
    if (!this.atNewest) return;
    while (await this.#fetchNewer(CATCH_UP_PAGE, 'newer'));
  }

  /** One page after the newest known message; true when there is more after it. */
  async #fetchNewer(limit, kind) {
    const page = await this.#page({ limit, after: this.newestId });
    if (this.#merge(page.messages)) this.#changed(kind);
    this.atNewest = !page.next_cursor;
    return Boolean(page.next_cursor);
  }

  // Live events.

  receive(message) {
    if (message.sender === this.me && this.sending > 0) {
      this.held.push(message); // its own send is about to confirm it
      return;
    }
    if (this.gapCheck && this.atNewest && this.loaded) {
      // The first event after a reconnection: anything published between the catch-up
      // and the server's subscription was lost, so look once more from before this one.
      this.gapCheck = false;
      this.#fetchAll().catch(() => {});
    }
    const confirmed = message.sender === this.me && this.#confirmedElsewhere(message);
    this.marker(message.sender, message.id);
    if (this.byId.has(message.id)) this.update(message);
    else if (this.atNewest && this.loaded && this.#merge([message])) this.#changed('newer');
    else if (confirmed) this.#changed('update');
  }

  /** A send marked failed whose answer was lost but which the server stored after all
   * (the live event says so): it needs no retry. */
  #confirmedElsewhere(message) {
    const index = this.pending.findIndex((p) => p.state === 'failed' && p.content === message.content);
    if (index >= 0) {
      this.pending.splice(index, 1);
      this.#savePending();
    }
    return index >= 0;
  }

  update(message) {
    const known = this.byId.get(message.id);
    if (!known) return;
    const merged = { ...known, ...message };
    if (message.reactions) merged.reactions = withMe(known.reactions, message.reactions);
    this.byId.set(message.id, merged);
    this.#requote(merged);
    this.#changed('update');
  }

  /** A `message.reactions` event. */
  reacted(data) {
    const known = this.byId.get(data.message_id);
    if (known) this.update({ id: known.id, reactions: afterEvent(known.reactions, data, this.me) });
  }

  /** A `conversation.pins` event. */
  pinned({ message_id: id, pinned }) {
    if (this.byId.has(id)) this.update({ id, pinned });
  }

  // Reactions and pins.

  async react(messageId, emoji, on) {
    const path = this.#path(`/messages/${messageId}/reactions/${encodeURIComponent(emoji)}`);
    await (on ? this.api.put(path) : this.api.delete(path));
    const known = this.byId.get(messageId);
    if (known) this.update({ id: messageId, reactions: toggled(known.reactions, emoji, on) });
  }

  async pin(messageId, on) {
    const path = this.#path(`/pins/${messageId}`);
    await (on ? this.api.put(path) : this.api.delete(path));
    this.pinned({ message_id: messageId, pinned: on });
  }

  /** Who may pin: either member of a direct conversation, an admin of a group. */
  get canPin() {
    return this.detail?.type === 'direct' || Boolean(this.isAdmin);
  }

  async loadPins() {
    return (await this.api.get(this.#path('/pins'))).messages;
  }

  /** The replies to `message` show it as it is now (edited, or deleted). */
  #requote(message) {
    for (const [id, reply] of this.byId) {
      if (reply.reply_to?.id === message.id) this.byId.set(id, { ...reply, reply_to: quoteOf(message) });
    }
  }

  remove(message) {
    this.update({ ...message, deleted: true, content: null });
  }

  // Sending.

  /** `replyTo`: the quote of the message this one replies to, or null. */
  send(content, replyTo = null) {
    const item = { key: `pending-${newClientId()}`, client_message_id: newClientId(), content, reply_to: replyTo };
    this.pending.push(item);
    this.#savePending();
    return this.#enqueue(item);
  }

  retry(key) {
    const item = this.pending.find((p) => p.key === key);
    return item ? this.#enqueue(item) : Promise.resolve();
  }

  /** Sends go one at a time, so messages typed in a row are stored in that order. */
  #enqueue(item) {
    item.state = 'sending';
    item.error = null;
    this.sending += 1;
    this.#changed('newer');
    this.queue = this.queue.then(() => this.#deliver(item));
    return this.queue;
  }

  async #deliver(item) {
    const body = { content: item.content, client_message_id: item.client_message_id };
    if (item.reply_to) body.reply_to = item.reply_to.id;
    try {
      const message = this.id
        ? await this.api.post(this.#path('/messages'), body)
        : await this.api.post('/messages/send', { ...body, recipient: this.peer });
      this.pending = this.pending.filter((p) => p !== item);
      const created = !this.id;
      if (created) saveOutbox(this.#where, []); // a draft's other sends move to the conversation
      this.id = message.conversation_id;
      this.#savePending();
      this.#merge([message]);
      if (created) {
        // The conversation may have existed already: its history and members come now.
        this.dispatchEvent(new CustomEvent('created', { detail: message }));
        this.loadNewest().then(() => this.loadDetail()).catch(() => {});
      }
    } catch (error) {
      item.state = 'failed';
      item.error = describe(error);
    } finally {
      this.sending -= 1;
      if (this.sending === 0) this.#merge(this.held.splice(0));
      this.#changed('newer');
    }
  }

  async edit(messageId, content) {
    this.update(await this.api.patch(this.#path(`/messages/${messageId}`), { content }));
  }

  async delete(messageId) {
    await this.api.delete(this.#path(`/messages/${messageId}`));
    this.remove(this.byId.get(messageId));
  }

  // Members and read markers.

  async loadDetail() {
    if (!this.id) return;
    this.detail = await this.api.get(this.#path());
    this.readUpTo ??= this.detail.members.find((m) => m.username === this.me)?.last_read_message_id;
    this.#changed('detail');
  }

  /** A member has read up to `messageId` (a read event, or they sent it). */
  marker(username, messageId) {
    const member = this.detail?.members.find((m) => m.username === username);
    if (member && isNewer(messageId, member.last_read_message_id)) {
      member.last_read_message_id = messageId;
      this.#changed('detail');
    }
  }

  get isAdmin() {
    return this.detail?.members.some((m) => m.username === this.me && m.role === 'admin');
  }

  /** Mark everything loaded as read, once per new newest message. */
  async markRead() {
    const newest = this.newestId;
    if (!this.id || !this.atNewest || !isNewer(newest, this.readUpTo)) return false;
    const previous = this.readUpTo;
    this.readUpTo = newest;
    try {
      await this.api.post(this.#path('/read'), { message_id: newest });
      return true;
    } catch {
      this.readUpTo = previous;
      return false;
    }
  }

  /** The message to show "seen" under (my newest) and who has read it. */
  seen() {
    const mine = [...this.order].reverse().find((id) => this.byId.get(id).sender === this.me);
    if (!mine || !this.detail) return null;
    const readers = this.detail.members
      .filter((m) => m.username !== this.me && m.last_read_message_id)
      .filter((m) => compareIds(m.last_read_message_id, mine) >= 0)
      .map((m) => m.username);
    return { messageId: mine, readers, everyone: readers.length === this.detail.members.length - 1 };
  }
}
