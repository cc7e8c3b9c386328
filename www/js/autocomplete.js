// autocomplete.js - @-completion in the message box: typing "@" and the
// start of a name lists the people of the conversation (mention.js ranks
// them): those online in the room (GET /v1/rooms/{room}/who, as the who
// list has it), the authors of the messages the tab shows, and in a direct
// conversation its peer; never me.  ArrowDown/ArrowUp choose, Enter or Tab
// takes the choice, Escape closes the list; a click takes one too.  The
// box is a combobox (aria-autocomplete="list") whose active option is its
// aria-activedescendant, so screen readers follow the keys.

import { complete, mentionQuery, rankNames, sameName } from './mention.js';
import { el } from './ui.js';

let uid = 0;

export class MentionComplete {
  constructor(chat, form, input) {
    this.chat = chat;
    this.form = form;
    this.input = input;
    this.list = el('ul', { class: 'mention-list', role: 'listbox', id: 'mention-list', 'aria-label': 'People to mention', hidden: true });
    this.q = null; // {start, query} being completed
    this.names = [];
    this.index = 0;
    this.asked = new Set(); // rooms whose who list was asked for here
  }

  bind() {
    this.form.append(this.list);
    this.input.setAttribute('role', 'combobox');
    this.input.setAttribute('aria-autocomplete', 'list');
    this.input.setAttribute('aria-controls', this.list.id);
    this.input.setAttribute('aria-expanded', 'false');
    this.input.addEventListener('input', () => this.update());
    this.input.addEventListener('click', () => this.update());
    this.input.addEventListener('blur', () => this.close());
    // Before a click blurs the box.
    this.list.addEventListener('mousedown', (e) => e.preventDefault());
  }

  get isOpen() { return !this.list.hidden; }

  /** The composer's keydown, first: true when the key was the list's. */
  keydown(e) {
    if (!this.isOpen) return false;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      const n = this.names.length;
      this.index = (this.index + (e.key === 'ArrowDown' ? 1 : n - 1)) % n;
      this.render();
    } else if ((e.key === 'Enter' || e.key === 'Tab') && !e.shiftKey && !e.isComposing) {
      this.take(this.names[this.index]);
    } else if (e.key === 'Escape') {
      this.close();
      e.stopPropagation();
    } else {
      return false;
    }
    e.preventDefault();
    return true;
  }

  /** The people of tab `t` to offer. */
  people(t) {
    const { chat } = this;
    const names = [];
    if (t.kind === 'dm') names.push(t.name);
    if (Array.isArray(t.whoNames)) names.push(...t.whoNames);
    for (const id of t.nodes.keys()) {
      const m = chat.msgs.get(id);
      if (m && m.user && typeof m.user.username === 'string') names.push(m.user.username);
    }
    const me = chat.state.me.username;
    return names.filter((n) => !sameName(n, me));
  }

  update() {
    const t = this.chat.tabs.current();
    const i = this.input;
    const q = t && t.conv && i.selectionStart === i.selectionEnd ? mentionQuery(i.value, i.selectionStart) : null;
    if (!q) return this.close();
    if (t.kind === 'room' && !t.whoNames && !this.asked.has(t.key)) this.askWho(t);
    const names = rankNames(this.people(t), q.query);
    if (!names.length) return this.close();
    const was = this.isOpen && this.names[this.index];
    this.q = q;
    this.names = names;
    this.index = Math.max(0, names.indexOf(was));
    this.render();
  }

  /** Who is in the room, once, when the who list has not been read yet. */
  async askWho(t) {
    this.asked.add(t.key);
    await this.chat.who.refresh();
    if (this.chat.tabs.current() === t && document.activeElement === this.input) this.update();
  }

  render() {
    this.list.replaceChildren(...this.names.map((n, k) => {
      const li = el('li', { role: 'option', id: `mention-opt-${++uid}`, class: 'mention-option', 'aria-selected': String(k === this.index), text: '@' + n });
      li.addEventListener('click', () => this.take(n));
      return li;
    }));
    this.list.hidden = false;
    this.input.setAttribute('aria-expanded', 'true');
    const active = this.list.children[this.index];
    this.input.setAttribute('aria-activedescendant', active.id);
    // Only the list scrolls (scrollIntoView could scroll Galaxy's page around the panel).
    const l = this.list;
    if (active.offsetTop < l.scrollTop) l.scrollTop = active.offsetTop;
    else if (active.offsetTop + active.offsetHeight > l.scrollTop + l.clientHeight) l.scrollTop = active.offsetTop + active.offsetHeight - l.clientHeight;
  }

  take(name) {
    const i = this.input;
    const r = complete(i.value, i.selectionStart, this.q, name);
    i.value = r.value;
    i.setSelectionRange(r.caret, r.caret);
    this.close();
    i.dispatchEvent(new Event('input')); // the box grows
  }

  close() {
    if (!this.isOpen) return;
    this.list.hidden = true;
    this.list.replaceChildren();
    this.input.setAttribute('aria-expanded', 'false');
    this.input.removeAttribute('aria-activedescendant');
    this.q = null;
  }
}
