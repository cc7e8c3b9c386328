// edit.js - editing one's own message (doc/api.md, "Edits"): its Edit
// button, or the Up key in an empty message box (as in Slack and Element:
// the newest message of mine in the tab), puts its text in the box under
// an "Editing" line; Enter saves it (PATCH /v1/messages/{id}), Escape or ×
// gives up and puts back what the box held.  The server says how long a
// message stays editable (edit_window); a refusal is said, the text stays.

export class Editor {
  constructor(chat) {
    this.chat = chat;
  }

  /** The Up key in an empty box: my newest message of the active tab, if there is one. */
  editLast() {
    const t = this.chat.tabs.current();
    if (!t || !t.conv) return false;
    const mine = [...t.conv.list.querySelectorAll('li.msg.mine[data-id]')].reverse();
    for (const li of mine) {
      const m = this.chat.msgs.get(Number(li.dataset.id));
      if (m && m.deleted !== true && typeof m.text === 'string') {
        this.start(m);
        return true;
      }
    }
    return false;
  }

  /** Message `m` of mine in the box, to be edited. */
  start(m) {
    const { composer } = this.chat;
    if (composer.setMode({ kind: 'edit', model: m, note: ['Editing your message ', this.hint()] })) composer.fill(m.text);
  }

  hint() {
    const s = document.createElement('span');
    s.className = 'note-hint';
    s.textContent = '(Enter saves, Escape cancels)';
    return s;
  }

  /** Enter while editing: the new text, when it is new. Resolves true when the edit is done with. */
  async save(m, text) {
    const { chat } = this;
    if (text === m.text) return true;
    if (!text.trim()) {
      chat.shell.flash('A message cannot be empty: Delete removes it.');
      return false;
    }
    try {
      const r = await chat.api.edit(m.id, text);
      chat.msgs.edited({ target: m.id, text, edited: r && r.edited });
      return true;
    } catch (e) {
      if (e.status === 401) chat.showGate('login');
      else chat.shell.flash(`Could not save the edit: ${e.message}`);
      return false;
    }
  }
}
