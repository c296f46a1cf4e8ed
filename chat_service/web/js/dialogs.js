// The dialogs: "New conversation" (find people, start a direct conversation or create a
// group), "Members" (add and remove as admin, leave, the invitation link) and a confirm.
// Native <dialog>s: Escape closes them and focus returns where it was.

import { describe, query } from './api.js';
import { byId, debounce, h } from './dom.js';

/** Enter in a field must not submit (and so close) a dialog's form: only its buttons do.
 * Escape always closes it, even from a search field (which would only clear itself). */
function keyboard(dialog) {
  dialog.querySelector('form').addEventListener('submit', (event) => {
    if (!event.submitter) event.preventDefault();
  });
  dialog.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      dialog.close();
    }
  });
}

/** Username prefix search into a list of rows made by `row(username)`. */
function peopleSearch(api, me, input, results, row) {
  const search = debounce(async () => {
    const q = input.value.trim().toLowerCase();
    if (!q) return results.replaceChildren();
    try {
      const { users } = await api.get(`/users${query({ q, limit: 10 })}`);
      if (input.value.trim().toLowerCase() !== q) return;
      const people = users.map((u) => u.username).filter((name) => name !== me);
      results.replaceChildren(...(people.length
        ? people.map((name) => h('li', {}, ...row(name)))
        : [h('li', { class: 'muted' }, 'Nobody by that name.')]));
    } catch (error) {
      results.replaceChildren(h('li', { class: 'error' }, describe(error)));
    }
  }, 150);
  input.oninput = search;
}

export class NewConversationDialog {
  constructor(api, me, { openDirect, groupCreated }) {
    this.dialog = byId('new-dialog');
    keyboard(this.dialog);
    this.members = [];
    const input = byId('people-search');
    peopleSearch(api, me, input, byId('people-results'), (name) => [
      h('span', { class: 'person' }, name),
      h('button', { type: 'button', class: 'small primary', 'aria-label': `Message ${name}`,
        onclick: () => { this.dialog.close(); openDirect(name); } }, 'Message'),
      h('button', { type: 'button', class: 'small', 'aria-label': `Add to group: ${name}`,
        onclick: () => this.#add(name) }, 'Add to group'),
    ]);
    byId('create-group').onclick = async () => {
      const name = byId('group-name').value.trim();
      const error = byId('new-error');
      if (!name) {
        error.textContent = 'Give the group a name.';
        return byId('group-name').focus();
      }
      try {
        const group = await api.post('/conversations', {
          name, members: this.members, is_private: byId('group-private').checked,
        });
        this.dialog.close();
        groupCreated(group);
      } catch (failure) {
        error.textContent = describe(failure);
      }
    };
  }

  open() {
    this.members = [];
    for (const id of ['people-search', 'group-name']) byId(id).value = '';
    byId('group-private').checked = false;
    byId('people-results').replaceChildren();
    byId('new-error').textContent = '';
    this.#chips();
    this.dialog.showModal();
    byId('people-search').focus();
  }

  #add(name) {
    if (!this.members.includes(name)) this.members.push(name);
    this.#chips();
  }

  #chips() {
    byId('group-members').replaceChildren(...this.members.map((name) => h('li', { class: 'chip' }, name,
      h('button', { type: 'button', class: 'link', 'aria-label': `Remove ${name}`, onclick: () => {
        this.members = this.members.filter((m) => m !== name);
        this.#chips();
      } }, '×'))));
  }
}

export class MembersDialog {
  constructor(api, me, { left }) {
    Object.assign(this, { api, me, left });
    this.dialog = byId('members-dialog');
    keyboard(this.dialog);
    this.timeline = null;
    peopleSearch(api, me, byId('member-search'), byId('member-results'), (name) => [
      h('span', { class: 'person' }, name),
      h('button', { type: 'button', class: 'small primary', 'aria-label': `Add ${name}`,
        onclick: () => this.#run(() => api.post(this.#path('/members'), { username: name })) }, 'Add'),
    ]);
    byId('leave').onclick = () => this.#run(async () => {
      await api.delete(this.#path(`/members/${encodeURIComponent(me)}`));
      this.dialog.close();
      left(this.timeline.id);
    }, false);
  }

  #path(suffix) {
    return `/conversations/${this.timeline.id}${suffix}`;
  }

  async #run(action, reload = true) {
    byId('members-error').textContent = '';
    try {
      await action();
      if (reload) {
        await this.timeline.loadDetail();
        this.render();
      }
    } catch (error) {
      byId('members-error').textContent = describe(error);
    }
  }

  open(timeline) {
    this.timeline = timeline;
    byId('member-search').value = '';
    byId('member-results').replaceChildren();
    byId('members-error').textContent = '';
    this.render();
    this.dialog.showModal();
    // Roles change without a live event: fetch them again.
    this.timeline.loadDetail().then(() => this.render(), () => {});
  }

  render() {
    const { detail, isAdmin } = this.timeline;
    byId('member-add').hidden = !isAdmin;
    const invite = byId('invite');
    invite.hidden = detail.is_private;
    invite.textContent = `Anyone with this link can join: ${location.origin}/#/c/${detail.id}`;
    byId('member-list').replaceChildren(...detail.members.map((m) => h('li', {},
      h('span', { class: 'person' }, m.username === this.me ? `${m.username} (you)` : m.username),
      m.role === 'admin' ? h('span', { class: 'role' }, 'admin') : null,
      ...(isAdmin && m.username !== this.me && m.username !== detail.created_by ? this.#manage(m) : []))));
  }

  /** An admin's buttons for another member: promote or demote, remove. */
  #manage({ username, role }) {
    const member = this.#path(`/members/${encodeURIComponent(username)}`);
    const next = role === 'admin' ? 'member' : 'admin';
    const label = role === 'admin' ? 'Make member' : 'Make admin';
    return [
      h('button', { type: 'button', class: 'small', 'aria-label': `${label}: ${username}`,
        onclick: () => this.#run(() => this.api.patch(member, { role: next })) }, label),
      h('button', { type: 'button', class: 'small', 'aria-label': `Remove ${username}`,
        onclick: () => this.#run(() => this.api.delete(member)) }, 'Remove'),
    ];
  }
}

/** Ask before something that cannot be undone; resolves true when confirmed. */
let confirmReady = false;

export function confirmDialog(question, action = 'Delete') {
  const dialog = byId('confirm-dialog');
  if (!confirmReady) keyboard(dialog);
  confirmReady = true;
  byId('confirm-title').textContent = question;
  byId('confirm-ok').textContent = action;
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
  });
}

/** The open conversation's pinned messages, most recently pinned first, each a link to
 * the message in its history. */
export class PinsDialog {
  constructor() {
    this.dialog = byId('pins-dialog');
    keyboard(this.dialog);
  }

  async open(timeline) {
    const list = byId('pin-list');
    byId('pins-error').textContent = '';
    list.replaceChildren(h('li', { class: 'muted' }, 'Loading…'));
    this.dialog.showModal();
    try {
      const pinned = await timeline.loadPins();
      list.replaceChildren(...(pinned.length ? pinned.map((m) => h('li', {},
        h('a', { href: `#/c/${timeline.id}/m/${m.id}`, onclick: () => this.dialog.close() },
          h('span', { class: 'person' }, m.sender), ': ', m.content ?? 'Attachment')))
        : [h('li', { class: 'muted' }, 'Nothing is pinned.')]));
    } catch (error) {
      list.replaceChildren();
      byId('pins-error').textContent = describe(error);
    }
  }
}
