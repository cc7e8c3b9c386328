// thread.js - threads (doc/api.md, "Replies and threads"): under a message
// with replies, "N replies", which opens the thread panel beside the
// message list (over it on narrow screens): the root, its replies oldest
// first as GET /v1/messages/{id}/thread pages them, the replies that arrive
// meanwhile, and a box to reply in the thread.  One thread per tab at a
// time; Escape or × closes it.

import { quoteOf } from './reply.js';
import { el } from './ui.js';

const PAGE = 50;

/** "N replies" under a thread's root: opens the thread. */
export function buildThreadSummary(m, onOpen) {
  const n = m.replies;
  const words = `${n} ${n === 1 ? 'reply' : 'replies'}`;
  return el('button', { type: 'button', class: 'thread-summary', 'data-key': 'thread', onclick: onOpen, 'aria-label': `${words}: open the thread` },
    el('span', { 'aria-hidden': 'true', text: '💬 ' }), words);
}

/** Insert `li` in `list` by its data-id, once. */
function insertById(list, li) {
  const id = Number(li.dataset.id);
  let after = list.lastElementChild;
  while (after && Number(after.dataset.id) > id) after = after.previousElementSibling;
  list.insertBefore(li, after ? after.nextElementSibling : list.firstElementChild);
}

export class Threads {
  constructor(chat) {
    this.chat = chat;
  }

  /** The thread of message `m` (its root or a reply) in tab `t`. */
  async open(t, m) {
    const root = Number.isInteger(m.thread) ? m.thread : m.id;
    if (t.thread && t.thread.root === root) {
      t.thread.input.focus();
      return;
    }
    this.close(t, { focus: false });
    const p = this.build(t, root);
    await this.load(t, p);
    if (t.thread === p) p.input.focus();
  }

  build(t, root) {
    const close = el('button', { type: 'button', class: 'quiet thread-close', 'aria-label': 'Close the thread', title: 'Close the thread (Escape)', text: '×' });
    const status = el('p', { class: 'thread-status', role: 'status' });
    const rootList = el('ol', { class: 'messages thread-root' });
    const list = el('ol', { class: 'messages thread-replies', 'aria-label': 'Replies' });
    const more = el('button', { type: 'button', class: 'older quiet', hidden: true, text: 'More replies' });
    const input = el('textarea', { rows: 2, class: 'thread-input', 'aria-label': 'Reply in the thread', placeholder: 'Reply in the thread…' });
    const form = el('form', { class: 'thread-form' }, input, el('button', { type: 'submit', class: 'primary small', text: 'Reply' }));
    const aside = el('aside', { class: 'thread-panel', 'aria-label': 'Thread' },
      el('div', { class: 'thread-head' }, el('h3', { text: 'Thread' }), close),
      el('div', { class: 'thread-scroll' }, rootList, status, list, more), form);
    const p = { root, after: 0, more: false, aside, rootList, list, status, input, form, moreBtn: more };
    close.addEventListener('click', () => this.close(t));
    more.addEventListener('click', () => this.load(t, p));
    aside.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        e.stopPropagation();
        this.close(t);
      }
    });
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.reply(t, p);
    });
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && !e.altKey && !e.ctrlKey && !e.metaKey) {
        e.preventDefault();
        this.reply(t, p);
      }
    });
    t.thread = p;
    t.conv.body.insertBefore(aside, t.conv.who);
    t.panel.classList.add('thread-open');
    return p;
  }

  /** The next page of the thread (the first: with its root). */
  async load(t, p) {
    const { chat } = this;
    p.moreBtn.disabled = true;
    p.status.textContent = 'Loading the thread…';
    try {
      const r = await chat.api.thread(p.root, { after: p.after || undefined, limit: PAGE });
      if (t.thread !== p) return;
      p.status.textContent = '';
      if (r && r.root && !p.rootList.firstChild) {
        if (r.root.deleted === true) p.rootList.append(el('li', { class: 'notice', text: 'The first message of this thread was removed.' }));
        else this.put(t, p, p.rootList, r.root);
      }
      for (const ev of (r && Array.isArray(r.events) ? r.events : [])) {
        if (!Number.isInteger(ev.id)) continue;
        if (ev.deleted !== true) this.put(t, p, p.list, ev);
        p.after = Math.max(p.after, ev.id);
      }
      p.more = !!(r && r.more);
      if (!p.list.children.length) p.status.textContent = 'No replies yet.';
    } catch (e) {
      if (t.thread !== p) return;
      if (e.status === 401) return chat.showGate('login');
      p.status.textContent = e.status === 404 ? 'This thread is not there any more.' : `Could not load the thread: ${e.message}`;
    } finally {
      p.moreBtn.disabled = false;
      p.moreBtn.hidden = !p.more;
    }
  }

  /** Message `ev` in the thread's list, once: a read of the thread (full), or one shown meanwhile. */
  put(t, p, list, ev, full = true) {
    if (list.querySelector(`li[data-id="${ev.id}"]`)) return;
    const li = this.chat.convs.line(t, ev, { full });
    if (li) insertById(list, li);
  }

  /** A message shown in tab `t`: into its open thread too, when it is one of its replies. */
  arrived(t, m) {
    const p = t.thread;
    if (!p || m.thread !== p.root || !p.rootList.firstChild) return;
    this.put(t, p, p.list, m, false);
    if (p.status.textContent === 'No replies yet.') p.status.textContent = '';
  }

  /** The thread's box: a reply to its root, sent like any message. */
  reply(t, p) {
    const text = p.input.value;
    const root = this.chat.msgs.get(p.root);
    if (!text.trim() || !root) return;
    this.chat.composer.sendReply(t, text, quoteOf(root), p.root, () => { p.input.value = ''; });
  }

  close(t, { focus = true } = {}) {
    const p = t.thread;
    if (!p) return;
    t.thread = null;
    p.aside.remove();
    t.panel.classList.remove('thread-open');
    if (focus) this.chat.composer.focus();
  }
}
