// composer.js - the message box: Enter sends (Shift+Enter is a new line),
// it grows with its text, and says where a message goes, or why it cannot
// be sent (offline, muted).  A message typed goes to the outbox; a deep
// link's draft only ever goes into the box.  A pasted log is offered as a
// code block (paste.js).

import { PasteOffer } from './paste.js';

const $ = (id) => document.getElementById(id);

export class Composer {
  constructor(chat) {
    this.chat = chat;
    this.form = $('composer');
    this.input = $('input');
    this.paste = new PasteOffer(this.form, this.input);
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
    this.paste.bind();
  }

  focus() { this.input.focus(); }

  /** A link's draft: in the box, the cursor after it, for the user to send or not. */
  setDraft(text) {
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
    this.input.disabled = !state.online;
    this.form.querySelector('button').disabled = !state.online;
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
    if (!t || t.kind === 'join' || !chat.state.online || !text.trim()) return;
    this.input.value = '';
    this.autosize();
    this.paste.close();
    const item = chat.outbox.add(t.kind === 'dm' ? { to: t.name } : { room: t.name }, t.key, text);
    chat.convs.showPending(item);
    chat.convs.scrollToBottom(t);
    chat.outbox.pump();
  }
}
