// embed.js - the chat inside Galaxy's chat panel (the masthead webhook,
// etc/galaxy/webhooks/galaxy-chat/).  The panel names its iframe
// PANEL_NAME; there the bar offers "open in its own tab" and a close
// button, and Escape, when nothing in the chat wanted it, closes the panel.
// The panel is told through postMessage, to the chat's own origin only
// (the panel is Galaxy's page, on the chat's origin: the cookie needs it),
// and it accepts these messages from its own iframe only.

import { linkHash } from './text.js';

export const PANEL_NAME = 'galaxy-chat-panel';

const $ = (id) => document.getElementById(id);

export class Embed {
  constructor(chat) {
    this.chat = chat;
    this.inPanel = window.name === PANEL_NAME && window.parent !== window;
  }

  bind() {
    if (!this.inPanel) return;
    document.documentElement.classList.add('in-panel');
    const pop = $('popout');
    pop.hidden = false;
    // The new tab opens where I am; the panel closes (one chat is enough).
    pop.addEventListener('click', () => {
      pop.href = './' + this.here();
      this.tell('close');
    });
    const close = $('panel-close');
    close.hidden = false;
    close.addEventListener('click', () => this.tell('close'));
  }

  /** The fragment that opens the active tab (links.js). */
  here() {
    const t = this.chat.tabs.current();
    if (!t || t.kind === 'join') return '';
    return linkHash(t.kind === 'dm' ? { dm: t.name } : { room: t.name });
  }

  /** Escape that nothing in the chat took: the panel closes, unless that would lose typed text. */
  escape(e) {
    if (!this.inPanel) return;
    const el = e.target;
    const field = el && (el.tagName === 'TEXTAREA' || (el.tagName === 'INPUT' && /^(text|search)$/.test(el.type)));
    if (field && el.value.trim()) return;
    this.tell('close');
  }

  tell(what) {
    window.parent.postMessage({ type: 'galaxy-chat:' + what }, location.origin);
  }
}
