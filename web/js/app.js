// app.js - the analyst UI's shell: who is signed in, the navigation, and a
// hash router (#/alerts, #/alerts/12, #/entities/worker/KEY, #/dashboard,
// #/import, #/cases, #/cases/new, #/cases/7, #/cases/7/summary, #/referrals,
// #/screening, #/login) over the single page the server serves.
//
// Each page module exports render(main, ctx) and may return a cleanup
// function (charts and graphs are destroyed with it). ctx.current() tells
// an async render whether the user has navigated away meanwhile, so a late
// answer never draws over the next page.

import { api, setCsrf, onSessionEnded } from './api.js';
import { h, clear } from './dom.js';
import { t, has, setLang, currentLang, LANGS } from './i18n.js';
import * as login from './pages/login.js';
import * as queue from './pages/queue.js';
import * as alert from './pages/alert.js';
import * as entity from './pages/entity.js';
import * as dashboard from './pages/dashboard.js';
import * as patterns from './pages/patterns.js';
import * as statistics from './pages/statistics.js';
import * as importer from './pages/import.js';
import * as cases from './pages/cases.js';
import * as caseNew from './pages/case-new.js';
import * as caseView from './pages/case.js';
import * as caseSummary from './pages/case-summary.js';
import * as referrals from './pages/referrals.js';
import * as person from './pages/person.js';
import * as personReview from './pages/person-review.js';
import * as watchlist from './pages/watchlist.js';
import * as screening from './pages/screening.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const who = document.getElementById('who');
const flashBox = document.getElementById('flash');

let me = null;          // {principal, permissions, csrf_token} or null
let returnTo = null;    // where to go after signing in
let cleanup = null;     // the current page's
let renderSeq = 0;
let pendingFlash = null;
let firstRender = true;

const routes = [
  { re: /^\/login$/, page: login, public: true },
  { re: /^\/alerts$/, page: queue, needs: 'alert.read', nav: 'alerts' },
  { re: /^\/alerts\/(\d+)$/, page: alert, needs: 'alert.read', nav: 'alerts' },
  { re: /^\/entities\/([a-z]+)\/([^/]+)$/, page: entity, needs: 'entity.read', nav: 'alerts' },
  { re: /^\/dashboard$/, page: dashboard, needs: 'stats.read', nav: 'dashboard' },
  { re: /^\/patterns$/, page: patterns, needs: 'stats.read', nav: 'patterns' },
  { re: /^\/statistics$/, page: statistics, needs: 'stats.read', nav: 'statistics' },
  { re: /^\/import$/, page: importer, needs: 'import', nav: 'import' },
  { re: /^\/cases$/, page: cases, needs: 'case.read', nav: 'cases' },
  { re: /^\/cases\/new$/, page: caseNew, needs: 'case.write', nav: 'cases' },
  { re: /^\/cases\/(\d+)$/, page: caseView, needs: 'case.read', nav: 'cases' },
  { re: /^\/cases\/(\d+)\/summary$/, page: caseSummary, needs: 'case.read', nav: 'cases' },
  { re: /^\/referrals$/, page: referrals, needs: 'case.read', nav: 'referrals' },
  { re: /^\/persons\/review$/, page: personReview, needs: 'person.review', nav: 'persons' },
  { re: /^\/persons\/(\d+)$/, page: person, needs: 'person.read', nav: 'persons' },
  { re: /^\/watchlist$/, page: watchlist, needs: 'entity.read', nav: 'watchlist' },
  { re: /^\/screening$/, page: screening, needs: 'screening', nav: 'screening' },
];

function can(action) {
  return !!me && !!me.permissions && me.permissions[action] && me.permissions[action] !== 'none';
}

function scope(action) {
  return (me && me.permissions && me.permissions[action]) || 'none';
}

// Where each role's work is: a case worker on the cases, or on the
// referral inbox when referrals wait there (a receiving organisation); an
// analyst or inspector on the queue; a statistician on the dashboard.
let inboxWaiting = false;

function homeHash() {
  const role = me && me.principal && me.principal.role;
  if (role === 'case_worker' && can('case.read')) return inboxWaiting ? '#/referrals' : '#/cases';
  if (can('alert.read')) return '#/alerts';
  if (can('case.read')) return '#/cases';
  if (can('screening')) return '#/screening';
  if (can('stats.read')) return '#/dashboard';
  return '#/login';
}

function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
  return { path, query };
}

// Shows a message in the status line (kind: 'ok' | 'error'); with
// `afterNav`, after the navigation that follows.
// A message belongs to the address it was shown on: a redraw of that page
// (a reload after a change, a second route() of the same address) keeps it,
// going to another page clears it.
let flashFor = null;
function flash(message, kind = 'ok', afterNav = false) {
  if (afterNav) {
    pendingFlash = { message, kind };
    return;
  }
  clear(flashBox);
  flashFor = message ? location.hash : null;
  if (message) {
    flashBox.appendChild(h('p', { class: `flash flash-${kind}` }, message,
      h('button', { type: 'button', class: 'link-button', 'aria-label': t('app.dismiss'), onclick: () => clear(flashBox) }, '×')));
  }
}

function go(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

// The language menu (in the header, on every page, signed in or not).
function langPicker() {
  const names = { hy: 'Հայերեն', ru: 'Русский', en: 'English' };
  const sel = h('select', { id: 'lang', 'aria-label': t('app.language') },
    LANGS.map((l) => h('option', { value: l, lang: l }, names[l])));
  sel.value = currentLang();
  sel.addEventListener('change', async () => {
    try {
      await setLang(sel.value, true);
    } catch (err) {
      flash(t('app.lang_failed'), 'error');
      return;
    }
    drawStatic();
    route();
  });
  return h('label', { class: 'lang-picker', for: 'lang' }, h('span', { class: 'visually-hidden' }, t('app.language')), sel);
}

// The words of index.html itself, in the current language.
function drawStatic() {
  const skip = document.querySelector('.skip-link');
  if (skip) skip.textContent = t('app.skip');
  nav.setAttribute('aria-label', t('app.nav'));
  const old = document.querySelector('.lang-picker');
  const picker = langPicker();
  if (old) old.replaceWith(picker);
  else document.querySelector('header.top').appendChild(picker);
}

function drawNav(active) {
  clear(nav);
  clear(who);
  if (!me) return;
  const items = [
    ['alerts', '#/alerts', t('nav.alerts'), can('alert.read')],
    ['watchlist', '#/watchlist', t('nav.watchlist'), can('entity.read')],
    ['dashboard', '#/dashboard', t('nav.dashboard'), can('stats.read')],
    ['patterns', '#/patterns', t('nav.patterns'), can('stats.read')],
    ['statistics', '#/statistics', t('nav.statistics'), can('stats.read')],
    ['import', '#/import', t('nav.import'), can('import')],
    ['cases', '#/cases', t('nav.cases'), can('case.read')],
    ['referrals', '#/referrals', t('nav.referrals'), can('case.read')],
    ['persons', '#/persons/review', t('nav.persons'), can('person.review')],
    ['screening', '#/screening', t('nav.screening'), can('screening')],
  ];
  for (const [key, href, label, shown] of items) {
    if (!shown) continue;
    nav.appendChild(h('li', null, h('a', { href, 'aria-current': key === active ? 'page' : null }, label)));
  }
  const p = me.principal;
  who.appendChild(h('span', { class: 'who-name' }, `${p.user} · ${roleLabel(p.role)} · ${p.org}`));
  who.appendChild(h('button', { type: 'button', class: 'secondary', onclick: signOut }, t('app.sign_out')));
}

async function signOut() {
  try {
    await api('POST', '/logout');
  } catch (err) {
    if (err.status !== 401) {
      flash(t('app.sign_out_failed', { error: err.message }), 'error');
      return;
    }
  }
  me = null;
  setCsrf(null);
  flash(t('app.signed_out'), 'ok', true);
  go('#/login');
}

function signedIn(answer) {
  me = { principal: answer.principal, permissions: answer.permissions || null, csrf_token: answer.csrf_token };
  setCsrf(answer.csrf_token);
}

onSessionEnded(() => {
  if (!me) return;
  me = null;
  setCsrf(null);
  const { path } = parseHash();
  if (path !== '/login') returnTo = location.hash;
  flash(t('app.session_ended'), 'error', true);
  go('#/login');
});

async function route() {
  const seq = ++renderSeq;
  const { path, query } = parseHash();
  if (cleanup) {
    try {
      cleanup();
    } catch (_) { /* a page's cleanup must not stop navigation */ }
    cleanup = null;
  }
  if (path === '/' || path === '') {
    go(me ? homeHash() : '#/login');
    return;
  }
  let match = null;
  let r = null;
  for (const cand of routes) {
    match = cand.re.exec(path);
    if (match) {
      r = cand;
      break;
    }
  }
  if (r && !r.public && !me) {
    returnTo = location.hash;
    go('#/login');
    return;
  }
  if (r && r.page === login && me) {
    go(homeHash());
    return;
  }
  if (pendingFlash) {
    flash(pendingFlash.message, pendingFlash.kind);
    pendingFlash = null;
  } else if (flashFor !== location.hash) {
    flash(null);
  }
  drawNav(r && r.nav);
  clear(main);
  delete main.dataset.ready;
  const ctx = {
    me,
    can,
    scope,
    query,
    params: match ? match.slice(1).map(decodeURIComponent) : [],
    go,
    flash,
    current: () => seq === renderSeq,
    setTitle: (title) => { document.title = title ? `${title} · tipwatch` : 'tipwatch'; },
    signedIn: (answer) => {
      signedIn(answer);
      const to = returnTo && returnTo !== '#/login' ? returnTo : null;
      returnTo = null;
      return loadMe().then(() => go(to || homeHash()));
    },
  };
  if (!r) {
    ctx.setTitle(t('app.not_found'));
    main.appendChild(h('h1', { tabindex: '-1' }, t('app.not_found')));
    main.appendChild(h('p', null, t('app.not_found_text'), ' ', h('a', { href: homeHash() }, t('app.go_start'))));
  } else if (r.needs && !can(r.needs)) {
    ctx.setTitle(t('app.not_allowed'));
    main.appendChild(h('h1', { tabindex: '-1' }, t('app.not_allowed')));
    main.appendChild(h('p', null, t('app.not_allowed_text', { role: roleLabel(me.principal.role) }), ' ',
      h('a', { href: homeHash() }, t('app.go_start'))));
  } else {
    try {
      const c = await r.page.render(main, ctx);
      if (seq === renderSeq) cleanup = typeof c === 'function' ? c : null;
      else if (typeof c === 'function') c();
    } catch (err) {
      if (seq !== renderSeq) return;
      clear(main);
      main.appendChild(h('h1', { tabindex: '-1' }, t('app.went_wrong')));
      main.appendChild(h('div', { class: 'error-box', role: 'alert' }, err.status !== undefined ? err.message : t('app.went_wrong_text')));
      console.error(err);
    }
  }
  if (seq !== renderSeq) return;
  // the page is drawn (its data loaded): tests wait for this
  main.dataset.ready = location.hash;
  // Keyboard and screen-reader users land on the new page's heading; the
  // first page keeps the natural order (skip link first).
  if (!firstRender) {
    const h1 = main.querySelector('h1');
    if (h1) h1.focus({ preventScroll: false });
  }
  firstRender = false;
}

async function loadMe() {
  try {
    signedIn(await api('GET', '/me', undefined, { signIn: true }));
    inboxWaiting = false;
    if (me.principal.role === 'case_worker' && can('case.read')) {
      const inbox = await api('GET', '/referrals').catch(() => null);
      inboxWaiting = !!(inbox && inbox.items && inbox.items.some((r) => r.status === 'pending'));
    }
  } catch (err) {
    me = null;
    setCsrf(null);
    if (err.status !== 401) flash(t('app.me_failed', { error: err.message }), 'error', true);
  }
}

document.querySelector('.skip-link').addEventListener('click', (e) => {
  e.preventDefault();
  main.focus();
});

export function roleLabel(role) {
  return has(`role.${role}`) ? t(`role.${role}`) : String(role || '').replace(/_/g, ' ');
}

window.addEventListener('hashchange', route);
setLang()
  .catch((err) => console.error(err))
  .then(() => {
    drawStatic();
    return loadMe();
  })
  .then(route);
