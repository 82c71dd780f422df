// The intranet's only script: no framework, no build step. It talks to the HTTP API of
// watercooler-axum (/v1/...) for writes, suggestions, notifications and the live stream,
// and asks the server for rendered post cards (/fragments/posts/{id}) to insert.
//
// Safety: user text never reaches innerHTML from here. Names in suggestions are set with
// textContent; posts arrive as the server's HTML, rendered by watercooler-text. The page's
// Content-Security-Policy requires Trusted Types, so the one policy below is the only way
// to assign HTML at all, and it is used only for those server-rendered cards.
'use strict';

(() => {
  const body = document.body;
  if (!body.dataset.me) return; // the sign-in page

  const policy = window.trustedTypes
    ? window.trustedTypes.createPolicy('wc-fragments', { createHTML: (html) => html })
    : { createHTML: (html) => html };

  const say = (template, n) => template.replace('{n}', String(n));
  const liveStatus = document.getElementById('live-status');
  const announce = (message) => { liveStatus.textContent = message; };

  async function api(method, path, json) {
    const options = { method, credentials: 'same-origin', headers: {} };
    if (json !== undefined) {
      options.headers['Content-Type'] = 'application/json';
      options.body = JSON.stringify(json);
    }
    const response = await fetch(path, options);
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status}`);
    return response.status === 204 ? null : response.json();
  }

  // A post card as the server renders it, or null when the viewer may not see the post.
  async function card(id) {
    const response = await fetch(`/fragments/posts/${encodeURIComponent(id)}`, { credentials: 'same-origin' });
    if (!response.ok) return null;
    const template = document.createElement('template');
    template.innerHTML = policy.createHTML(await response.text());
    return template.content.firstElementChild;
  }

  // ---- reactions: a click adds the reaction; a second click (already there) takes it back.
  document.addEventListener('click', async (event) => {
    const button = event.target.closest('button.react');
    if (!button) return;
    const post = button.closest('[data-post]').dataset.post;
    const path = `/v1/posts/${encodeURIComponent(post)}/reactions/${button.dataset.kind}`;
    try {
      let delta = 1;
      const added = await api('PUT', path);
      if (!added.changed) {
        await api('DELETE', path);
        delta = -1;
      }
      const count = button.querySelector('.count');
      const n = Math.max(0, Number(count.textContent) + delta);
      count.textContent = String(n);
      button.setAttribute('aria-pressed', delta > 0 ? 'true' : 'false');
    } catch {
      announce(body.dataset.failed);
    }
  });

  // ---- @ and # autocomplete: the listbox pattern, suggestions from GET /v1/suggestions
  // (the SDK leaves out people and tags the viewer may not see).
  function autocomplete(input) {
    const list = document.getElementById(input.getAttribute('aria-controls'));
    if (!list) return;
    let items = [];
    let active = -1;
    let asked = 0;
    const token = () => {
      const before = input.value.slice(0, input.selectionStart);
      const match = /(^|[\s(,])([@#][\p{L}\p{N}_.\-]*)$/u.exec(before);
      return match ? { text: match[2], start: before.length - match[2].length } : null;
    };
    const close = () => {
      list.hidden = true;
      list.textContent = '';
      items = [];
      active = -1;
      input.removeAttribute('aria-activedescendant');
    };
    const move = (i) => {
      active = i;
      [...list.children].forEach((li, j) => li.setAttribute('aria-selected', String(j === i)));
      input.setAttribute('aria-activedescendant', `${list.id}-${i}`);
    };
    const choose = (i) => {
      const t = token();
      if (!t || !items[i]) return close();
      const value = input.value;
      const inserted = `${items[i]} `;
      input.value = value.slice(0, t.start) + inserted + value.slice(t.start + t.text.length);
      const caret = t.start + inserted.length;
      input.setSelectionRange(caret, caret);
      close();
    };
    input.addEventListener('input', async () => {
      const t = token();
      if (!t || t.text.length < 2) return close();
      const mine = ++asked;
      let found;
      try {
        found = await api('GET', `/v1/suggestions?limit=6&prefix=${encodeURIComponent(t.text)}`);
      } catch {
        return close();
      }
      if (mine !== asked) return; // a later keystroke asked again
      list.textContent = '';
      list.dataset.answered = t.text; // what the list now answers (tests wait for it)
      items = found.map((s, i) => {
        const insert = s.kind === 'person' ? `@${s.handle}` : `#${s.display}`;
        const li = document.createElement('li');
        li.id = `${list.id}-${i}`;
        li.setAttribute('role', 'option');
        li.setAttribute('aria-selected', 'false');
        li.textContent = insert;
        if (s.kind === 'person') {
          const name = document.createElement('span');
          name.className = 'meta';
          name.textContent = ` ${s.name}`;
          li.append(name);
        }
        li.addEventListener('mousedown', (event) => { event.preventDefault(); choose(i); });
        list.append(li);
        return insert;
      });
      if (!items.length) return close();
      list.hidden = false;
      move(0);
      announce(say(body.dataset.suggestions, items.length));
    });
    input.addEventListener('keydown', (event) => {
      if (list.hidden) return;
      if (event.key === 'ArrowDown') move((active + 1) % items.length);
      else if (event.key === 'ArrowUp') move((active - 1 + items.length) % items.length);
      else if (event.key === 'Enter' || event.key === 'Tab') choose(active);
      else if (event.key === 'Escape') close();
      else return;
      event.preventDefault();
    });
    input.addEventListener('blur', close);
  }
  document.querySelectorAll('[aria-autocomplete="list"][aria-controls]').forEach(autocomplete);

  // ---- the feed, and the bar that shows how many new posts arrived live
  const feed = document.getElementById('feed');
  const bar = document.getElementById('new-posts');
  const pending = [];
  const present = (id) => document.getElementById(`post-${id}`) || pending.some((c) => c.id === `post-${id}`);
  const showNew = (cards) => {
    // New posts go under the pinned announcements, newest first.
    const anchor = [...feed.children].find((c) => !c.querySelector(':scope > header .pinned'));
    for (const c of cards) feed.insertBefore(c, anchor || null);
  };
  bar?.addEventListener('click', () => {
    const cards = pending.splice(0).reverse();
    showNew(cards);
    bar.hidden = true;
    if (cards[0]) {
      cards[0].tabIndex = -1;
      cards[0].focus();
    }
  });

  // ---- composer: POST /v1/posts
  const composer = document.getElementById('composer');
  if (composer) {
    const textarea = composer.querySelector('textarea');
    const audience = document.getElementById('audience');
    const recipientsRow = document.getElementById('recipients-row');
    const recipients = document.getElementById('recipients');
    const status = composer.querySelector('.form-status');
    audience.addEventListener('change', () => { recipientsRow.hidden = audience.value !== 'direct'; });
    textarea.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        composer.requestSubmit();
      }
    });
    // Handles typed in the recipients field, as person ids, through the suggestions.
    const resolve = async (typed) => {
      const ids = [];
      for (const handle of typed.split(/[\s,]+/).map((h) => h.replace(/^@/, '')).filter(Boolean)) {
        const found = await api('GET', `/v1/suggestions?limit=10&prefix=${encodeURIComponent(`@${handle}`)}`);
        const person = found.find((s) => s.kind === 'person' && s.handle.toLowerCase() === handle.toLowerCase());
        if (!person) throw new Error(`${body.dataset.unknownHandle} @${handle}`);
        ids.push(person.id);
      }
      return ids;
    };
    let busy = false;
    composer.addEventListener('submit', async (event) => {
      event.preventDefault();
      const text = textarea.value.trim();
      if (!text || busy) return;
      busy = true;
      try {
        const request = { text, language: composer.dataset.language };
        if (audience.value.startsWith('group:')) request.group = audience.value.slice('group:'.length);
        if (audience.value === 'direct') request.recipients = await resolve(recipients.value);
        const post = await api('POST', '/v1/posts', request);
        textarea.value = '';
        const c = await card(post.id);
        if (c && !present(post.id)) showNew([c]);
        status.textContent = body.dataset.published;
      } catch (error) {
        status.textContent = error.message.startsWith(body.dataset.unknownHandle) ? error.message : body.dataset.failed;
      } finally {
        busy = false;
      }
    });
  }

  // ---- a thread: replies, live and from the reply form
  const thread = document.getElementById('thread');
  const replies = document.getElementById('replies');
  const replyForm = document.getElementById('reply-form');
  if (replyForm) {
    const textarea = replyForm.querySelector('textarea');
    const status = replyForm.querySelector('.form-status');
    replyForm.addEventListener('submit', async (event) => {
      event.preventDefault();
      const text = textarea.value.trim();
      if (!text) return;
      try {
        const post = await api('POST', `/v1/posts/${encodeURIComponent(replyForm.dataset.root)}/replies`, { text });
        textarea.value = '';
        const c = await card(post.id);
        if (c && !present(post.id)) replies.append(c);
        status.textContent = body.dataset.published;
      } catch {
        status.textContent = body.dataset.failed;
      }
    });
  }

  // ---- unread notifications
  const setUnread = (n) => {
    document.getElementById('unread-n').textContent = String(n);
    document.getElementById('unread').hidden = n === 0;
  };
  const refreshUnread = async () => {
    const page = await api('GET', '/v1/notifications?limit=50');
    const n = page.items.filter((x) => !x.seen).length;
    setUnread(n);
    if (n) announce(say(body.dataset.unread, n));
  };
  const notifications = document.getElementById('notifications');
  if (notifications && Number(notifications.dataset.newest) > 0) {
    api('POST', '/v1/notifications/seen', { up_to: Number(notifications.dataset.newest) })
      .then(() => setUnread(0))
      .catch(() => {});
  }

  // ---- the live stream (GET /v1/events). EventSource reconnects by itself and sends the
  // last id it saw as Last-Event-ID, so nothing is lost or repeated across a reconnect.
  const events = new EventSource('/v1/events');
  // A page left open in the back/forward cache would keep its stream, and a browser
  // allows only six connections to one server: close it when the page is hidden, and
  // reload a page the browser brings back (it missed events meanwhile).
  window.addEventListener('pagehide', () => events.close());
  window.addEventListener('pageshow', (event) => { if (event.persisted) window.location.reload(); });
  events.addEventListener('open', () => { body.dataset.live = 'open'; });
  events.addEventListener('error', () => { body.dataset.live = 'reconnecting'; });
  events.addEventListener('posted', async (event) => {
    const { post: view, sources } = JSON.parse(event.data);
    const post = view.post;
    if (present(post.id)) return;
    if (feed && bar && !post.reply_to && !sources.own) {
      const c = await card(post.id);
      if (!c || present(post.id)) return;
      pending.push(c);
      bar.textContent = pending.length === 1 ? body.dataset.newOne : say(body.dataset.newMany, pending.length);
      bar.hidden = false;
      announce(bar.textContent);
    } else if (thread && post.thread_root === thread.dataset.root) {
      const c = await card(post.id);
      if (c && !present(post.id)) replies.append(c);
    }
  });
  events.addEventListener('edited', async (event) => {
    const { post: view } = JSON.parse(event.data);
    const old = document.getElementById(`post-${view.post.id}`);
    const c = old && await card(view.post.id);
    // Only the text: the card may hold replies and the ranker's explanation.
    if (c) old.querySelector('.post-text').replaceWith(c.querySelector('.post-text'));
  });
  events.addEventListener('removed', (event) => {
    document.getElementById(`post-${JSON.parse(event.data).post}`)?.remove();
  });
  events.addEventListener('notification', () => { refreshUnread().catch(() => {}); });
  events.addEventListener('resync', () => {
    // Too far behind to catch up: start from a fresh page.
    events.close();
    window.location.reload();
  });
})();
