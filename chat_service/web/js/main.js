// The client's entry point: the login screen or the app, the hash routes
// (#/c/<id>, #/c/<id>/m/<message id>, #/dm/<username>; the account routes of account.js
// before either), and live events routed to the
// list and the timelines. Each event type has one handler in LIVE_HANDLERS: supporting a
// new one (reactions, typing, pins...) is one entry there and its rendering.

import { accountRoute, showAccount } from './account.js';
import { boundApi, describe } from './api.js';
import { byId } from './dom.js';
import { ConversationList, title } from './conversation-list.js';
import { MembersDialog, NewConversationDialog } from './dialogs.js';
import { Live, STATE_TEXT } from './live.js';
import { currentPosition, replay } from './sync.js';
import { clearOutboxes } from './outbox.js';
import { SearchPanel } from './search.js';
import { Session } from './session.js';
import { Thread } from './thread.js';
import { Timeline } from './timeline.js';

const KEPT_TIMELINES = 20;
const session = new Session();
let app = null;

function screen(name) {
  byId('app').dataset.screen = name;
  byId('loading').hidden = name !== 'loading';
  byId('login').hidden = name !== 'login';
  byId('shell').hidden = name !== 'app';
  byId('account').hidden = name !== 'account';
}

/** The first screen a person can use is up (the browser tests time the first load by it). */
function interactive() {
  if (!performance.getEntriesByName('chat:interactive').length) performance.mark('chat:interactive');
}

function showLogin() {
  app?.stop();
  app = null;
  screen('login');
  byId('login-password').value = '';
  byId('login-username').focus();
  interactive();
}

function loginForm() {
  const form = byId('login-form');
  const error = byId('login-error');
  const submit = async (action) => {
    const username = byId('login-username').value.trim();
    const password = byId('login-password').value;
    const email = byId('login-email').value.trim();
    error.textContent = '';
    if (!username || !password) {
      error.textContent = 'Enter a username and a password.';
      return;
    }
    form.setAttribute('aria-busy', 'true');
    try {
      await (action === 'register' ? session.register(username, password, email) : session.login(username, password));
      start();
    } catch (failure) {
      error.textContent = describe(failure);
    } finally {
      form.removeAttribute('aria-busy');
    }
  };
  form.onsubmit = (event) => {
    event.preventDefault();
    submit('login');
  };
  byId('register').onclick = () => submit('register');
}

class App {
  constructor() {
    this.me = session.user.username;
    this.api = boundApi(session);
    this.live = new Live(session);
    this.list = new ConversationList(this.api, this.me);
    this.timelines = new Map();
    this.thread = null;
    this.members = new MembersDialog(this.api, this.me, { left: (id) => this.#left(id) });
    this.search = new SearchPanel(this.api);
    this.newDialog = new NewConversationDialog(this.api, this.me, {
      openDirect: (name) => { location.hash = `#/dm/${encodeURIComponent(name)}`; },
      groupCreated: (group) => {
        this.list.reloadSoon();
        location.hash = `#/c/${group.id}`;
      },
    });
    byId('me').textContent = this.me;
    byId('new-conversation').onclick = () => this.newDialog.open();
    this.onRoute = () => this.route();
    addEventListener('hashchange', this.onRoute);
    this.live.addEventListener('state', () => {
      // The status, and its copy over the conversation on a phone (one shows at a time).
      for (const status of [byId('connection'), byId('thread-connection')]) {
        status.dataset.state = this.live.state;
        status.textContent = STATE_TEXT[this.live.state];
      }
    });
    this.live.addEventListener('reconnected', () => this.catchUp());
    for (const [type, handler] of Object.entries(LIVE_HANDLERS)) {
      this.live.on(type, (data) => handler(this, data));
    }
  }

  async start() {
    screen('app');
    this.live.start();
    const position = currentPosition(this.api).catch(() => null);
    await this.list.load().catch((error) => { byId('list-empty').textContent = describe(error); });
    this.live.position ??= await position;
    this.route();
    interactive();
  }

  stop() {
    this.live.stop();
    this.thread?.destroy();
    this.thread = null;
    this.search.show(null);
    removeEventListener('hashchange', this.onRoute);
    byId('thread').hidden = true;
    byId('placeholder').hidden = false;
    byId('conversation-list').replaceChildren();
  }

  timeline(id, peer = null) {
    let timeline = id && this.timelines.get(id);
    if (!timeline) {
      timeline = new Timeline(this.api, this.me, { id, peer });
      if (id) this.#keep(timeline);
      else timeline.addEventListener('created', ({ detail: message }) => {
        this.#keep(timeline);
        this.list.addDirect(message, peer);
        this.list.reloadSoon();
        history.replaceState(null, '', `#/c/${timeline.id}`);
        this.list.setActive(timeline.id);
      });
    }
    return timeline;
  }

  #keep(timeline) {
    this.timelines.delete(timeline.id);
    this.timelines.set(timeline.id, timeline);
    if (this.timelines.size > KEPT_TIMELINES) this.timelines.delete(this.timelines.keys().next().value);
  }

  route() {
    const [, kind, key, , messageId] = location.hash.split('/').map(decodeURIComponent);
    if (kind === 'dm' && key) {
      const existing = this.list.findDirect(key.toLowerCase());
      if (existing) return location.replace(`#/c/${existing.id}`);
      return this.#open(this.timeline(null, key.toLowerCase()), key.toLowerCase());
    }
    if (kind === 'c' && key) {
      const item = this.list.get(key);
      return this.#open(this.timeline(key), item ? title(item) : '', messageId);
    }
    this.thread?.destroy();
    this.thread = null;
    this.search.show(null);
    this.list.setActive(null);
    byId('thread').hidden = true;
    byId('placeholder').hidden = false;
    byId('app').dataset.view = 'list';
  }

  #open(timeline, heading, messageId = null) {
    this.thread?.destroy();
    byId('app').dataset.view = 'conversation';
    this.list.setActive(timeline.id);
    this.thread = new Thread(timeline, {
      me: this.me, title: heading, list: this.list, members: this.members, live: this.live,
    });
    this.thread.open(messageId);
    this.search.show(timeline.id);
    byId('composer-text').focus();
  }

  /** After a reconnection: every event missed (edits, deletes, read markers too), from
   *  /sync, then the list as the service counts it; without a position (or if the replay
   *  fails), what each known conversation missed, page by page. */
  async catchUp() {
    const since = this.live.position;
    if (since) {
      try {
        const next = await replay(this.api, since, (event) => this.live.handle(event));
        if (next === null) return location.reload(); // older than the service keeps
        if (this.live.position === since) this.live.position = next; // no live event since
        await this.list.load().catch(() => {});
        return;
      } catch {
        // fall back to paging below
      }
    }
    await this.list.load().catch(() => {});
    await Promise.all([...this.timelines.values()].map((t) => t.catchUp().catch(() => {})));
    await this.thread?.timeline.loadDetail().catch(() => {});
  }

  #left(id) {
    this.timelines.delete(id);
    this.list.remove(id);
    location.hash = '#/';
  }

  isOpen(id) {
    return this.thread?.timeline.id === id && this.thread.beingRead;
  }
}

const LIVE_HANDLERS = {
  typing: (app, data) => app.thread?.activity.receive(data),
  'message.created': (app, message) => {
    app.list.onMessage(message, app.isOpen(message.conversation_id));
    app.timelines.get(message.conversation_id)?.receive(message);
  },
  'message.updated': (app, message) => {
    app.list.onUpdate(message);
    app.timelines.get(message.conversation_id)?.update(message);
  },
  'message.deleted': (app, message) => {
    app.list.onUpdate({ ...message, deleted: true, content: null });
    app.timelines.get(message.conversation_id)?.remove(message);
  },
  'message.reactions': (app, data) => {
    app.timelines.get(data.conversation_id)?.reacted(data);
  },
  'conversation.pins': (app, data) => {
    app.timelines.get(data.conversation_id)?.pinned(data);
  },
  'conversation.read': (app, { conversation_id: id, username, message_id: messageId }) => {
    if (username === app.me) app.list.setRead(id);
    else app.timelines.get(id)?.marker(username, messageId);
  },
  'conversation.member_joined': (app, { conversation_id: id }) => {
    app.list.reloadSoon();
    if (app.thread?.timeline.id === id) app.thread.timeline.loadDetail().catch(() => {});
  },
  'conversation.member_left': (app, { conversation_id: id, username }) => {
    if (username === app.me) {
      app.list.remove(id);
      if (app.thread?.timeline.id === id) location.hash = '#/';
      return;
    }
    if (app.thread?.timeline.id === id) app.thread.timeline.loadDetail().catch(() => {});
  },
};

function start() {
  app = new App();
  app.start();
}

/** An emailed link or the forgot-password form: shown instead of the login or the app. */
function openAccountRoute() {
  const route = accountRoute();
  if (!route) return false;
  app?.stop();
  app = null;
  screen('account');
  interactive();
  showAccount(route, () => {
    history.replaceState(null, '', '#/');
    if (route.kind === 'reset-password') session.end(); // every session ended with the reset
    if (session.user) start();
    else showLogin();
  });
  return true;
}

session.addEventListener('ended', () => {
  if (!accountRoute()) showLogin();
});
byId('logout').onclick = () => {
  clearOutboxes(session.user?.username); // nothing of theirs stays on a shared computer
  session.logout();
};
byId('logout-all').onclick = () => {
  clearOutboxes(session.user?.username);
  session.logoutEverywhere().catch((failure) => { byId('connection').textContent = describe(failure); });
};
addEventListener('hashchange', openAccountRoute);
loginForm();
if (!openAccountRoute()) {
  if (session.user) start();
  else showLogin();
}
