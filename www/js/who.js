// who.js - who is online in the active room: the sidebar of wide screens and
// the drop-down of narrow ones, and the admins' inline mute form under a name.
//
// The list is the server's answer, whole: each refresh replaces it (only an
// open mute form stays where it is), so someone the server no longer counts
// as online is gone at the next refresh.  It refreshes every `every` ms
// while the page is seen, and at once when the page is looked at again, a
// tab is opened, or someone joins or leaves.  The server drops a user who
// switched offline or closed the page at once (doc/api.md, Presence), so
// others see them go within one refresh.

import * as ui from './ui.js';

const WHO_EVERY = 15000;

export class Who {
  constructor(chat) {
    this.chat = chat;
    this.timer = null;
    this.muteForm = null;
    this.every = WHO_EVERY; // ms between refreshes, from the next start()
    this.asked = 0; // refreshes asked for: only the latest one's answer is shown
  }

  start() {
    this.refresh();
    clearInterval(this.timer);
    this.timer = setInterval(() => this.refresh(), this.every);
  }

  stop() {
    clearInterval(this.timer);
    this.timer = null;
  }

  /** The room toolbar's "N online" button. */
  toggle(t) {
    const open = getComputedStyle(t.conv.who).display === 'none';
    t.panel.classList.toggle('who-open', open);
    t.panel.classList.toggle('who-closed', !open);
    this.sync(t);
  }

  /** The who list is a sidebar on wide screens and a drop-down on narrow ones. */
  sync(t) {
    if (t.conv && t.conv.whoBtn) t.conv.whoBtn.setAttribute('aria-expanded', String(getComputedStyle(t.conv.who).display !== 'none'));
  }

  /** Escape closes the who drop-down of narrow screens; true if there was one open. */
  closePopup() {
    const t = this.chat.tabs.current();
    if (!t || !t.conv || !t.conv.whoBtn || !window.matchMedia('(max-width: 719px)').matches) return false;
    if (!t.panel.classList.contains('who-open')) return false;
    t.panel.classList.remove('who-open');
    this.sync(t);
    t.conv.whoBtn.focus();
    return true;
  }

  async refresh() {
    const { chat } = this;
    const t = chat.tabs.current();
    if (!t || t.kind !== 'room' || !chat.state.online || document.hidden || chat.shell.gate) return;
    const asked = ++this.asked;
    try {
      const r = await chat.api.who(t.name);
      if (asked !== this.asked) return; // a later refresh was asked for: its answer is newer
      const raw = Array.isArray(r) ? r : (r && (r.users || r.who || r.online || r.members)) || [];
      const users = raw.map((u) => (typeof u === 'string' ? { username: u } : u)).filter((u) => u && u.username);
      users.sort((a, b) => a.username.localeCompare(b.username));
      t.whoNames = users.map((u) => u.username); // for the @-completion
      t.conv.whoCount.textContent = `${users.length} online`;
      const list = t.conv.who.querySelector('.who-list');
      // An admin's open mute form stays, in its item, untouched (the focus
      // is in it), while the list is replaced around it.
      const kept = this.muteForm && list.contains(this.muteForm.form) ? this.muteForm : null;
      const items = users.map((u) => (kept && u.username === kept.name ? kept.li
        : ui.whoItem(u, chat.state.isMe(u), (n) => chat.tabs.openDm(n),
          chat.state.admin ? (li, n) => this.openMute(li, n) : null)));
      if (!kept) list.replaceChildren(...items);
      else {
        for (const c of [...list.children]) if (c !== kept.li) c.remove();
        const at = items.indexOf(kept.li); // -1: that user went; the form stays, last
        kept.li.before(...items.slice(0, at < 0 ? items.length : at));
        if (at >= 0) kept.li.after(...items.slice(at + 1));
      }
    } catch (e) {
      if (e.status === 401) chat.showGate('login');
    }
  }

  /** Admins: the inline mute form under a name in the who list, one at a time. */
  openMute(li, name) {
    const { chat } = this;
    if (!chat.state.admin) return;
    if (this.muteForm) this.muteForm.form.remove();
    const close = () => {
      f.form.remove();
      if (this.muteForm === f) this.muteForm = null;
      const b = li.querySelector('.mute');
      if (b && b.isConnected) b.focus();
    };
    const f = ui.buildMuteForm(name, {
      onMute: async (minutes, result) => {
        if (!Number.isInteger(minutes) || minutes < 1 || minutes > 527040) {
          result.textContent = 'Minutes: a whole number from 1 to 527040.';
          return;
        }
        try {
          const r = await chat.api.mute(name, minutes);
          const until = r && r.muted_until ? new Date(r.muted_until).toLocaleString([], { dateStyle: 'short', timeStyle: 'short' }) : '?';
          result.textContent = `${name} is muted until ${until}.`;
        } catch (e) {
          if (e.status === 401) return chat.showGate('login');
          result.textContent = `Could not mute ${name}: ${e.message}`;
        }
      },
      onUnmute: async (result) => {
        try {
          await chat.api.unmute(name);
          result.textContent = `${name} may post again.`;
        } catch (e) {
          if (e.status === 401) return chat.showGate('login');
          result.textContent = `Could not unmute ${name}: ${e.message}`;
        }
      },
      onCancel: close,
    });
    this.muteForm = Object.assign(f, { li, name });
    li.append(f.form);
    f.minutes.focus();
    f.minutes.select();
  }
}
