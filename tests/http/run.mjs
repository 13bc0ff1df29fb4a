// tests/http/run.mjs - replays the declarative HTTP cases of tests/http/*.json
// against a live `tipwatch serve`, then walks the authorisation matrix (every
// role x every endpoint) with expectations generated from `tipwatch authz
// matrix` and `tipwatch serve --routes`. Started by tests/e2e/http_api.sh,
// which makes the database, the users and the fixture file.
//
// Plain Node (18 or later: global fetch), no npm packages.
//
// Environment: TW_HTTP_BASE (http://127.0.0.1:PORT), TW_HTTP_FIXTURE (JSON:
// {"users": {name: {role, org, password, token}}, "vars": {...}}),
// TW_HTTP_DB (the server's database, for the "unchanged" check), TW_BIN.
// Arguments: case files to run (default: every tests/http/*.json), and
// --no-matrix.
//
// A case (see tests/http/README.md for every field):
//   {"name", "as": USER | "session:USER" | "anonymous", "method", "path",
//    "body": JSON or string, "body_size": N, "chunked": bool,
//    "raw": "HTTP text, one byte per character (${body_length} is filled in)",
//    "headers": {}, "csrf": false, "unchanged": true, "repeat": N,
//    "sql": "run on the database before", "sql_after": "and after the request",
//    "expect": {"status", "json": {PATH: VALUE or {"$op": ...}}, "json_has": [PATH],
//               "json_absent": [PATH], "headers": {NAME: VALUE}, "body_contains": "..." or [...],
//               "body_lacks": ["..."], "audit": [ENTRY], "audit_absent": [ENTRY],
//               "audit_count": N},
//    "save": {VAR: PATH}}
// PATH is "a.0.b" or, for keys with dots, "/a/0/b". "${VAR}" in strings is
// replaced by fixture vars and saved values, "${repeat:C:N}" by N times C,
// "${i}" by the round of a repeated case (1..N). ENTRY matches an audit
// entry the request wrote: {"action", "object", "remote", "actor", "via",
// "detail": {...}} (detail parsed from its JSON), each a value or matcher.

import { readFileSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const env = process.env;
for (const v of ['TW_HTTP_BASE', 'TW_HTTP_FIXTURE', 'TW_HTTP_DB', 'TW_BIN']) {
  if (!env[v]) {
    console.error(`run.mjs: ${v} is not set (start it through tests/e2e/http_api.sh)`);
    process.exit(2);
  }
}
const BASE = env.TW_HTTP_BASE;
// Every request has a deadline (generous: a loaded machine is slow, not
// broken); past it the case fails saying what it waited for.
const WAIT_MS = Number(env.TW_HTTP_TIMEOUT || 60000);
const fetchOnce = globalThis.fetch;
globalThis.fetch = (url, init = {}) => fetchOnce(url, { signal: AbortSignal.timeout(WAIT_MS), ...init })
  .catch((e) => {
    if (e && (e.name === 'TimeoutError' || e.name === 'AbortError')) {
      throw new Error(`waited ${WAIT_MS / 1000} s for the answer to ${init.method || 'GET'} ${url}`);
    }
    throw e;
  });
const FIX = JSON.parse(readFileSync(env.TW_HTTP_FIXTURE, 'utf8'));
const vars = { ...FIX.vars };
const args = process.argv.slice(2);
const noMatrix = args.includes('--no-matrix');
const files = args.filter((a) => !a.startsWith('--'));

let passed = 0;
let failed = 0;
const failures = [];

// ---- helpers ---------------------------------------------------------------

function subst(v) {
  if (typeof v === 'string') {
    v = v.replace(/\$\{repeat:(.):(\d+)\}/g, (m, ch, n) => ch.repeat(Number(n)));
    if (round !== null) v = v.replace(/\$\{i\}/g, String(round));
    const whole = v.match(/^\$\{([A-Za-z0-9_]+)\}$/);
    if (whole && whole[1] in vars) return vars[whole[1]];
    return v.replace(/\$\{([A-Za-z0-9_]+)\}/g, (m, k) => {
      if (k === 'body_length') return m; /* filled in when a raw request is sent */
      if (!(k in vars)) throw new Error(`unknown variable \${${k}}`);
      return String(vars[k]);
    });
  }
  if (Array.isArray(v)) return v.map(subst);
  if (v && typeof v === 'object') {
    const o = {};
    for (const [k, x] of Object.entries(v)) o[subst(k)] = subst(x);
    return o;
  }
  return v;
}

function get(obj, p) {
  const parts = p.startsWith('/') ? p.slice(1).split('/') : p.split('.');
  let cur = obj;
  for (const part of parts) {
    if (cur === null || typeof cur !== 'object' || !(part in cur)) return undefined;
    cur = cur[part];
  }
  return cur;
}

function typeOf(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

// true, or a string saying what differs
function match(actual, want) {
  if (want && typeof want === 'object' && !Array.isArray(want) &&
      Object.keys(want).length > 0 && Object.keys(want).every((k) => k.startsWith('$'))) {
    for (const [op, arg] of Object.entries(want)) {
      const ok = {
        $len: () => actual != null && actual.length === arg,
        $gt: () => actual > arg,
        $gte: () => actual >= arg,
        $lt: () => actual < arg,
        $lte: () => actual <= arg,
        $ne: () => JSON.stringify(actual) !== JSON.stringify(arg),
        $type: () => typeOf(actual) === arg,
        $re: () => typeof actual === 'string' && new RegExp(arg).test(actual),
        $in: () => arg.some((a) => JSON.stringify(a) === JSON.stringify(actual)),
        $contains: () => (typeof actual === 'string' ? actual.includes(arg)
          : Array.isArray(actual) && actual.some((a) => JSON.stringify(a) === JSON.stringify(arg))),
        $all: () => Array.isArray(actual) && actual.every((a) => match(a, arg) === true),
        $some: () => Array.isArray(actual) && actual.some((a) => match(a, arg) === true),
      }[op];
      if (!ok) return `unknown matcher ${op}`;
      if (!ok()) return `${JSON.stringify(actual)} fails ${op} ${JSON.stringify(arg)}`;
    }
    return true;
  }
  if (want && typeof want === 'object' && !Array.isArray(want)) {
    if (typeOf(actual) !== 'object') return `${JSON.stringify(actual)} is not an object`;
    for (const [k, w] of Object.entries(want)) {
      const r = match(actual[k], w);
      if (r !== true) return `${k}: ${r}`;
    }
    return true;
  }
  return JSON.stringify(actual) === JSON.stringify(want)
    ? true : `${JSON.stringify(actual)} != ${JSON.stringify(want)}`;
}

// The state a hostile request must leave alone: every table but the session
// bookkeeping that authenticating a request itself touches. Register and
// entity rows are never updated or deleted (store.h), so their count and
// largest id stand for them; the rest is compared whole.
const APPEND_ONLY = ['permit', 'border_crossing', 'inspection', 'report', 'outcome', 'worker',
  'employer', 'intermediary', 'address', 'phone', 'reject'];
const KEPT = ['alert', 'alert_event', 'suppression', 'screening', 'import_batch', 'org',
  'app_user', 'audit_log', 'nrm_case', 'case_event', 'case_service', 'case_referral',
  'case_consent', 'case_attachment'];

// The audit entries written after entry `after` (all when after is 0), with
// their detail parsed when it is JSON.
function auditSince(after) {
  const out = execFileSync('sqlite3', ['-batch', '-readonly', '-json', env.TW_HTTP_DB,
    `SELECT id, actor, via, role, org, action, object, remote, detail FROM audit_log
     WHERE id > ${Number(after)} ORDER BY id`], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const rows = out.trim() ? JSON.parse(out) : [];
  for (const r of rows) {
    if (typeof r.detail === 'string') {
      try { r.detail = JSON.parse(r.detail); } catch { /* kept as text */ }
    }
  }
  return rows;
}

function auditLast() {
  const out = execFileSync('sqlite3', ['-batch', '-readonly', '-noheader', env.TW_HTTP_DB,
    'SELECT coalesce(max(id), 0) FROM audit_log'], { encoding: 'utf8' });
  return Number(out.trim());
}

function sql(text) {
  execFileSync('sqlite3', ['-batch', '-cmd', '.timeout 30000', env.TW_HTTP_DB, text],
    { encoding: 'utf8' });
}

function fingerprint() {
  const counts = APPEND_ONLY.map((t) => `SELECT '${t}', count(*), max(id) FROM ${t};`).join(' ');
  const dump = execFileSync('sqlite3', ['-batch', '-readonly', env.TW_HTTP_DB, counts,
    ...KEPT.map((t) => `.dump ${t}`)], { maxBuffer: 1 << 30 });
  return createHash('sha256').update(dump).digest('hex');
}

// One request over a plain socket, for what fetch would normalise away
// (dot segments) or refuse to send. Returns {status, headers, body}.
function raw(text) {
  const u = new URL(BASE);
  return new Promise((resolve, reject) => {
    const chunks = [];
    // latin1: each character of the case is one byte on the wire, so a case
    // can send bytes that are not UTF-8
    const s = net.connect(Number(u.port), u.hostname, () => s.end(Buffer.from(text, 'latin1')));
    s.setTimeout(WAIT_MS, () => {
      s.destroy();
      reject(new Error(`waited ${WAIT_MS / 1000} s for the answer to a raw request`));
    });
    s.on('data', (d) => chunks.push(d));
    s.on('error', (e) => (e.code === 'ECONNRESET' || e.code === 'EPIPE'
      ? resolve(parse(Buffer.concat(chunks))) : reject(e)));
    s.on('end', () => resolve(parse(Buffer.concat(chunks))));
  });
  function parse(buf) {
    const t = buf.toString('latin1');
    const head = t.split('\r\n\r\n')[0];
    const m = head.match(/^HTTP\/1\.[01] (\d{3})/);
    const headers = {};
    for (const line of head.split('\r\n').slice(1)) {
      const i = line.indexOf(':');
      if (i > 0) headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
    }
    return { status: m ? Number(m[1]) : 0, headers, body: t.slice(head.length + 4) };
  }
}

const sessions = {};

async function login(user) {
  if (sessions[user]) return sessions[user];
  const u = FIX.users[user];
  if (!u) throw new Error(`no fixture user '${user}'`);
  const r = await fetch(`${BASE}/api/v1/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ user, password: u.password }),
  });
  const body = await r.json();
  const cookie = (r.headers.get('set-cookie') || '').match(/tw_session=([^;]*)/);
  if (r.status !== 200 || !cookie) {
    throw new Error(`signing in ${user}: ${r.status} ${JSON.stringify(body)}`);
  }
  sessions[user] = { cookie: cookie[1], csrf: body.csrf_token };
  return sessions[user];
}

async function request(c) {
  const method = c.method || 'GET';
  const headers = { ...(c.headers || {}) };
  const as = c.as || 'anonymous';
  if (as.startsWith('session:')) {
    const s = await login(as.slice(8));
    headers.Cookie = `tw_session=${s.cookie}`;
    if (method !== 'GET' && method !== 'HEAD' && c.csrf !== false) headers['X-CSRF-Token'] = s.csrf;
  } else if (as !== 'anonymous') {
    const u = FIX.users[as];
    if (!u) throw new Error(`no fixture user '${as}'`);
    headers.Authorization = `Bearer ${u.token}`;
  }
  if (c.raw !== undefined) {
    let text = c.raw;
    for (const [k, v] of Object.entries(headers)) {
      text = text.replace('\r\n\r\n', `\r\n${k}: ${v}\r\n\r\n`);
    }
    const at = text.indexOf('\r\n\r\n');
    if (at >= 0) {
      text = text.replace('${body_length}', String(Buffer.byteLength(text.slice(at + 4), 'latin1')));
    }
    return raw(text);
  }
  const init = { method, headers, redirect: 'manual' };
  if (c.body_size !== undefined) {
    const size = c.body_size;
    if (c.chunked) {
      let sent = 0;
      init.body = new ReadableStream({
        pull(ctrl) {
          if (sent >= size) { ctrl.close(); return; }
          const n = Math.min(65536, size - sent);
          sent += n;
          ctrl.enqueue(new Uint8Array(n).fill(97));
        },
      });
      init.duplex = 'half';
    } else {
      init.body = 'a'.repeat(size);
    }
  } else if (c.body !== undefined) {
    if (typeof c.body === 'string') {
      init.body = c.body;
    } else {
      init.body = JSON.stringify(c.body);
      if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
        headers['Content-Type'] = 'application/json';
      }
    }
  }
  let r;
  try {
    r = await fetch(BASE + c.path, init);
  } catch (e) {
    // the server may answer (413) and close before the whole body is sent
    if (c.expect && c.expect.status === 0) return { status: 0, headers: {}, body: '' };
    throw e;
  }
  const body = await r.text().catch(() => '');
  const h = {};
  r.headers.forEach((v, k) => { h[k] = v; });
  return { status: r.status, headers: h, body };
}

let round = null; /* of a repeated case */

// A case with "eventually": SECONDS is sent again (every 250 ms) until its
// expectations hold or that many seconds have passed; then its last
// problems are reported with what it waited for. For what a server does
// on its own thread after an answer (a config it follows, swapped in).
async function check(name, c) {
  let problems = await attempt(c);
  if (problems.length && c.eventually) {
    const deadline = Date.now() + c.eventually * 1000;
    while (problems.length && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      problems = await attempt(c);
    }
    if (problems.length) problems.unshift(`still failing after waiting ${c.eventually} s for: ${c.name}`);
  }
  report(name, problems);
}

async function attempt(c) {
  const problems = [];
  let before = null;
  try {
    c = subst(c);
    const e = c.expect || {};
    const audits = e.audit || e.audit_absent || e.audit_count !== undefined;
    // a session the case uses is opened first: its sign-in is not the case's
    if (c.as && c.as.startsWith('session:')) await login(c.as.slice(8));
    if (c.sql) sql(c.sql);
    const auditBefore = audits ? auditLast() : 0;
    if (c.unchanged) before = fingerprint();
    let res;
    try {
      res = await request(c);
    } finally {
      if (c.sql_after) sql(c.sql_after);
    }
    let json;
    try { json = JSON.parse(res.body); } catch { json = undefined; }
    if (e.status !== undefined && match(res.status, e.status) !== true) {
      problems.push(`status ${res.status}, expected ${JSON.stringify(e.status)}: ${res.body.slice(0, 300)}`);
    }
    for (const [p, want] of Object.entries(e.json || {})) {
      const r = match(json === undefined ? undefined : get(json, p), want);
      if (r !== true) problems.push(`json ${p}: ${r}`);
    }
    for (const p of e.json_has || []) {
      if (json === undefined || get(json, p) === undefined) problems.push(`json has no ${p}`);
    }
    for (const p of e.json_absent || []) {
      if (json !== undefined && get(json, p) !== undefined) problems.push(`json has ${p}`);
    }
    for (const [k, want] of Object.entries(e.headers || {})) {
      const r = match(res.headers[k.toLowerCase()], want);
      if (r !== true) problems.push(`header ${k}: ${r}`);
    }
    for (const s of e.body_contains === undefined ? [] : [].concat(e.body_contains)) {
      if (!res.body.includes(String(s))) problems.push(`body lacks ${JSON.stringify(s)}`);
    }
    for (const s of e.body_lacks || []) {
      if (res.body.includes(String(s))) problems.push(`body holds ${JSON.stringify(s)}`);
    }
    if (e.check) {
      const r = e.check(res, json);
      if (r !== true) problems.push(r);
    }
    if (audits) {
      const entries = auditSince(auditBefore);
      const show = () => JSON.stringify(entries.map((x) => ({ action: x.action, object: x.object,
        remote: x.remote, detail: x.detail }))).slice(0, 600);
      if (e.audit_count !== undefined) {
        const r = match(entries.length, e.audit_count);
        if (r !== true) problems.push(`audit entries written: ${r}: ${show()}`);
      }
      for (const want of e.audit || []) {
        if (!entries.some((x) => match(x, want) === true)) {
          problems.push(`no audit entry ${JSON.stringify(want)} among ${show()}`);
        }
      }
      for (const want of e.audit_absent || []) {
        if (entries.some((x) => match(x, want) === true)) {
          problems.push(`an audit entry ${JSON.stringify(want)} among ${show()}`);
        }
      }
    }
    for (const [k, p] of Object.entries(c.save || {})) {
      const v = json === undefined ? undefined : get(json, p);
      if (v === undefined) problems.push(`nothing to save at ${p}`);
      else vars[k] = v;
    }
    if (c.unchanged) {
      const h = await fetch(`${BASE}/healthz`).then((r) => r.status).catch(() => 0);
      if (h !== 200) problems.push(`the server no longer answers /healthz (${h})`);
      if (fingerprint() !== before) problems.push('the database changed');
    }
  } catch (err) {
    problems.push(`error: ${err.message}`);
  }
  return problems;
}

function report(name, problems) {
  if (problems.length) {
    failed++;
    failures.push(`${name}\n    ${problems.join('\n    ')}`);
    console.log(`not ok - ${name}`);
    for (const p of problems) console.log(`    ${p}`);
  } else {
    passed++;
    console.log(`ok - ${name}`);
  }
}

// ---- the declarative files -----------------------------------------------

async function runFiles() {
  const list = files.length ? files
    : readdirSync(here).filter((f) => f.endsWith('.json')).sort().map((f) => path.join(here, f));
  // sign in everyone a file uses before anything else runs: the failed
  // sign-ins some files make count against this address
  for (const f of list) {
    for (const c of JSON.parse(readFileSync(f, 'utf8'))) {
      if (c.as && c.as.startsWith('session:')) await login(c.as.slice(8));
    }
  }
  for (const f of list) {
    const cases = JSON.parse(readFileSync(f, 'utf8'));
    if (!Array.isArray(cases)) throw new Error(`${f}: not a list of cases`);
    for (const c of cases) {
      if (c.repeat) {
        for (round = 1; round <= c.repeat; round++) {
          await check(`${path.basename(f)}: ${c.name} (${round}/${c.repeat})`, c);
        }
        round = null;
      } else {
        await check(`${path.basename(f)}: ${c.name}`, c);
      }
    }
  }
}

// ---- the authorisation matrix ----------------------------------------------

const RANK = { none: 0, own: 1, org: 2, all: 3 };

function csv(args) {
  const out = execFileSync(env.TW_BIN, args, { encoding: 'utf8' }).trim().split('\n');
  const head = out[0].split(',');
  return out.slice(1).map((l) => Object.fromEntries(l.split(',').map((v, i) => [head[i], v])));
}

// What each endpoint is asked in the matrix, and what it answers when the
// caller may: requests chosen so that an allowed call changes nothing that
// matters (a transition to the status it has is a conflict, an assignment to
// the assignee it has, a suppression of an unknown indicator is bad input).
function probe(route, obj) {
  const a = obj ? vars[`alert_${obj}`] : null;
  switch (`${route.method} ${route.path}`) {
    case 'GET /api/v1/metrics': return { path: '/api/v1/metrics', ok: 200 };
    case 'GET /api/v1/alerts': return { path: '/api/v1/alerts?limit=500&status=all', ok: 200 };
    case 'GET /api/v1/alerts/{id}': return { path: `/api/v1/alerts/${a}`, ok: 200 };
    case 'POST /api/v1/alerts/{id}/transition':
      return { path: `/api/v1/alerts/${a}/transition`, body: { to: 'new' }, ok: 409 };
    case 'POST /api/v1/alerts/{id}/assign':
      return { path: `/api/v1/alerts/${a}/assign`, body: { assignee: vars[`assignee_${obj}`] }, ok: 200 };
    case 'POST /api/v1/alerts/{id}/suppress':
      return {
        path: `/api/v1/alerts/${a}/suppress`,
        body: { indicator: 'no_such_indicator', until: '2099-01-01', reason: 'matrix' },
        ok: 400,
      };
    case 'GET /api/v1/entities/{type}/{key*}':
      return { path: `/api/v1/entities/${vars[`entity_${obj}`]}`, ok: 200 };
    case 'POST /api/v1/import':
      return { path: '/api/v1/import', body: 'no,such\n1,2\n', headers: { 'Content-Type': 'text/csv' }, ok: 400 };
    // a parameter it does not take: refused before anything runs
    case 'POST /api/v1/screen-runs': return { path: '/api/v1/screen-runs?probe=1', body: {}, ok: 400 };
    case 'GET /api/v1/stats/summary': return { path: '/api/v1/stats/summary', ok: 200 };
    case 'GET /api/v1/stats/patterns': return { path: '/api/v1/stats/patterns?table=corridors', ok: 200 };
    case 'GET /api/v1/stats/quality': return { path: '/api/v1/stats/quality', ok: 200 };
    case 'GET /api/v1/stats/glotip': return { path: '/api/v1/stats/glotip', ok: 200 };
    case 'GET /api/v1/stats/sdg': return { path: '/api/v1/stats/sdg', ok: 200 };
    case 'GET /api/v1/cases/stats': return { path: '/api/v1/cases/stats', ok: 200 };
    case 'POST /api/v1/score':
      return { path: '/api/v1/score?dry_run=true', body: vars.score_app, ok: 200 };
    // persons are nobody's: the same person for every object of the matrix
    case 'GET /api/v1/persons/{id}': return { path: `/api/v1/persons/${vars.person_multi}`, ok: 200 };
    case 'GET /api/v1/persons/review': return { path: '/api/v1/persons/review?limit=1', ok: 200 };
    case 'POST /api/v1/persons/review':
      return { path: '/api/v1/persons/review', body: { a: 'permits:NO-SUCH' }, ok: 400 };
    case 'POST /api/v1/persons/review/{id}':
      return { path: `/api/v1/persons/review/${vars.review_id}`, body: { decision: 'maybe' }, ok: 400 };
    // the person on the entity page: the entity page's own scope
    case 'GET /api/v1/workers/{key}/person':
      return { path: `/api/v1/workers/${vars[`key_${obj}`]}/person`, ok: 200 };
    case 'GET /api/v1/watchlist': return { path: '/api/v1/watchlist?entity=employer&limit=3', ok: 200 };
    case 'GET /api/v1/configs': return { path: '/api/v1/configs', ok: 200 };
    case 'GET /api/v1/configs/{id}': return { path: '/api/v1/configs/999999', ok: 404 };
    case 'POST /api/v1/configs': return { path: '/api/v1/configs', body: { text: 5 }, ok: 400 };
    case 'POST /api/v1/configs/rollback':
      return { path: '/api/v1/configs/rollback', body: { no_such: 1 }, ok: 400 };
    case 'POST /api/v1/configs/{id}/approve':
      return { path: '/api/v1/configs/999999/approve', body: {}, ok: 404 };
    case 'POST /api/v1/configs/{id}/reject':
      return { path: '/api/v1/configs/999999/reject', body: { reason: 'matrix' }, ok: 404 };
    case 'GET /api/v1/screening/questions': return { path: '/api/v1/screening/questions', ok: 200 };
    // an incomplete questionnaire: refused, nothing recorded
    case 'POST /api/v1/screenings':
      return { path: '/api/v1/screenings', body: { answers: { violence: 'no' } }, ok: 400 };
    default: return null;
  }
}

// ---- NRM cases in the matrix ------------------------------------------------
//
// A case belongs to an organisation, not to a user: a role with case.read or
// case.write (scope org) reaches its organisation's cases, and a case of
// another organisation answers 404, the same as one that does not exist
// (cases.h, rule 5). The matrix's users are all of MCS; ngo_worker (NGO
// Hope) makes the other organisation's objects. caseFixture() makes, through
// the API, for each organisation: a case, a service on it, a referral that
// had a consent (withdrawn) and was then revoked, and an attachment; and one
// emergency referral, reviewed and revoked.

async function api(as, method, p, body, headers = {}) {
  const h = { Authorization: `Bearer ${FIX.users[as].token}`, ...headers };
  const init = { method, headers: h };
  if (body !== undefined) {
    if (typeof body === 'string') {
      init.body = body;
    } else {
      init.body = JSON.stringify(body);
      h['Content-Type'] = 'application/json';
    }
  }
  const r = await fetch(BASE + p, init);
  const text = await r.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: r.status, json, text };
}

async function must(want, as, method, p, body, headers) {
  const r = await api(as, method, p, body, headers);
  if (r.status !== want) {
    throw new Error(`case fixture: ${as} ${method} ${p}: ${r.status}, expected ${want}: ${r.text.slice(0, 300)}`);
  }
  return r.json;
}

async function caseFixture() {
  const until = vars.until_ok;
  for (const [obj, as, other] of [['mcs', 'case_worker', 'NGO Hope'], ['ngo', 'ngo_worker', 'MCS']]) {
    const c = await must(201, as, 'POST', '/api/v1/cases', { sex: 'Female', exploitation: ['ForcedLabour'] });
    vars[`case_${obj}`] = c.id;
    vars[`service_${obj}`] = (await must(201, as, 'POST', `/api/v1/cases/${c.id}/services`,
      { service: 'shelter' })).id;
    const r = await must(201, as, 'POST', `/api/v1/cases/${c.id}/referrals`,
      { to: other, services: ['shelter'] });
    vars[`referral_${obj}`] = r.id;
    const k = await must(201, as, 'POST', `/api/v1/referrals/${r.id}/consent`,
      { given: true, categories: ['profile'], purpose: 'matrix', until });
    vars[`consent_${obj}`] = k.id;
    await must(200, as, 'POST', `/api/v1/consents/${k.id}/withdraw`, {});
    await must(200, as, 'POST', `/api/v1/referrals/${r.id}/act`, { op: 'revoke', version: 1, reason: 'matrix' });
    vars[`attachment_${obj}`] = (await must(201, as, 'POST', `/api/v1/cases/${c.id}/attachments?name=m.txt`,
      'matrix', { 'Content-Type': 'text/plain' })).id;
  }
  const e = await must(201, 'case_worker', 'POST', `/api/v1/cases/${vars.case_mcs}/emergency`,
    { to: 'NGO Hope', services: ['medical'], reason: 'matrix' });
  await must(200, 'admin', 'POST', `/api/v1/emergencies/${e.id}/review`, {});
  await must(200, 'case_worker', 'POST', `/api/v1/referrals/${e.id}/act`, { op: 'revoke', version: 1, reason: 'matrix' });
  vars.emergency_reviewed = e.id;
}

// The probe of a case route for an object of organisation `obj` ('mcs': the
// caller's, 'ngo': another's; 'any' for routes that are not per organisation),
// or null for routes that are not the case module's. Like probe(): what an
// allowed call answers while changing nothing that matters.
function caseProbe(route, obj) {
  const c = vars[`case_${obj}`];
  const j = (p, body, ok) => ({ path: p, body, ok });
  switch (`${route.method} ${route.path}`) {
    case 'GET /api/v1/cases': return j('/api/v1/cases?limit=500', undefined, 200);
    case 'POST /api/v1/cases': return j('/api/v1/cases', { sex: 'NoSuchSex' }, 400);
    case 'GET /api/v1/cases/codes': return j('/api/v1/cases/codes', undefined, 200);
    case 'GET /api/v1/cases/{id}': return j(`/api/v1/cases/${c}`, undefined, 200);
    case 'GET /api/v1/cases/{id}/person': return j(`/api/v1/cases/${c}/person`, undefined, 200);
    case 'POST /api/v1/cases/{id}': return j(`/api/v1/cases/${c}`, { version: 0 }, 409);
    case 'POST /api/v1/cases/{id}/transition':
      return j(`/api/v1/cases/${c}/transition`, { to: 'closed', reason: 'matrix', version: 0 }, 409);
    case 'POST /api/v1/cases/{id}/services':
      return j(`/api/v1/cases/${c}/services`, { service: 'state_payment' }, 409);
    case 'POST /api/v1/cases/{id}/referrals':
      return j(`/api/v1/cases/${c}/referrals`, { to: 'No Such Organisation', services: ['shelter'] }, 400);
    case 'POST /api/v1/cases/{id}/emergency':
      return j(`/api/v1/cases/${c}/emergency`,
        { to: 'No Such Organisation', services: ['shelter'], reason: 'matrix' }, 400);
    case 'POST /api/v1/cases/{id}/attachments':
      return { path: `/api/v1/cases/${c}/attachments?name=probe.txt`, body: 'probe',
        headers: { 'Content-Type': 'text/plain' }, ok: 201 };
    case 'POST /api/v1/services/{id}':
      return j(`/api/v1/services/${vars[`service_${obj}`]}`, { status: 'accepted', version: 0 }, 409);
    case 'GET /api/v1/referrals': return j('/api/v1/referrals', undefined, 200);
    case 'POST /api/v1/referrals/{id}/consent':
      return j(`/api/v1/referrals/${vars[`referral_${obj}`]}/consent`, { given: false }, 409);
    case 'POST /api/v1/referrals/{id}/send':
      return j(`/api/v1/referrals/${vars[`referral_${obj}`]}/send`, { version: 0 }, 409);
    case 'POST /api/v1/referrals/{id}/act':
      return j(`/api/v1/referrals/${vars[`referral_${obj}`]}/act`, { op: 'revoke', version: 0, reason: 'm' }, 409);
    case 'POST /api/v1/consents/{id}/withdraw':
      return j(`/api/v1/consents/${vars[`consent_${obj}`]}/withdraw`, {}, 409);
    case 'GET /api/v1/emergencies': return j('/api/v1/emergencies?all=1', undefined, 200);
    case 'POST /api/v1/emergencies/{id}/review':
      return { ...j(`/api/v1/emergencies/${vars.emergency_reviewed}/review`, {}, 409), global: true };
    case 'GET /api/v1/attachments/{id}':
      return j(`/api/v1/attachments/${vars[`attachment_${obj}`]}`, undefined, 200);
    case 'GET /api/v1/cases/{id}/offenders': return j(`/api/v1/cases/${c}/offenders`, undefined, 200);
    // a sex not on the list: refused after the access check, nothing recorded
    case 'POST /api/v1/cases/{id}/offenders':
      return j(`/api/v1/cases/${c}/offenders`, { sex: 'NoSuchSex' }, 400);
    default: return null;
  }
}

async function runCaseRoute(route, roles, scope) {
  const label = `${route.method} ${route.path}`;
  const perOrg = route.path.includes('{') && !caseProbe(route, 'mcs').global;
  const objects = perOrg ? ['mcs', 'ngo'] : [route.path.includes('{') ? 'any' : null];
  for (const role of roles) {
    const have = RANK[scope[`${role} ${route.action}`]];
    for (const obj of objects) {
      const p = caseProbe(route, obj || 'mcs');
      // outside the organisation: the same 404 as a case that does not exist
      const want = have === 0 ? 403 : obj === 'ngo' ? 404 : p.ok;
      const c = { as: role, method: route.method, path: p.path, body: p.body, headers: p.headers,
        expect: { status: want } };
      if (want === 404) c.expect.json = { 'error.message': { $re: '^(field [a-z_]+: )?no [a-z ]+\\d+$' } };
      await check(`matrix: ${role} ${label}${obj ? ` (${obj})` : ''} -> ${want}`, c);
    }
  }
  const p = caseProbe(route, objects[0] || 'mcs');
  await check(`matrix: anonymous ${label} -> 401`, {
    method: route.method, path: p.path, body: p.body, headers: p.headers, expect: { status: 401 },
  });
}

async function runMatrix() {
  const matrix = csv(['authz', 'matrix']);
  const routes = csv(['serve', '--routes']);
  const scope = {};
  for (const m of matrix) scope[`${m.role} ${m.action}`] = m.scope;
  const roles = [...new Set(matrix.map((m) => m.role))];
  for (const role of roles) {
    if (!FIX.users[role]) throw new Error(`the fixture has no user for role ${role}`);
  }
  await caseFixture();
  for (const route of routes) {
    const label = `${route.method} ${route.path}`;
    if (route.auth === 'public') {
      if (route.path.endsWith('healthz')) {
        await check(`matrix: anonymous ${label}`, { path: route.path, expect: { status: 200 } });
      } else if (route.path === '/api/v1/login') {
        await check(`matrix: anonymous ${label}`, {
          method: 'POST', path: route.path, body: { user: 'matrix-probe', password: 'not-the-password' },
          expect: { status: 401 },
        });
      } else {
        failed++;
        failures.push(`matrix: no probe for public route ${label}`);
      }
      continue;
    }
    if (route.auth === 'signed_in') {
      // a read every signed-in role may make (/me, /directory); a write
      // (logout) with an empty body is refused as bad input
      const isRead = route.method === 'GET';
      const isMe = route.path === '/api/v1/me';
      for (const role of roles) {
        await check(`matrix: ${role} ${label}`, {
          as: role, method: route.method, path: route.path, body: isRead ? undefined : {},
          expect: isMe ? { status: 200, json: { 'principal.role': role } } : isRead ? { status: 200 } : { status: 400 },
        });
      }
      await check(`matrix: anonymous ${label}`, {
        method: route.method, path: route.path, body: isRead ? undefined : {}, expect: { status: 401 },
      });
      continue;
    }
    if (caseProbe(route, 'mcs')) {
      await runCaseRoute(route, roles, scope);
      continue;
    }
    const perObject = route.path.includes('{');
    if (!probe(route, perObject ? 'none' : null)) {
      failed++;
      failures.push(`matrix: no probe for ${label} (add one to run.mjs)`);
      console.log(`not ok - matrix: no probe for ${label}`);
      continue;
    }
    for (const role of roles) {
      const have = RANK[scope[`${role} ${route.action}`]];
      // own: assigned to the caller; peer: to another user of the caller's
      // organisation; other: to a user of another organisation; none: nobody
      const objects = perObject ? [['own', 1], ['peer', 2], ['other', 3], ['none', 3]] : [[null, 1]];
      for (const [obj, need] of objects) {
        const key = obj === 'own' ? `own_${role}` : obj;
        const p = probe(route, key);
        const allowed = have >= need;
        const want = allowed ? p.ok : 403;
        const c = {
          as: role, method: route.method, path: p.path, body: p.body, headers: p.headers,
          expect: { status: want },
        };
        if (allowed && route.path === '/api/v1/alerts') {
          // a listing holds only what the scope reaches
          const orgUsers = Object.entries(FIX.users)
            .filter(([, u]) => u.org === FIX.users[role].org).map(([n]) => n);
          c.expect.check = (res, json) => {
            const bad = (json.items || []).filter((it) => (have === RANK.own
              ? (it.assignee || '').toLowerCase() !== role
              : have === RANK.org ? !orgUsers.includes((it.assignee || '').toLowerCase()) : false));
            if (json.items.length === 0) return 'the listing is empty';
            return bad.length ? `${bad.length} items outside the ${role}'s scope` : true;
          };
        }
        await check(`matrix: ${role} ${label}${obj ? ` (${obj})` : ''} -> ${want}`, c);
      }
    }
    const p = probe(route, perObject ? 'none' : null);
    await check(`matrix: anonymous ${label} -> 401`, {
      method: route.method, path: p.path, body: p.body, headers: p.headers, expect: { status: 401 },
    });
  }
}

// ---- main ------------------------------------------------------------------

try {
  await runFiles();
  if (!noMatrix) await runMatrix();
} catch (err) {
  failed++;
  failures.push(`runner: ${err.stack || err.message}`);
}
if (failures.length) {
  console.log('\nfailures:');
  for (const f of failures) console.log(`  ${f}`);
}
console.log(`\nhttp: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
