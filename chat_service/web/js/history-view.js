// The message log of the open conversation: one <article> per message, rendered from a
// Timeline. Elements are kept by key and rebuilt only when their message changed; the
// first visible message stays where it was on screen whatever is added above or changes
// (the log has `overflow-anchor: none`, this does it), and the log follows the newest
// message only while the reader is at the bottom.

import { byId, fullTime, h, reconcile, shortTime } from './dom.js';
import { QUICK_EMOJI } from './marks.js';
import { quoteBlock, withMentions } from './replies.js';

const NEAR_EDGE_PX = 300;
const AT_BOTTOM_PX = 60;

export class HistoryView {
  constructor(timeline, me, actions) {
    Object.assign(this, { timeline, me, actions });
    this.log = byId('log');
    this.list = byId('messages');
    this.rendered = new Map(); // key -> {el, signature}
    this.editing = null;
    this.reacting = null; // the message whose quick emoji are shown
    this.highlight = null;
    this.onScroll = () => this.#scrolled();
    this.log.addEventListener('scroll', this.onScroll, { passive: true });
    this.list.replaceChildren();
  }

  destroy() {
    this.log.removeEventListener('scroll', this.onScroll);
  }

  get atBottom() {
    const { scrollHeight, scrollTop, clientHeight } = this.log;
    return scrollHeight - scrollTop - clientHeight < AT_BOTTOM_PX;
  }

  render(kind) {
    const follow = kind === 'reset' ? !this.highlight : this.atBottom && this.timeline.atNewest;
    const anchor = kind === 'reset' ? null : this.#anchor();
    reconcile(this.list, this.#elements());
    this.#edges();
    if (this.highlight && kind === 'reset') {
      this.rendered.get(this.highlight)?.el.scrollIntoView({ block: 'center' });
    } else if (follow) {
      this.scrollToBottom();
    } else if (anchor) {
      this.log.scrollTop += anchor.el.getBoundingClientRect().top - anchor.top;
    }
    byId('jump-newest').hidden = this.atBottom && this.timeline.atNewest;
    this.#fill();
  }

  scrollToBottom() {
    this.log.scrollTop = this.log.scrollHeight;
  }

  /** The first message at least partly visible, and where it is now. */
  #anchor() {
    const top = this.log.getBoundingClientRect().top;
    for (const { el } of this.rendered.values()) {
      const box = el.getBoundingClientRect();
      if (box.bottom > top && el.isConnected) return { el, top: box.top };
    }
    return null;
  }

  #scrolled() {
    byId('jump-newest').hidden = this.atBottom && this.timeline.atNewest;
    this.#fill();
    if (this.atBottom) this.actions.atBottom();
  }

  /** Load more while the reader is near an edge with more beyond it. */
  #fill() {
    const { scrollTop, scrollHeight, clientHeight } = this.log;
    const load = (promise) => promise.catch(() => {});
    if (scrollTop < NEAR_EDGE_PX && this.timeline.hasOlder) load(this.timeline.loadOlder());
    if (scrollHeight - scrollTop - clientHeight < NEAR_EDGE_PX && !this.timeline.atNewest) {
      load(this.timeline.loadNewer());
    }
  }

  #edges() {
    const t = this.timeline;
    const top = byId('log-top');
    if (!t.loaded) top.textContent = 'Loading…';
    else if (t.hasOlder) top.textContent = 'Loading earlier messages…';
    else top.textContent = t.order.length ? 'Beginning of the conversation' : 'No messages yet. Say hello!';
    this.log.setAttribute('aria-busy', String(t.loading.older || !t.loaded));
  }

  #elements() {
    const seen = this.timeline.seen();
    const keep = new Map();
    const items = [
      ...this.timeline.messages.map((m) => ({ key: m.id, message: m })),
      ...this.timeline.pending.map((p) => ({ key: p.key, message: { ...p, sender: this.me }, pending: p })),
    ];
    const elements = items.map(({ key, message, pending }) => {
      const seenText = seen?.messageId === key ? seenLabel(seen, this.timeline.detail) : '';
      const signature = [
        message.content, message.edited_at, message.deleted, pending?.state, pending?.error,
        seenText, this.editing === key, this.highlight === key,
        JSON.stringify(message.reactions ?? []), message.pinned, this.reacting === key,
        this.timeline.canPin,
        JSON.stringify(message.reply_to ?? null), message.mentions?.join(','),
      ].join('\u0000');
      let entry = this.rendered.get(key);
      if (!entry || entry.signature !== signature) {
        const el = this.#article(message, pending, seenText);
        entry?.el.replaceWith(el);
        entry = { el, signature };
      }
      keep.set(key, entry);
      return entry.el;
    });
    this.rendered = keep;
    return elements;
  }

  #article(m, pending, seenText) {
    if (m.type && m.type !== 'message') {
      const verb = m.type === 'member_joined' ? 'joined' : 'left';
      return h('article', { class: 'system', 'data-id': m.id }, `${m.sender} ${verb} the group`);
    }
    const own = m.sender === this.me;
    const classes = ['message', own && 'own', pending && pending.state, m.deleted && 'deleted',
      this.highlight === m.id && 'highlight'];
    const el = h('article', { class: classes.filter(Boolean).join(' '), 'data-id': m.id ?? '' },
      h('header', {},
        h('span', { class: 'sender' }, own ? 'You' : m.sender),
        m.pinned && !m.deleted ? h('span', { class: 'pin-mark' }, h('span', { 'aria-hidden': 'true' }, '📌'), ' Pinned') : null,
        pending
          ? h('span', { class: 'time' }, pending.state === 'failed' ? 'Not sent' : 'Sending…')
          : h('a', { class: 'time', href: `#/c/${this.timeline.id}/m/${m.id}`, title: fullTime(m.timestamp) },
            shortTime(m.timestamp))),
      this.editing === m.id ? this.#editor(m) : this.#body(m),
      pending || m.deleted ? null : this.#reactions(m),
      this.#footer(m, own, pending, seenText));
    return el;
  }

  /** The summary as toggle buttons (pressed: mine), and the quick emoji when asked for. */
  #reactions(m) {
    const shown = (m.reactions ?? []).map((r) => h('button', {
      type: 'button', class: 'reaction', 'aria-pressed': String(r.me),
      'aria-label': `${r.emoji} ${r.count}${r.me ? ', you reacted' : ''}`,
      onclick: () => this.actions.react(m.id, r.emoji, !r.me),
    }, `${r.emoji} ${r.count}`));
    const quick = this.reacting === m.id
      ? QUICK_EMOJI.filter((e) => !(m.reactions ?? []).some((r) => r.emoji === e && r.me))
        .map((emoji) => h('button', {
          type: 'button', class: 'reaction quick', 'aria-label': `React with ${emoji}`,
          onclick: () => this.actions.react(m.id, emoji, true),
        }, emoji))
      : [];
    if (!shown.length && !quick.length) return null;
    return h('div', { class: 'reactions', role: 'group', 'aria-label': 'Reactions' }, shown, quick);
  }

  #body(m) {
    if (m.deleted) return h('p', { class: 'content muted' }, 'Message deleted');
    return h('div', {},
      quoteBlock(m, this.timeline.id),
      m.content ? h('p', { class: 'content' }, ...withMentions(m.content, m.mentions, this.me)) : null,
      m.attachment ? attachment(m.attachment) : null);
  }

  #editor(m) {
    const text = h('textarea', { class: 'edit', 'aria-label': 'Edit message', value: m.content, rows: 2 });
    const save = () => this.actions.saveEdit(m.id, text.value);
    const cancel = () => this.actions.cancelEdit();
    text.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey) {
        event.preventDefault();
        save();
      } else if (event.key === 'Escape') {
        event.stopPropagation();
        cancel();
      }
    });
    queueMicrotask(() => text.focus());
    return h('div', { class: 'editing' }, text,
      h('div', { class: 'row' },
        h('button', { type: 'button', class: 'primary small', onclick: save }, 'Save'),
        h('button', { type: 'button', class: 'quiet small', onclick: cancel }, 'Cancel')));
  }

  #footer(m, own, pending, seenText) {
    const parts = [];
    if (m.edited_at && !m.deleted) {
      parts.push(h('button', { type: 'button', class: 'link muted', 'aria-label': 'Edit history',
        onclick: () => this.actions.showHistory(m.id) }, 'edited'));
    }
    if (pending?.state === 'failed') {
      parts.push(h('span', { class: 'error' }, pending.error),
        h('button', { type: 'button', class: 'small', onclick: () => this.actions.retry(pending.key) }, 'Retry'));
    }
    if (!pending && !m.deleted && m.id) {
      const open = this.reacting === m.id;
      parts.push(h('button', {
        type: 'button', class: 'link', 'aria-expanded': String(open),
        onclick: () => this.actions.toggleReacting(open ? null : m.id),
      }, open ? 'Done' : 'React'));
      if (this.timeline.canPin) {
        parts.push(h('button', {
          type: 'button', class: 'link', onclick: () => this.actions.pin(m.id, !m.pinned),
        }, m.pinned ? 'Unpin' : 'Pin'));
      }
    }
    if (!pending && !m.deleted && this.editing !== m.id) {
      parts.push(h('button', { type: 'button', class: 'link', 'aria-label': 'Reply',
        onclick: () => this.actions.reply(m) }, 'Reply'));
    }
    if (own && !pending && !m.deleted && this.editing !== m.id) {
      parts.push(
        h('button', { type: 'button', class: 'link', 'aria-label': 'Edit message', onclick: () => this.actions.startEdit(m.id) }, 'Edit'),
        h('button', { type: 'button', class: 'link', 'aria-label': 'Delete message', onclick: () => this.actions.delete(m.id) }, 'Delete'));
    }
    if (seenText) parts.push(h('span', { class: 'seen' }, seenText));
    return parts.length ? h('footer', {}, parts) : null;
  }
}

/** A link to an attachment, only for web addresses (never `javascript:` or the like). */
function attachment({ type, url }) {
  const label = `Attachment (${type})`;
  const safe = /^https?:\/\//i.test(url ?? '');
  return safe
    ? h('a', { class: 'attachment', href: url, target: '_blank', rel: 'noopener noreferrer' }, label)
    : h('span', { class: 'attachment' }, label);
}

function seenLabel(seen, detail) {
  if (!seen.readers.length) return '';
  if (detail?.type === 'direct') return 'Seen';
  const names = seen.readers.slice(0, 3).join(', ');
  const rest = seen.readers.length - 3;
  return `Seen by ${names}${rest > 0 ? ` and ${rest} more` : ''}`;
}
