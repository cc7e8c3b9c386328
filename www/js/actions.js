// actions.js - what the buttons of a message do (render.js draws them):
// open a direct message with its author, reply, react, mark solved, edit,
// pin (topics.js), delete, open its thread, go to the message it replies to.  Each request
// goes through api.js; its answer is applied at once (the event that
// follows changes nothing more), a refusal is said in the flash line.

import { closePicker, openPicker } from './reactions.js';

export class Actions {
  constructor(chat) {
    this.chat = chat;
  }

  user(name) { this.chat.tabs.openDm(name); }

  remove(id) { return this.chat.convs.remove(id); }

  reply(m) { this.chat.composer.replyTo(m); }

  edit(m) { this.chat.editor.start(m); }

  /** Pins message `m` of the room whose line `li` is (admins). */
  pin(m, li) {
    const t = this.tabOf(li) || this.chat.tabs.current();
    if (t) this.chat.topics.setPin(t, m.id, true);
  }

  /** The tab a message's line is in (the thread panel's and the open view's lines too). */
  tabOf(li) { return li && li.ctx && li.ctx.t; }

  thread(m, li) {
    const t = this.tabOf(li) || this.chat.tabs.current();
    if (t && t.conv) this.chat.thread.open(t, m);
  }

  /** The quote of a reply: to the message replied to, in its tab's list (paged back to it). */
  async jump(id, li) {
    const t = this.tabOf(li);
    if (!t) return;
    this.chat.unanswered.close(t, { focus: false });
    if (!(await this.chat.convs.reveal(t, id))) this.chat.shell.flash('That message is not there any more (or too far back).');
  }

  picker(m, anchor) {
    const me = this.chat.state.me.username;
    openPicker(anchor, (emoji) => {
      const r = m.reactions.find((x) => x.emoji === emoji);
      this.react(m, emoji, !(r && r.users.includes(me)));
    });
  }

  async react(m, emoji, on) {
    closePicker(false);
    const { chat } = this;
    try {
      await chat.api.react(m.id, emoji, on);
      chat.msgs.reacted({ target: m.id, emoji, on, user: chat.state.me });
    } catch (e) {
      this.refused(e, on ? 'react' : 'take the reaction back');
    }
  }

  async solve(m, on) {
    const { chat } = this;
    try {
      const r = await chat.api.solve(m.id, on);
      chat.msgs.change(m.id, (x) => { x.solved = r && r.solved ? r.solved : null; });
      if (on) chat.unanswered.answered(m.id);
    } catch (e) {
      this.refused(e, on ? 'mark it solved' : 'mark it not solved');
    }
  }

  /** A refused request, said where the user looks (401: the login gate). */
  refused(e, what) {
    const { chat } = this;
    if (e.status === 401) return chat.showGate('login');
    if (e.status === 404) return chat.shell.flash(`Could not ${what}: that message is not there any more.`);
    if (e.status === 429) return chat.shell.flash(`Could not ${what}: too many at once${e.retryAfterMs ? `; try again in ${Math.ceil(e.retryAfterMs / 1000)} s` : ''}.`);
    return chat.shell.flash(`Could not ${what}: ${e.message}`);
  }
}
