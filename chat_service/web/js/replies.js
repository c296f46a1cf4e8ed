// Replies, mentions and edit history in the message log: the quote shown above a reply
// (a link to the quoted message, "Deleted message" once it is deleted), `@name` mentions
// highlighted (mine more strongly), and the dialog listing a message's earlier texts.

import { describe } from './api.js';
import { byId, fullTime, h } from './dom.js';

const QUOTE_MAX = 200;
// As the server parses them (domain/mentions.py): not after a letter, digit or `@`.
const MENTION = /(?<![\w@])@([A-Za-z0-9][A-Za-z0-9_.-]{2,31})/g;

/** A message's quote as the server would show it now (for live edits and deletes). */
export function quoteOf(message) {
  const deleted = Boolean(message.deleted);
  const content = deleted || message.content == null
    ? null : Array.from(message.content).slice(0, QUOTE_MAX).join('');
  return { id: message.id, sender: message.sender, content, deleted };
}

/** The block above a reply: who and what it quotes, linking to the quoted message. */
export function quoteBlock(reply, conversationId) {
  const q = reply.reply_to;
  if (!q) return null;
  return h('a', { class: q.deleted ? 'quote deleted' : 'quote', href: `#/c/${conversationId}/m/${q.id}` },
    h('span', { class: 'quote-sender' }, q.sender),
    h('span', { class: 'quote-text' }, q.deleted ? 'Deleted message' : q.content ?? ''));
}

/** `content` as text nodes, with the mentions the server found in it as highlighted spans. */
export function withMentions(content, mentions, me) {
  if (!mentions?.length) return [content];
  const names = new Set(mentions);
  const parts = [];
  let at = 0;
  for (const match of content.matchAll(MENTION)) {
    let name = match[1].toLowerCase();
    if (!names.has(name)) name = name.replace(/[.-]+$/, '');
    if (!names.has(name) || match.index < at) continue;
    const end = match.index + 1 + name.length;
    parts.push(content.slice(at, match.index),
      h('span', { class: name === me ? 'mention me' : 'mention' }, content.slice(match.index, end)));
    at = end;
  }
  parts.push(content.slice(at));
  return parts;
}

/** "Edit history": every text of one message, oldest first, the current one last. */
export class EditHistoryDialog {
  constructor(api) {
    this.api = api;
    this.dialog = byId('history-dialog');
  }

  async open(conversationId, messageId) {
    const list = byId('version-list');
    list.replaceChildren(h('li', { class: 'muted' }, 'Loading…'));
    this.dialog.showModal();
    try {
      const { versions } = await this.api.get(`/conversations/${conversationId}/messages/${messageId}/history`);
      list.replaceChildren(...(versions.length
        ? versions.map((v, i) => h('li', {},
          h('span', { class: 'muted' }, `${i === versions.length - 1 ? 'Now' : fullTime(v.edited_at)}`),
          h('p', { class: 'content' }, v.content)))
        : [h('li', { class: 'muted' }, 'No versions: the message was deleted.')]));
    } catch (error) {
      list.replaceChildren(h('li', { class: 'error' }, describe(error)));
    }
  }
}
