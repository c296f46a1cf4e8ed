// Searching the open conversation (or, ticked, all of one's direct messages): a panel under
// its header with the query, the results newest first (sender, time, text) and "More
// results" while the server has a cursor.
// A result is a link to #/c/<id>/m/<message id>, which opens the history around it; the
// panel and its results stay while the same conversation is open.

import { describe, query } from './api.js';
import { byId, fullTime, h, shortTime } from './dom.js';

const PAGE = 20;

export class SearchPanel {
  constructor(api) {
    this.api = api;
    this.conversationId = null;
    this.panel = byId('search-panel');
    this.input = byId('search-input');
    this.results = byId('search-results');
    this.status = byId('search-status');
    this.more = byId('search-more');
    this.direct = byId('search-direct');
    this.cursor = null;
    this.asked = '';
    byId('search-button').onclick = () => this.toggle();
    byId('search-close').onclick = () => this.close();
    byId('search-form').onsubmit = (event) => {
      event.preventDefault();
      this.#search(this.input.value.trim(), null);
    };
    this.more.onclick = () => this.#search(this.asked, this.cursor);
    this.direct.onchange = () => this.#search(this.input.value.trim(), null);
    this.input.onkeydown = (event) => {
      if (event.key === 'Escape') this.close();
    };
  }

  /** The conversation now open (null: none, or a direct one not created yet). */
  show(conversationId) {
    byId('search-button').hidden = !conversationId;
    if (conversationId === this.conversationId) return;
    this.conversationId = conversationId;
    this.close();
  }

  toggle() {
    if (this.panel.hidden) {
      this.panel.hidden = false;
      byId('search-button').setAttribute('aria-expanded', 'true');
      this.input.focus();
    } else {
      this.close();
    }
  }

  close() {
    this.panel.hidden = true;
    byId('search-button').setAttribute('aria-expanded', 'false');
    this.input.value = '';
    this.direct.checked = false;
    this.asked = '';
    this.cursor = null;
    this.results.replaceChildren();
    this.status.textContent = '';
    this.more.hidden = true;
  }

  async #search(q, cursor) {
    if (!q || !this.conversationId) return;
    const id = this.conversationId;
    const where = this.direct.checked ? '/messages/search' : `/conversations/${id}/messages/search`;
    this.status.textContent = 'Searching…';
    this.more.hidden = true;
    if (!cursor) this.results.replaceChildren();
    try {
      const page = await this.api.get(`${where}${query({ q, before: cursor, limit: PAGE })}`);
      if (id !== this.conversationId) return; // another conversation was opened meanwhile
      this.asked = q;
      this.cursor = page.next_cursor;
      this.results.append(...page.messages.map((m) => this.#result(m)));
      const count = this.results.childElementCount;
      this.status.textContent = count ? `${count} result${count === 1 ? '' : 's'}${this.cursor ? ' so far' : ''}`
        : this.cursor ? 'Nothing yet in recent messages.' : 'No messages found.';
      this.more.hidden = !this.cursor;
    } catch (error) {
      this.status.textContent = describe(error);
    }
  }

  #result(m) {
    return h('li', {},
      h('a', { href: `#/c/${m.conversation_id}/m/${m.id}`, class: 'search-result' },
        h('span', { class: 'line' },
          h('span', { class: 'sender' }, m.sender),
          h('span', { class: 'time', title: fullTime(m.timestamp) }, shortTime(m.timestamp))),
        h('span', { class: 'snippet' }, m.content ?? '')));
  }
}
