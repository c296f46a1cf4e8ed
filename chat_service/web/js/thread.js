// The open conversation: its header, the join panel for a group one is not in yet, the
// history and the composer (Enter sends, Shift+Enter is a new line), and marking as read
// while it is open, visible and scrolled to the newest message.

import { ApiError, describe } from './api.js';
import { byId } from './dom.js';
import { confirmDialog, PinsDialog } from './dialogs.js';
import { ThreadActivity } from './activity.js';
import { HistoryView } from './history-view.js';
import { EditHistoryDialog, quoteOf } from './replies.js';

// The server tells only the reader's own devices about a read marker today, so while my
// newest message is unseen the members' markers are fetched again now and then.
const SEEN_POLL_MS = 10000;
let pinsDialog = null;

export class Thread {
  constructor(timeline, { me, title, list, members, live }) {
    Object.assign(this, { timeline, me, list, members });
    this.activity = new ThreadActivity(timeline, { me, live, api: timeline.api });
    this.view = new HistoryView(timeline, me, {
      retry: (key) => timeline.retry(key),
      startEdit: (id) => this.#editing(id),
      cancelEdit: () => this.#editing(null),
      saveEdit: (id, text) => this.#saveEdit(id, text),
      delete: (id) => this.#delete(id),
      atBottom: () => this.markRead(),
      toggleReacting: (id) => this.#reacting(id),
      react: (id, emoji, on) => this.#act(() => timeline.react(id, emoji, on)),
      pin: (id, on) => this.#act(() => timeline.pin(id, on)),
      reply: (message) => this.#replyTo(message),
      showHistory: (id) => this.versions.open(timeline.id, id),
    });
    this.versions = new EditHistoryDialog(timeline.api);
    this.replying = null;
    this.onChange = (event) => this.#changed(event.detail);
    timeline.addEventListener('change', this.onChange);
    this.onVisible = () => this.markRead();
    document.addEventListener('visibilitychange', this.onVisible);
    this.poll = setInterval(() => this.#pollSeen(), SEEN_POLL_MS);
    byId('thread').hidden = false;
    byId('placeholder').hidden = true;
    byId('join-panel').hidden = true;
    byId('composer').hidden = false;
    byId('thread-title').textContent = title;
    byId('members-button').hidden = true;
    byId('members-button').onclick = () => this.members.open(timeline);
    byId('jump-newest').onclick = () => this.#toNewest();
    byId('pins-button').onclick = () => (pinsDialog ??= new PinsDialog()).open(timeline);
    this.#composer();
  }

  destroy() {
    this.timeline.removeEventListener('change', this.onChange);
    document.removeEventListener('visibilitychange', this.onVisible);
    clearInterval(this.poll);
    this.activity.destroy();
    this.view.destroy();
  }

  /** Show the newest page (or the page around `messageId`) and the members. */
  async open(messageId = null) {
    const t = this.timeline;
    this.view.highlight = messageId;
    this.view.render('reset');
    if (!t.id) return;
    try {
      if (messageId) await t.loadAround(messageId);
      else if (!t.loaded || !t.atNewest) await t.loadNewest();
      else this.view.render('reset');
      await t.loadDetail();
    } catch (error) {
      if (error instanceof ApiError && error.status === 404 && !t.order.length) return this.#notMember();
      byId('log-top').textContent = describe(error);
    }
    this.markRead();
  }

  #changed(kind) {
    if (kind === 'detail') {
      const { detail } = this.timeline;
      byId('members-button').hidden = detail.type !== 'group';
      byId('thread-title').textContent = detail.type === 'group' ? detail.name
        : detail.members.find((m) => m.username !== this.me)?.username ?? '';
      this.activity.setPeer(detail.type === 'direct'
        ? detail.members.find((m) => m.username !== this.me)?.username ?? null : null);
    }
    this.view.render(kind);
    if (kind !== 'detail') this.markRead();
  }

  /** Read when someone could be reading: the page visible and the newest message in view. */
  async markRead() {
    if (document.visibilityState !== 'visible' || !this.view.atBottom) return;
    if (await this.timeline.markRead()) this.list.setRead(this.timeline.id);
  }

  get beingRead() {
    return document.visibilityState === 'visible' && this.view.atBottom && this.timeline.atNewest;
  }

  async #pollSeen() {
    const seen = this.timeline.seen();
    if (document.visibilityState !== 'visible' || !seen || seen.everyone) return;
    await this.timeline.loadDetail().catch(() => {});
  }

  #notMember() {
    byId('join-panel').hidden = false;
    byId('composer').hidden = true;
    byId('join-text').textContent = 'You are not a member of this conversation. If it is a public group, you can join it.';
    byId('join-button').onclick = async () => {
      try {
        await this.timeline.api.post(`/conversations/${this.timeline.id}/join`);
        byId('join-panel').hidden = true;
        byId('composer').hidden = false;
        this.list.reloadSoon();
        await this.open();
      } catch (error) {
        byId('join-text').textContent = error instanceof ApiError && error.status === 403
          ? 'This group is private: ask one of its admins to add you.'
          : describe(error);
      }
    };
  }

  async #toNewest() {
    if (!this.timeline.atNewest) await this.timeline.loadNewest().catch(() => {});
    this.view.scrollToBottom();
    this.view.render('update');
    this.markRead();
  }

  #composer() {
    const form = byId('composer');
    const text = byId('composer-text');
    text.value = '';
    this.#replyTo(null);
    byId('reply-cancel').onclick = () => this.#replyTo(null);
    text.onkeydown = (event) => {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        form.requestSubmit();
      } else if (event.key === 'Escape' && this.replying) {
        this.#replyTo(null);
      }
    };
    text.oninput = () => {
      grow(text);
      if (text.value.trim()) this.activity.typed();
    };
    form.onsubmit = async (event) => {
      event.preventDefault();
      const content = text.value;
      if (!content.trim()) return;
      text.value = '';
      grow(text);
      const replyTo = this.replying;
      this.#replyTo(null);
      this.activity.sent();
      if (!this.timeline.atNewest) await this.#toNewest();
      this.view.scrollToBottom();
      await this.timeline.send(content, replyTo);
    };
  }

  #reacting(id) {
    this.view.reacting = id;
    this.view.render('update');
  }

  async #act(call) {
    try {
      await call();
      byId('log-bottom').textContent = '';
    } catch (error) {
      byId('log-bottom').textContent = describe(error);
    }
  }

  /** Reply to `message` (null: not replying): shown above the composer until sent. */
  #replyTo(message) {
    this.replying = message ? quoteOf(message) : null;
    byId('reply-bar').hidden = !message;
    byId('reply-text').textContent = message
      ? `Replying to ${message.sender}: ${this.replying.content ?? ''}` : '';
    if (message) byId('composer-text').focus();
  }

  #editing(id) {
    this.view.editing = id;
    this.view.render('update');
  }

  async #saveEdit(id, content) {
    if (!content.trim()) return;
    try {
      await this.timeline.edit(id, content);
      this.#editing(null);
    } catch (error) {
      byId('log-bottom').textContent = describe(error);
    }
  }

  async #delete(id) {
    if (!(await confirmDialog('Delete this message for everyone?'))) return;
    try {
      await this.timeline.delete(id);
    } catch (error) {
      byId('log-bottom').textContent = describe(error);
    }
  }
}

function grow(text) {
  text.style.height = 'auto';
  text.style.height = `${Math.min(text.scrollHeight, 160)}px`;
}
