// events.js - what an event does when it arrives: a table from event type to
// its handlers, so each type (and each new one: read, topic, pin) has one
// small home.  How an event looks is render.js's; where it goes and what it
// changes is here.  edit, reaction and solved change a message already
// shown (messages.js); one not shown is left to the read that shows it,
// which has its current state (doc/api.md).
//
//   live(chat, ev)        an event from the transport, handled once
//   history(chat, t, ev)  the event in a history page of tab t; without
//                         one, the event is shown in that tab

function room(chat, ev) {
  const t = chat.tabs.get('room:' + ev.room) || chat.rooms.addTab(ev.room);
  if (chat.convs.show(t, ev)) notify(chat, t, ev);
}

function direct(chat, ev) {
  const peer = chat.state.dmPeer(ev);
  if (!peer) return;
  const t = chat.tabs.get('dm:' + peer) || chat.tabs.add('dm', peer);
  if (chat.convs.show(t, ev)) notify(chat, t, ev);
}

function membership(chat, ev) {
  if (chat.state.isMe(ev.user)) {
    // Mine, perhaps from another tab of this browser: follow it.
    if (ev.type === 'join' && !chat.tabs.has('room:' + ev.room)) chat.rooms.addTab(ev.room);
    if (ev.type === 'leave' && ev.room !== 'all') {
      chat.tabs.remove('room:' + ev.room);
      return;
    }
  }
  const t = chat.tabs.get('room:' + ev.room);
  if (t) {
    chat.convs.show(t, ev);
    if (t.key === chat.tabs.active) chat.who.refresh();
  }
}

/** A topic or a pin: the top of the room changes, and a quiet line says so. */
function roomChange(chat, ev) {
  chat.topics.changed(ev);
  const t = chat.tabs.get('room:' + ev.room);
  if (t) chat.convs.show(t, ev);
}

const removal = (chat, ev) => {
  chat.convs.hide(ev.target);
  chat.topics.removed(ev.target);
};
const edit = (chat, ev) => chat.msgs.edited(ev);
const reaction = (chat, ev) => chat.msgs.reacted(ev);
const solved = (chat, ev) => {
  chat.msgs.solved(ev);
  if (ev.on === true) chat.unanswered.answered(ev.target);
};

// A type not here (a newer server's) is ignored.
const HANDLERS = new Map([
  ['message', { live: room }],
  ['direct', { live: direct }],
  ['join', { live: membership }],
  ['leave', { live: membership }],
  ['delete', { live: removal, history: removal }],
  ['edit', { live: edit, history: edit }],
  ['reaction', { live: reaction, history: reaction }],
  ['solved', { live: solved, history: solved }],
  ['topic', { live: roomChange }],
  ['pin', { live: roomChange }],
]);

/** An event from the transport: its side effects once, then it is shown. */
export function handleLive(chat, ev) {
  if (!ev || !Number.isInteger(ev.id) || chat.state.seen.has(ev.id)) return;
  chat.state.seen.add(ev.id);
  const h = HANDLERS.get(ev.type);
  if (h) h.live(chat, ev);
}

/** An event of a history page (room or direct messages), for tab t: a read that says all of each message. */
export function handleHistory(chat, t, ev) {
  const h = HANDLERS.get(ev.type);
  if (h && h.history) h.history(chat, t, ev);
  else chat.convs.show(t, ev, { full: true });
}

/** A live message from someone else: unread badge, page title, screen reader. */
function notify(chat, t, ev) {
  if (chat.state.isMe(ev.user)) return;
  if (t.key !== chat.tabs.active) chat.tabs.setUnread(t, t.unread + 1);
  if (document.hidden || !document.hasFocus()) chat.shell.countUnseen();
  const where = ev.type === 'direct' ? 'direct message' : 'in ' + ev.room;
  const text = [...String(ev.text || '')];
  chat.shell.announce(`${ev.user && ev.user.username} ${where}: ${text.length > 200 ? text.slice(0, 200).join('') + '…' : text.join('')}`);
}
