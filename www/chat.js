// chat.js - the galaxy-chat browser client's start and its wiring.  It
// speaks only the HTTP API of doc/api.md (through js/api.js); each concern
// is a module of js/ (HACKING.md has the map):
//
//   state.js       who I am, the cursor, events handled, kept DMs
//   stream.js      the transport: Server-Sent Events, or the long poll
//                  (longpoll.js, where its interface is) where a stream
//                  cannot be held
//   outbox.js      pending sends, retried with their client_id
//   events.js      what each event type does when it arrives
//   attention.js   unread and mention counts (unread.js), the page title,
//                  the "new messages" divider, read markers sent as I read
//   notify.js      browser notifications of mentions and direct messages
//   settings.js    the settings menu (notifications, email)
//   messages.js    each message shown as it is now (edits, reactions, solved, replies)
//   render.js      how each event type looks; actions.js what a message's buttons do
//   cards.js       Galaxy object cards under messages, the sender's warning
//   topics.js      a room's topic under its name, its pinned messages
//   tabs.js, rooms.js, conversation.js, thread.js, unanswered.js, who.js,
//   search.js, composer.js (edit.js, reply.js, paste.js, autocomplete.js), shell.js
//                  the views
//   links.js       deep links (#room=, #dm=, #msg=, &draft=)
//   embed.js       inside Galaxy's chat panel (the masthead webhook)
//
// Who the user is comes from GET /v1/me alone; Galaxy's iframe parameters
// (?username=...&persistent_communication_rooms=...) only add one-click joins.
//
// Delivery: the first cursor is taken before any history is fetched, then
// the transport follows it; the cursor is kept in sessionStorage, so a
// reload continues where the page was; every event is shown once, keyed by
// its id.  Sends go through the outbox (also in sessionStorage).

import { Actions } from './js/actions.js';
import { Api, apiBase } from './js/api.js';
import { Attention } from './js/attention.js';
import { allowGravatar } from './js/avatar.js';
import { Cards } from './js/cards.js';
import { Composer } from './js/composer.js';
import { Conversations } from './js/conversation.js';
import { Editor } from './js/edit.js';
import { Embed } from './js/embed.js';
import { handleLive } from './js/events.js';
import { Links } from './js/links.js';
import { Messages } from './js/messages.js';
import { Notifier } from './js/notify.js';
import { Outbox } from './js/outbox.js';
import { Waker, backoff } from './js/retry.js';
import { Rooms } from './js/rooms.js';
import { Search } from './js/search.js';
import { Settings } from './js/settings.js';
import { Shell } from './js/shell.js';
import { State } from './js/state.js';
import { Transport } from './js/stream.js';
import { Tabs } from './js/tabs.js';
import { Threads } from './js/thread.js';
import { Unanswered } from './js/unanswered.js';
import { Topics } from './js/topics.js';
import { Who } from './js/who.js';

class Chat {
  constructor() {
    this.api = new Api(apiBase());
    this.state = new State(this.api.base);
    this.cards = new Cards(this.api);
    this.waker = new Waker(); // the start's retries of /v1/me
    this.shell = new Shell(this);
    this.attention = new Attention(this);
    this.notifier = new Notifier(this);
    this.settings = new Settings(this);
    this.tabs = new Tabs(this);
    this.msgs = new Messages(this);
    this.actions = new Actions(this);
    this.topics = new Topics(this);
    this.convs = new Conversations(this);
    this.thread = new Threads(this);
    this.unanswered = new Unanswered(this);
    this.editor = new Editor(this);
    this.rooms = new Rooms(this);
    this.who = new Who(this);
    this.search = new Search(this);
    this.composer = new Composer(this);
    this.links = new Links(this);
    this.embed = new Embed(this);
    this.transport = new Transport(this.api, {
      cursor: () => this.state.cursor,
      setCursor: (c) => this.state.setCursor(c),
      events: (evs) => { for (const ev of evs) handleLive(this, ev); },
      status: (s, text, err) => this.shell.setStatus(s, text, err),
      recovered: () => this.outbox.wake(),
      unauthorized: () => this.showGate('login'),
    });
    this.outbox = new Outbox(this.api, this.state, {
      canSend: () => this.state.online && !this.shell.gate,
      changed: (item, why) => this.convs.pendingState(item, why),
      confirmed: (item, r) => {
        if (this.state.mutedUntil) {
          // It went through: whatever mute there was has been lifted.
          this.state.mutedUntil = null;
          this.composer.render();
        }
        this.convs.confirmed(item, r);
      },
      muted: (until) => {
        this.state.mutedUntil = until;
        this.composer.render();
      },
      unauthorized: () => this.showGate('login'),
      // The server is back: no need for the transport to sit out its backoff.
      serverBack: () => { if (this.transport.state === 'reconnecting') this.transport.kick(); },
    });
  }

  async start() {
    const { state, shell, tabs } = this;
    shell.bind();
    this.embed.bind();
    this.search.bind();
    this.composer.bind();
    shell.renderOnline();
    let attempt = 0;
    for (;;) {
      try {
        shell.setStatus('connecting', 'Connecting…');
        state.setMe(await this.api.me());
        break;
      } catch (e) {
        if (e.status === 401) return this.showGate('login');
        if (!e.transient) return this.showGate('error', e.message);
        shell.setStatus('reconnecting', 'Cannot reach the chat server. Retrying…', e);
        await this.waker.sleep(Math.max(e.retryAfterMs ?? 0, backoff(attempt++)));
      }
    }
    allowGravatar(state.avatars === 'gravatar');
    this.cards.setSite(state.galaxyUrl);
    this.topics.start(state.rooms);
    shell.ready();
    this.settings.bind();

    if (state.restoreCursor() == null) {
      // Take the cursor before fetching any history, so nothing falls between.
      let cursor = null;
      if (state.online) {
        try {
          const r = await this.api.events(null);
          if (Number.isInteger(r.cursor)) cursor = r.cursor;
        } catch {
          /* fall back on /v1/me's cursor, taken earlier still */
        }
      }
      state.setCursor(cursor ?? state.meCursor);
    }

    const want = state.get('active', 'room:all');
    tabs.add('room', 'all');
    for (const r of state.rooms) if (r.joined && r.name !== 'all') tabs.add('room', r.name);
    for (const key of state.get('tabs', [])) {
      if (key.startsWith('dm:')) tabs.add('dm', key.slice(3));
    }
    tabs.add('join', 'Rooms');
    this.rooms.renderPanel();
    tabs.activate(tabs.has(want) ? want : 'room:all', { focus: false });
    shell.usable();

    for (const item of this.outbox.load()) this.convs.showPending(item);

    // What is unread, before the histories: each tab's figures wait for its first page.
    this.attention.load();

    await Promise.all([...tabs.values()].filter((t) => t.conv).map((t) => this.convs.loadOlder(t)));

    shell.setStatus(state.online ? 'connecting' : 'offline');
    if (state.online) this.goOnline();
    else shell.renderOnline();
    await this.links.start();
  }

  setOnline(on) {
    this.state.setOnline(on);
    this.shell.renderOnline();
    if (!this.state.me) return;
    if (on) this.goOnline();
    else {
      this.stop();
      this.shell.goodbye();
      this.shell.setStatus('offline');
    }
  }

  goOnline() {
    this.transport.start();
    this.outbox.pump();
    this.who.start();
    this.attention.flush();
  }

  /** Offline, or the gate is up: no polls, no sends, no who refreshes. */
  stop() {
    this.transport.stop();
    this.outbox.wake();
    this.who.stop();
  }

  /** The network may be back: retry the start, polls and sends now instead of after the backoff. */
  kick() {
    this.waker.wake();
    this.transport.kick();
    this.outbox.wake();
  }

  showGate(kind, message) {
    this.stop();
    this.shell.showGate(kind, message);
  }
}

const chat = new Chat();
window.galaxyChat = chat; // for debugging from the console, and for the browser tests
chat.start().catch((e) => {
  console.error(e);
  chat.showGate('error', e && e.message);
});
