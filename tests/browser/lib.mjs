// Helpers of the browser tests: Debian's chromium driven by playwright-core
// (a devDependency pinned in web/package-lock.json, so it is resolved from
// web/node_modules). tests/e2e/browser.sh starts the server and sets:
//   TW_BASE_URL   http://127.0.0.1:PORT of `tipwatch serve`
//   TW_FIXTURE    JSON: {users: {name: {password, role}}, vars: {...}}
//   TW_ARTIFACTS  directory for screenshots
//   TW_CHROMIUM   the browser (default /usr/bin/chromium)
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';

const require = createRequire(new URL('../../web/package.json', import.meta.url));
const { chromium } = require('playwright-core');

export const BASE = process.env.TW_BASE_URL;
export const ARTIFACTS = process.env.TW_ARTIFACTS || path.resolve('artifacts');
export const FIXTURE = JSON.parse(fs.readFileSync(process.env.TW_FIXTURE, 'utf8'));
if (!BASE) throw new Error('TW_BASE_URL is not set: run tests/e2e/browser.sh');

let browser = null;

// The deadline of every wait of the browser tests, in ms.
export const WAIT_MS = Number(process.env.TW_BROWSER_TIMEOUT || 90000);

// Runs fn (a wait); when it times out, fails saying what it waited for and
// what the page showed at that moment.
export async function within(page, what, fn) {
  try {
    return await fn();
  } catch (err) {
    if (!/Timeout|timeout/.test(String(err && err.message))) throw err;
    const status = await page.locator('#flash').textContent({ timeout: 1000 }).catch(() => '?');
    const heading = await page.locator('main h1').first().textContent({ timeout: 1000 }).catch(() => '?');
    throw new Error(`waited ${WAIT_MS / 1000} s for ${what}; the page at ${page.url()} shows the heading "${(heading || '').trim()}" and the status line "${(status || '').trim()}"`);
  }
}

export async function launch() {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const args = ['--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'];
  // chromium refuses to run as root with its sandbox on
  if (process.getuid && process.getuid() === 0) args.push('--no-sandbox');
  browser = await chromium.launch({ executablePath: process.env.TW_CHROMIUM || '/usr/bin/chromium', headless: true, args });
  return browser;
}

export async function close() {
  if (browser) await browser.close();
  browser = null;
}

// A fresh browser context (its own cookies) at the laptop size the UI is
// made for, with a page that records script errors and Content-Security-
// Policy refusals; done() asserts there were none.
// opts.lang: the UI's language ('en' unless said: the older scenarios
// read English words; null leaves the browser with no choice remembered,
// as a first visit, which is Armenian).
export async function newPage(opts = {}) {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, baseURL: BASE });
  const lang = opts.lang === undefined ? 'en' : opts.lang;
  if (lang) await context.addInitScript((l) => window.localStorage.setItem('tipwatch.lang', l), lang);
  // every wait has a deadline (a missing message fails, naming what was
  // awaited, instead of hanging until ctest's timeout); generous, so that a
  // loaded machine is not a failure; TW_BROWSER_TIMEOUT=MS changes it
  context.setDefaultTimeout(WAIT_MS);
  context.setDefaultNavigationTimeout(WAIT_MS);
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (err) => problems.push(`script error: ${err.message}`));
  page.on('console', (msg) => {
    const text = msg.text();
    if (msg.type() === 'error' && /Content Security Policy|Refused to/i.test(text)) problems.push(`CSP: ${text}`);
  });
  page.on('requestfailed', (req) => {
    if (!req.url().startsWith(BASE)) problems.push(`request outside the server: ${req.url()}`);
  });
  page.on('request', (req) => {
    const u = req.url();
    if (!u.startsWith(BASE) && !u.startsWith('data:') && !u.startsWith('blob:')) problems.push(`request outside the server: ${u}`);
  });
  return {
    page,
    context,
    async done() {
      await context.close();
      assert.deepEqual(problems, [], 'the page had script errors, CSP refusals or outside requests');
    },
  };
}

export async function shot(page, name) {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: false });
}

// Waits until the page for the current address has been drawn with its
// data (app.js sets main[data-ready] to the address it drew).
export async function ready(page) {
  await within(page, 'the page to be drawn with its data', () =>
    page.waitForFunction(() => document.getElementById('main').dataset.ready === location.hash));
}

export async function signIn(page, user) {
  const u = FIXTURE.users[user];
  await page.goto('/');
  await page.getByRole('heading', { name: 'Sign in to tipwatch' }).waitFor();
  await page.getByLabel('User name').fill(user);
  await page.getByLabel('Password').fill(u.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  await ready(page);
}

// 1 when some pixel of a canvas is not fully transparent.
export async function canvasDrawn(locator) {
  return locator.evaluate((c) => {
    const ctx = c.getContext('2d');
    if (!ctx || !c.width || !c.height) return false;
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) return true;
    return false;
  });
}

// The queue's rows as {id, level, status, assignee}.
export async function queueRows(page) {
  return page.locator('#queue-table tbody tr').evaluateAll((rows) => rows.map((r) => {
    const cells = [...r.querySelectorAll('td')];
    const level = r.querySelector('.badge[class*="level-"]');
    const status = r.querySelector('.badge[class*="status-"]');
    return {
      id: Number(r.dataset.id),
      level: level ? level.textContent.trim().toLowerCase() : null,
      status: status ? status.textContent.trim() : null,
      cells: cells.map((c) => c.textContent.trim()),
    };
  }));
}

// The server's JSON for a path, as a signed-in page sees it.
export async function apiGet(page, p) {
  return page.evaluate(async (url) => {
    const r = await fetch(url, { headers: { Accept: 'application/json' } });
    return { status: r.status, body: await r.json() };
  }, `/api/v1${p}`);
}
