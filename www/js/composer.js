// composer.js - the message box: Enter sends (Shift+Enter is a new line),
// it grows with its text, and says where a message goes, or why it cannot
// be sent (offline, muted).  A message typed goes to the outbox; one with
// links to Galaxy objects the others may not open is held until the sender
// says "Send anyway" (cards.js finds them); a deep link's draft only ever
// goes into the box.  A pasted log is offered as a code block (paste.js).
// A line over the box says when a message is a reply (reply.js) or an edit
// (edit.js: the Up key in the empty box edits my newest message); Escape or
// × ends either.

import { buildWarning } from './cards.js';
import { PasteOffer } from './paste.js';
import { quoteOf, replyNote } from './reply.js';
import { el } from './ui.js';

const $ = (id) => document.getElementById(id);
const CHECKING_NOTE_MS = 400; // a check that takes longer says so

export class Composer {
  constructor(chat) {
    this.chat = chat;
    this.form = $('composer');
    this.input = $('input');
    this.held = null; // {key, box, timer}: a message waits for its links' check or the sender's word
    this.mode = null; // {kind: 'reply' | 'edit', key, model, box, draft}: what Enter does besides sending
    this.saving = false;
    this.paste = new PasteOffer(this.form, this.input);
  }

  bind() {
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.submit();
    });
    this.input.addEventListener('keydown', (e) => {
      const plain = !e.shiftKey && !e.isComposing && !e.altKey && !e.ctrlKey && !e.metaKey;
      if (e.key === 'Enter' && plain) {
        e.preventDefault();
        this.submit();
      } else if (e.key === 'ArrowUp' && plain && !this.input.value && !this.mode && !this.held) {
        if (this.chat.editor.editLast()) e.preventDefault();
      } else if (e.key === 'Escape' && this.mode) {
        e.preventDefault();
        e.stopPropagation();
        this.clearMode();
      }
    });
    this.input.addEventListener('input', () => this.autosize());
    this.paste.bind();
  }

  focus() { this.input.focus(); }

  /** A link's draft: in the box, the cursor after it, for the user to send or not. */
  setDraft(text) {
    this.release(); // a message held for its links gives way to the link's draft
    this.clearMode();
    this.fill(text);
  }

  render() {
    const { chat } = this;
    const { state } = chat;
    const t = chat.tabs.current();
    const isConv = t && t.kind !== 'join';
    this.form.hidden = !isConv || chat.search.isOpen;
    if (this.held && (!t || t.key !== this.held.key)) this.release(); // another tab: the message stays in the box
    if (this.mode && (!t || t.key !== this.mode.key || this.form.hidden)) this.clearMode();
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
    if (this.held || !t || t.kind === 'join' || !chat.state.online) return;
    if (this.mode && this.mode.kind === 'edit') {
      this.saveEdit();
      return;
    }
    if (!text.trim()) return;
    const m = this.mode && this.mode.kind === 'reply' ? this.mode.model : null;
    this.dispatch(t, text, m ? { replyTo: quoteOf(m), thread: m.thread ?? m.id } : {}, () => {
      this.input.value = '';
      this.autosize();
      this.paste.close();
      if (m) this.clearMode();
    });
  }

  /** A reply from the thread panel: sent as the box sends; done() once it is on its way. */
  sendReply(t, text, replyTo, thread, done) {
    if (this.held || !this.chat.state.online) return;
    this.dispatch(t, text, { replyTo, thread }, done);
  }

  /** `text` to tab `t`'s room or peer, after its links' check when it has Galaxy links; then done(). */
  dispatch(t, text, reply, done) {
    const target = t.kind === 'dm' ? { to: t.name } : { room: t.name };
    const go = () => {
      this.send(t, target, text, reply);
      done();
    };
    if (this.chat.cards.links(text).length) this.checkLinks(t, target, text, go);
    else go();
  }

  send(t, target, text, reply) {
    const { chat } = this;
    const item = chat.outbox.add(target, t.key, text, reply);
    chat.convs.showPending(item);
    chat.convs.scrollToBottom(t);
    chat.outbox.pump();
  }

  async saveEdit() {
    const { mode } = this;
    if (this.saving || !mode) return;
    this.saving = true;
    try {
      if (await this.chat.editor.save(mode.model, this.input.value) && this.mode === mode) this.clearMode();
    } finally {
      this.saving = false;
    }
  }

  /** Replying to message `m`: the line over the box, the box focused. */
  replyTo(m) {
    this.setMode({ kind: 'reply', model: m, note: replyNote(m) });
    this.focus();
  }

  /** A reply or an edit, with its line over the box (an edit keeps what the box held, to put it back). */
  setMode({ kind, model, note }) {
    const t = this.chat.tabs.current();
    if (!t || this.held) return false;
    this.clearMode();
    const cancel = el('button', { type: 'button', class: 'quiet small note-cancel', 'aria-label': kind === 'edit' ? 'Cancel the edit' : 'Cancel the reply', title: 'Cancel (Escape)', text: '×' });
    const box = el('div', { class: 'composer-note mode-note ' + kind, role: 'status' }, ...note, cancel);
    this.mode = { kind, key: t.key, model, box, draft: kind === 'edit' ? this.input.value : null };
    cancel.addEventListener('click', () => {
      this.clearMode();
      this.focus();
    });
    this.form.prepend(box);
    this.form.classList.toggle('editing', kind === 'edit');
    return true;
  }

  clearMode() {
    const { mode } = this;
    if (!mode) return;
    this.mode = null;
    mode.box.remove();
    this.form.classList.remove('editing');
    if (mode.kind === 'edit') this.fill(mode.draft);
  }

  /** The box holds `text`, the cursor at its end. */
  fill(text) {
    this.input.value = text;
    this.autosize();
    if (this.input.disabled || this.form.hidden) return;
    this.input.focus();
    this.input.setSelectionRange(text.length, text.length);
  }

  /**
   * Links to Galaxy objects that the others may not open: the sender is
   * told before the message goes, and may send it anyway.  In a direct
   * message too, although the other user may be one it is shared with
   * (the server answers for "a logged-in user who is not the owner").
   */
  async checkLinks(t, target, text, go) {
    const held = this.hold(t);
    held.timer = setTimeout(() => this.show(el('div', { class: 'send-warning checking', role: 'status', text: 'Checking who can open the Galaxy links…' })), CHECKING_NOTE_MS);
    const unseen = await this.chat.cards.unseen(text);
    if (this.held !== held) return; // given up meanwhile (another tab)
    if (!unseen.length) {
      this.release();
      go();
      return;
    }
    this.show(buildWarning(unseen, {
      me: this.chat.state.me.username,
      peer: target.to,
      onSend: () => {
        this.release();
        go();
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
