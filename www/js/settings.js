// settings.js - the small settings menu of the bar (⚙): browser
// notifications of mentions and direct messages, kept in this browser
// (notify.js), and whether `galaxy-chat notify` emails what I missed, kept
// by the server (GET and PUT /v1/me/settings).  The menu opens under its
// button, Escape or a click elsewhere closes it, and the focus goes back
// to the button.

import { el } from './ui.js';

const $ = (id) => document.getElementById(id);

export class Settings {
  constructor(chat) {
    this.chat = chat;
    this.button = $('settings-toggle');
    this.menu = $('settings');
    this.notifyBox = $('settings-notify');
    this.notifyNote = $('settings-notify-note');
    this.emailBox = $('settings-email');
    this.emailNote = $('settings-email-note');
  }

  get isOpen() { return !this.menu.hidden; }

  bind() {
    this.button.hidden = false;
    this.button.addEventListener('click', () => (this.isOpen ? this.close() : this.open()));
    this.menu.addEventListener('keydown', (e) => {
      if (e.key !== 'Escape') return;
      e.stopPropagation();
      this.close();
    });
    document.addEventListener('pointerdown', (e) => {
      if (this.isOpen && !this.menu.contains(e.target) && !this.button.contains(e.target)) this.close({ focus: false });
    });
    this.notifyBox.addEventListener('change', () => this.setNotify(this.notifyBox.checked));
    this.emailBox.addEventListener('change', () => this.setEmail(this.emailBox.checked));
  }

  open() {
    this.menu.hidden = false;
    this.button.setAttribute('aria-expanded', 'true');
    this.renderNotify();
    this.loadEmail();
    (this.notifyBox.disabled ? this.emailBox : this.notifyBox).focus();
  }

  close({ focus = true } = {}) {
    if (!this.isOpen) return;
    this.menu.hidden = true;
    this.button.setAttribute('aria-expanded', 'false');
    if (focus) this.button.focus();
  }

  renderNotify(note) {
    const n = this.chat.notifier;
    const p = n.permission;
    this.notifyBox.checked = n.enabled;
    this.notifyBox.disabled = p === 'unsupported' || p === 'denied';
    this.notifyNote.textContent = note || (p === 'unsupported' ? 'This browser cannot show notifications here.'
      : p === 'denied' ? 'The browser blocks notifications from this site: allow them in its site settings.'
        : 'While the chat is hidden; one per message, from one tab.');
  }

  async setNotify(on) {
    const got = await this.chat.notifier.enable(on);
    this.renderNotify(on && !got ? 'The browser did not allow notifications.' : null);
  }

  async loadEmail() {
    this.emailBox.disabled = true;
    this.emailNote.textContent = 'Loading…';
    try {
      this.showEmail(await this.chat.api.settings());
    } catch (e) {
      this.failed(e, 'Could not read the setting');
    }
  }

  showEmail(s) {
    this.emailBox.disabled = false;
    this.emailBox.checked = !s || s.email !== 'off';
    this.emailNote.textContent = 'Sent to your Galaxy account\'s address; never for what you have read.';
  }

  async setEmail(on) {
    this.emailNote.textContent = 'Saving…'; // the box keeps the focus meanwhile
    try {
      this.showEmail(await this.chat.api.putSettings({ email: on ? 'mentions' : 'off' }));
      this.emailNote.prepend(el('strong', { text: 'Saved. ' }));
    } catch (e) {
      this.emailBox.checked = !on;
      this.failed(e, 'Not saved');
    }
  }

  failed(e, what) {
    if (e.status === 401) return this.chat.showGate('login');
    this.emailNote.textContent = `${what}: ${e.message}`;
  }
}
