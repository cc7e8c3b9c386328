// composer.js - the message box: Enter sends (Shift+Enter is a new line),
// it grows with its text, and says where a message goes, or why it cannot
// be sent (offline, muted).  A message typed goes to the outbox; one with
// links to Galaxy objects the others may not open is held until the sender
// says "Send anyway" (cards.js finds them); a deep link's draft only ever
// goes into the box.

import { buildWarning } from './cards.js';
import { el } from './ui.js';

const $ = (id) => document.getElementById(id);
const CHECKING_NOTE_MS = 400; // a check that takes longer says so

export class Composer {
  constructor(chat) {
    this.chat = chat;
    this.form = $('composer');
    this.input = $('input');
    this.held = null; // {key, box, timer}: a message waits for its links' check or the sender's word
  }

  bind() {
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.submit();
    });
    this.input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && !e.altKey && !e.ctrlKey && !e.metaKey) {
        e.preventDefault();
        this.submit();
      }
    });
    this.input.addEventListener('input', () => this.autosize());
  }

  focus() { this.input.focus(); }

  /** A link's draft: in the box, the cursor after it, for the user to send or not. */
  setDraft(text) {
    this.release(); // a message held for its links gives way to the link's draft
    this.input.value = text;
    this.autosize();
    if (this.input.disabled || this.form.hidden) return;
    this.input.focus();
    this.input.setSelectionRange(text.length, text.length);
  }

  render() {
    const { chat } = this;
    const { state } = chat;
    const t = chat.tabs.current();
    const isConv = t && t.kind !== 'join';
    this.form.hidden = !isConv || chat.search.isOpen;
    if (this.held && (!t || t.key !== this.held.key)) this.release(); // another tab: the message stays in the box
    this.input.disabled = !state.online;
    this.input.readOnly = !!this.held;
    this.form.querySelector('button.send').disabled = !state.online || !!this.held;
    if (!t) return;
    const muted = state.mutedUntil && Date.parse(state.mutedUntil) > Date.now();
    this.input.placeholder = !state.online
      ? 'You are offline. Go online to send messages.'
      : muted ? `An admin muted you until ${new Date(state.mutedUntil).toLocaleString()}.`
        : t.kind === 'dm' ? `Message @${t.name}` : `Message ${t.name}`;
    $('input-label').textContent = t.kind === 'dm' ? `Message to ${t.name}` : `Message to room ${t.name}`;
  }

  autosize() {
    const i = this.input;
    i.style.height = 'auto';
    i.style.height = Math.min(i.scrollHeight, 120) + 'px';
  }

  submit() {
    const { chat } = this;
    const t = chat.tabs.current();
    const text = this.input.value;
    if (this.held || !t || t.kind === 'join' || !chat.state.online || !text.trim()) return;
    const target = t.kind === 'dm' ? { to: t.name } : { room: t.name };
    if (chat.cards.links(text).length) this.checkLinks(t, target, text);
    else this.send(t, target, text);
  }

  send(t, target, text) {
    const { chat } = this;
    this.input.value = '';
    this.autosize();
    const item = chat.outbox.add(target, t.key, text);
    chat.convs.showPending(item);
    chat.convs.scrollToBottom(t);
    chat.outbox.pump();
  }

  /**
   * Links to Galaxy objects that the others may not open: the sender is
   * told before the message goes, and may send it anyway.  In a direct
   * message too, although the other user may be one it is shared with
   * (the server answers for "a logged-in user who is not the owner").
   */
  async checkLinks(t, target, text) {
    const held = this.hold(t);
    held.timer = setTimeout(() => this.show(el('div', { class: 'send-warning checking', role: 'status', text: 'Checking who can open the Galaxy links…' })), CHECKING_NOTE_MS);
    const unseen = await this.chat.cards.unseen(text);
    if (this.held !== held) return; // given up meanwhile (another tab)
    if (!unseen.length) {
      this.release();
      this.send(t, target, text);
      return;
    }
    this.show(buildWarning(unseen, {
      me: this.chat.state.me.username,
      peer: target.to,
      onSend: () => {
        this.release();
        this.send(t, target, text);
        this.focus();
      },
      onCancel: () => {
        this.release();
        this.focus();
      },
    }));
    held.box.focus();
  }

  hold(t) {
    this.held = { key: t.key, box: null, timer: null };
    this.render();
    return this.held;
  }

  /** The note or warning over the message box, in place of the one there was. */
  show(box) {
    const { held } = this;
    clearTimeout(held.timer);
    if (held.box) held.box.remove();
    held.box = box;
    this.form.prepend(box);
  }

  release() {
    const { held } = this;
    if (!held) return;
    this.held = null;
    clearTimeout(held.timer);
    if (held.box) held.box.remove();
    this.render();
  }
}
