// Helpers of the language and pilot scenarios (i18n.test.mjs,
// pilot.test.mjs): the catalogues as the UI has them, signing in in a given
// language, and waits that each have a deadline and say what they waited
// for when it passes.
import fs from 'node:fs';
import assert from 'node:assert/strict';
import { FIXTURE } from './lib.mjs';

const WEB = new URL('../../web/', import.meta.url);
export const LANGS = ['hy', 'ru', 'en'];
export const CAT = Object.fromEntries(LANGS.map((l) => [l, JSON.parse(fs.readFileSync(new URL(`i18n/${l}.json`, WEB), 'utf8'))]));

// A deadline for one wait: generous (a slow machine is not a failure), but
// a wait never hangs the run.
export const WAIT_MS = Number(process.env.TW_BROWSER_WAIT || 60000);

// The catalogue's sentence, filled as i18n.js fills it.
export function tr(lang, key, params = {}) {
  let s = CAT[lang][key];
  assert.ok(s !== undefined, `${lang}.json has no ${key}`);
  if (typeof s === 'object') {
    const n = params.n ?? 0;
    s = n === 0 && s.zero !== undefined ? s.zero : s[new Intl.PluralRules(lang).select(n)] ?? s.other;
  }
  return s.replace(/\{([a-z_][a-z0-9_]*)\}/gi, (all, k) => (k in params ? String(params[k]) : all));
}

// Waits for a locator to be visible, failing with `what` after WAIT_MS.
export async function see(locator, what, state = 'visible') {
  try {
    await locator.first().waitFor({ state, timeout: WAIT_MS });
  } catch (err) {
    throw new Error(`waited ${WAIT_MS} ms for ${what}: ${err.message.split('\n')[0]}`);
  }
  return locator.first();
}

// Waits until the page for the current address has been drawn (app.js sets
// main[data-ready]).
export async function drawn(page, what = 'the page to be drawn') {
  try {
    await page.waitForFunction(() => document.getElementById('main').dataset.ready === location.hash, null, { timeout: WAIT_MS });
  } catch (err) {
    throw new Error(`waited ${WAIT_MS} ms for ${what} (${page.url()}): ${err.message.split('\n')[0]}`);
  }
}

export async function signInAs(page, user, lang) {
  const u = FIXTURE.users[user];
  await page.goto('/');
  await see(page.getByRole('heading', { name: tr(lang, 'login.title') }), `the sign-in page in ${lang}`);
  await page.getByLabel(tr(lang, 'field.user')).fill(user);
  await page.getByLabel(tr(lang, 'field.password')).fill(u.password);
  await page.getByRole('button', { name: tr(lang, 'login.sign_in') }).click();
  await see(page.getByRole('button', { name: tr(lang, 'app.sign_out') }), `${user} signed in (${lang})`);
  await drawn(page, `${user}'s start page`);
}

// The English sentences of the catalogue (long enough to be sentences, not
// names) that appear in a page in another language: each is a string the
// page forgot to translate.
export function englishLeft(text, lang) {
  if (lang === 'en') return [];
  const out = [];
  for (const [k, v] of Object.entries(CAT.en)) {
    for (const s of typeof v === 'string' ? [v] : Object.values(v)) {
      const fixed = s.split(/\{[a-z_]+\}/i).filter((p) => p.trim().length >= 14);
      for (const p of fixed) {
        if (CAT[lang][k] && JSON.stringify(CAT[lang][k]).includes(p)) continue;
        if (text.includes(p)) out.push(`${k}: "${p}"`);
      }
    }
  }
  return [...new Set(out)];
}

// An instant of the API (UTC) as the UI shows it: Yerevan time, UTC+4.
export function yerevan(iso) {
  const d = new Date(Date.parse(iso) + 4 * 3600 * 1000);
  return d.toISOString().slice(0, 16).replace('T', ' ');
}
