// unanswered.js - a room's unanswered questions (doc/api.md, "Solved
// questions": GET /v1/rooms/{room}/open): the room toolbar's "Unanswered"
// button shows, over the message list, its messages of the last days that
// are not replies, not solved, and that nobody but their author answered,
// newest first.  Each can be answered, reacted to, marked solved, or shown
// in the conversation; one that is answered or solved meanwhile leaves the
// list.  Escape, or the button again, goes back to the conversation.

import { el } from './ui.js';

const DAYS = [7, 30, 90, 365];
const PAGE = 50;

export class Unanswered {
  constructor(chat) {
    this.chat = chat;
  }

  /** The toolbar button of a room's tab record `t`. */
  attach(t) {
    if (t.kind !== 'room') return;
    const button = el('button', { type: 'button', class: 'quiet open-toggle', 'aria-expanded': 'false', text: 'Unanswered', title: 'Questions of this room nobody has answered' });
    button.addEventListener('click', () => (t.open ? this.close(t) : this.open(t)));
    t.conv.toolbar.insertBefore(button, t.conv.whoBtn);
    t.conv.openBtn = button;
  }

  async open(t) {
    if (t.open) return;
    const days = el('select', { 'aria-label': 'How far back' }, ...DAYS.map((d) => el('option', { value: String(d), text: `last ${d} days` })));
    const close = el('button', { type: 'button', class: 'quiet', text: 'Back to the conversation' });
    const status = el('p', { class: 'open-status', role: 'status' });
    const list = el('ol', { class: 'messages open-list', 'aria-label': 'Unanswered questions in ' + t.name });
    const more = el('button', { type: 'button', class: 'older quiet', hidden: true, text: 'Older questions' });
    const view = el('section', { class: 'open-view', tabindex: '-1', 'aria-label': 'Unanswered questions in ' + t.name },
      el('div', { class: 'open-head' }, el('h3', { text: 'Unanswered' }), days, close), status, list, more);
    const v = t.open = { view, list, status, more, days, oldest: null, gen: 0 };
    days.addEventListener('change', () => this.load(t, v, true));
    close.addEventListener('click', () => this.close(t));
    more.addEventListener('click', () => this.load(t, v, false));
    view.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        e.stopPropagation();
        this.close(t);
      }
    });
    t.conv.scroller.parentElement.append(view);
    t.conv.openBtn.setAttribute('aria-expanded', 'true');
    t.conv.openBtn.classList.add('on');
    days.focus();
    await this.load(t, v, true);
  }

  /** The first page (afresh: `fresh`) or the next one. */
  async load(t, v, fresh) {
    const { chat } = this;
    const gen = ++v.gen;
    if (fresh) {
      v.list.replaceChildren();
      v.oldest = null;
    }
    const days = Number(v.days.value);
    v.more.disabled = true;
    v.status.textContent = 'Looking for unanswered questions…';
    try {
      const r = await chat.api.open(t.name, { days, before: v.oldest ?? undefined, limit: PAGE });
      if (t.open !== v || gen !== v.gen) return;
      for (const ev of (r && Array.isArray(r.events) ? r.events : [])) {
        if (!Number.isInteger(ev.id) || ev.deleted === true || v.list.querySelector(`li[data-id="${ev.id}"]`)) continue;
        v.list.append(this.item(t, ev));
        if (v.oldest == null || ev.id < v.oldest) v.oldest = ev.id;
      }
      v.more.hidden = !(r && r.more);
      this.count(t, v, days);
    } catch (e) {
      if (t.open !== v || gen !== v.gen) return;
      if (e.status === 401) return chat.showGate('login');
      v.status.textContent = `Could not look for unanswered questions: ${e.message}`;
    } finally {
      v.more.disabled = false;
    }
  }

  count(t, v, days = Number(v.days.value)) {
    const n = v.list.children.length;
    v.status.textContent = n === 0 ? `Every question of the last ${days} days in ${t.name} has an answer.`
      : `${n} question${n === 1 ? '' : 's'} of the last ${days} days without an answer${v.more.hidden ? '' : ' (more below)'}, newest first.`;
  }

  item(t, ev) {
    const li = this.chat.convs.line(t, ev, { full: true });
    li.querySelector('.msg-body').append(el('button', {
      type: 'button', class: 'link goto', text: 'Show in the conversation',
      onclick: () => {
        this.close(t, { focus: false });
        this.chat.convs.reveal(t, ev.id);
      },
    }));
    return li;
  }

  close(t, { focus = true } = {}) {
    const v = t.open;
    if (!v) return;
    t.open = null;
    v.view.remove();
    t.conv.openBtn.setAttribute('aria-expanded', 'false');
    t.conv.openBtn.classList.remove('on');
    if (focus) t.conv.openBtn.focus();
  }

  /** Question `id` is answered or solved: out of every open list. */
  answered(id) {
    for (const t of this.chat.tabs.values()) {
      const v = t.open;
      const li = v && v.list.querySelector(`li[data-id="${id}"]`);
      if (!li) continue;
      // The focus in it (its ✅ pressed) goes to the next question, else to the view.
      const had = li.contains(document.activeElement);
      const next = li.nextElementSibling || li.previousElementSibling;
      li.remove();
      this.count(t, v);
      if (had) (next || v.view).focus({ preventScroll: true });
    }
  }

  /** A message shown: a reply by someone but its question's author answers it. */
  arrived(m) {
    if (!Number.isInteger(m.thread)) return;
    const root = this.chat.msgs.get(m.thread);
    const same = (a, b) => a && b && (a.id != null && b.id != null ? a.id === b.id : a.username === b.username);
    if (root && !same(root.user, m.user)) this.answered(m.thread);
  }
}
