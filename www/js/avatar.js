// avatar.js - a picture for every user that needs no network.
//
// The avatar is made here: the user's initials on a colour derived from the
// username.  Asking gravatar would tell a third party who reads the chat
// (an MD5 of each user's e-mail, the reader's address), so it is the site's
// choice, opt-in: with `avatars = gravatar` in [chat] (told by GET /v1/me,
// passed to allowGravatar) the gravatar image is tried behind the initials
// and shown only once it has loaded (d=404: users without one keep their
// initials); a failed load leaves the local avatar in place.  Until then,
// and by default, the page asks no host but its own.

const gravatarState = new Map(); // hash -> 'loading' | 'ok' | 'failed'
const waiting = new Map(); // hash -> [img elements to fill when it loads]

function hashString(s) {
  let h = 2166136261; // FNV-1a
  for (const c of s) {
    h ^= c.codePointAt(0);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

export function colourFor(username) {
  const h = hashString(username || '?');
  return `hsl(${h % 360} ${45 + (h >> 9) % 20}% ${36 + (h >> 17) % 12}%)`;
}

export function initials(username) {
  const parts = (username || '?').split(/[\s._@-]+/).filter(Boolean);
  const chars = parts.length > 1 ? [[...parts[0]][0], [...parts[1]][0]] : [...(parts[0] || '?')].slice(0, 2);
  return chars.join('').toUpperCase();
}

let gravatarAllowed = false;

/** The site's `avatars` key: true for gravatar, false for initials only. */
export function allowGravatar(on) {
  gravatarAllowed = on === true;
}

// One size for every use, so the browser fetches each picture once.
function gravatarUrl(hash) {
  return `https://s.gravatar.com/avatar/${hash}?s=64&d=404`;
}

/** A <span class="avatar"> for `user` ({username, gravatar}), `size` CSS pixels. */
export function avatar(user, size = 28) {
  const name = (user && user.username) || '?';
  const el = document.createElement('span');
  el.className = 'avatar';
  el.setAttribute('aria-hidden', 'true');
  el.style.setProperty('--avatar-size', size + 'px');
  el.style.backgroundColor = colourFor(name);
  el.textContent = initials(name);

  const hash = user && typeof user.gravatar === 'string' && /^[0-9a-f]{32}$/i.test(user.gravatar) ? user.gravatar.toLowerCase() : null;
  if (!hash || !gravatarAllowed) return el;
  const state = gravatarState.get(hash);
  if (state === 'failed') return el;
  const img = document.createElement('img');
  img.alt = '';
  img.width = size;
  img.height = size;
  img.decoding = 'async';
  img.referrerPolicy = 'no-referrer';
  if (state === 'ok') {
    img.src = gravatarUrl(hash);
    el.append(img);
    el.classList.add('has-image');
    return el;
  }
  (waiting.get(hash) || waiting.set(hash, []).get(hash)).push({ el, img });
  if (state !== 'loading') {
    gravatarState.set(hash, 'loading');
    const probe = new Image();
    probe.referrerPolicy = 'no-referrer';
    probe.onload = () => {
      gravatarState.set(hash, 'ok');
      for (const w of waiting.get(hash) || []) {
        w.img.src = gravatarUrl(hash);
        w.el.append(w.img);
        w.el.classList.add('has-image');
      }
      waiting.delete(hash);
    };
    probe.onerror = () => {
      gravatarState.set(hash, 'failed');
      waiting.delete(hash);
    };
    probe.src = gravatarUrl(hash);
  }
  return el;
}
