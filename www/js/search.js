// search.js - the search view: it takes the place of the conversation until
// Escape or Close; newest results first, "More results" pages on, a result
// opens its room or direct-message tab.

import * as ui from './ui.js';

const $ = (id) => document.getElementById(id);

export class Search {
  constructor(chat) {
    this.chat = chat;
    this.isOpen = false;
    this.room = null; // the room "Only in this room" means
    this.last = null; // {q, room, oldest, more} of the last search
    this.gen = 0; // answers of an older search (or a closed view) are dropped
  }

  bind() {
    $('search-toggle').addEventListener('click', () => (this.isOpen ? this.close() : this.open()));
    $('search-close').addEventListener('click', () => this.close());
    $('search-form').addEventListener('submit', (e) => {
      e.preventDefault();
      this.run(false);
    });
    $('search-more').addEventListener('click', () => this.run(true));
  }

  open() {
    const { chat } = this;
    if (!chat.state.me) return;
    this.isOpen = true;
    const t = chat.tabs.current();
    this.room = t && t.kind === 'room' ? t.name : null;
    $('search-scope').hidden = !this.room;
    $('search-here-label').textContent = this.room ? 'Only in ' + this.room : '';
    if (!this.room) $('search-here').checked = false;
    $('search').hidden = false;
    chat.tabs.panels.hidden = true;
    chat.composer.form.hidden = true;
    $('search-toggle').setAttribute('aria-expanded', 'true');
    $('search-q').focus();
    $('search-q').select();
  }

  close({ focus = true } = {}) {
    if (!this.isOpen) return;
    const { chat } = this;
    this.isOpen = false;
    this.gen++;
    $('search').hidden = true;
    chat.tabs.panels.hidden = false;
    $('search-toggle').setAttribute('aria-expanded', 'false');
    chat.composer.render();
    const t = chat.tabs.current();
    if (t && t.conv && t.stick) chat.convs.scrollToBottom(t);
    if (focus) $('search-toggle').focus();
  }

  /** A new search (more=false) or the next page of the last one. */
  async run(more) {
    const status = $('search-status');
    const list = $('search-results');
    const moreBtn = $('search-more');
    if (!more) {
      const q = $('search-q').value.trim();
      if (!q) {
        status.textContent = 'Type one or more words to search for.';
        return;
      }
      this.last = { q, room: $('search-here').checked ? this.room : null, oldest: null };
      list.replaceChildren();
    }
    const s = this.last;
    if (!s) return;
    const gen = ++this.gen;
    moreBtn.disabled = true;
    status.textContent = 'Searching…';
    try {
      const r = await this.chat.api.search(s.q, { room: s.room, before: s.oldest ?? undefined });
      if (gen !== this.gen) return;
      const evs = (r && Array.isArray(r.events) ? r.events : []).filter((ev) => ev && Number.isInteger(ev.id));
      evs.sort((a, b) => b.id - a.id);
      for (const ev of evs) {
        if (s.oldest == null || ev.id < s.oldest) s.oldest = ev.id;
        list.append(this.hit(ev));
      }
      s.more = !!(r && r.more) && evs.length > 0;
      moreBtn.hidden = !s.more;
      status.textContent = this.summary(list.children.length, s, r && r.partial === true);
    } catch (e) {
      if (gen !== this.gen) return;
      if (e.status === 401) return this.chat.showGate('login');
      status.textContent = `Search failed: ${e.message}`;
    } finally {
      if (gen === this.gen) moreBtn.disabled = false;
    }
  }

  /**
   * What the search found.  A partial answer (the server stopped it at
   * search_timeout_ms) is no "No results": it says so, and how to narrow it.
   */
  summary(n, s, partial) {
    const where = s.room ? ' in ' + s.room : '';
    const found = `${n} result${n === 1 ? '' : 's'} for “${s.q}”${where}, newest first`;
    if (partial && n === 0) {
      return `The search for “${s.q}”${where} was too broad to finish in time and stopped before finding anything. ` +
        `Try longer or more words${s.room ? '' : ', or only one room'}.`;
    }
    if (partial) return `${found}; the search stopped early${s.more ? ': More results looks further back' : ''}.`;
    if (n === 0) return `No results for “${s.q}”${where}.`;
    return `${found}${s.more ? '; more below' : ''}.`;
  }

  hit(ev) {
    const { tabs, state } = this.chat;
    let where;
    let key = null;
    if (ev.type === 'direct') {
      const peer = state.dmPeer(ev) || '?';
      where = '@' + peer;
      key = 'dm:' + peer;
    } else {
      where = '#' + (ev.room || '?');
      if (tabs.has('room:' + ev.room)) key = 'room:' + ev.room;
    }
    const open = key ? () => {
      this.close({ focus: false });
      if (key.startsWith('dm:')) tabs.openDm(key.slice(3));
      else tabs.activate(key);
    } : null;
    return ui.buildSearchHit(ev, where, open);
  }
}
