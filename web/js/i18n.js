// i18n.js - the words of the UI in the user's language.
//
// The sentences live in catalogues a translator edits without touching
// code: web/i18n/hy.json (Armenian, the default), ru.json and en.json, one
// flat object of key -> sentence. A sentence names its parameters in
// braces ("Alert {id} moved to {status}."); a sentence that depends on a
// count is an object of plural forms ({"one": ..., "few": ..., "many": ...,
// "other": ...}, the forms of Intl.PluralRules for the language) chosen by
// the parameter `n` (an optional "zero" form is used for 0). tests/browser/i18n-keys.mjs fails when a key is
// missing from one catalogue or the code uses a key no catalogue has.
//
// The choice of language is remembered in the browser (localStorage) and
// nowhere else; dates and times are shown in Armenia's time zone
// (Asia/Yerevan, UTC+4 all year), whatever the machine's zone.

export const LANGS = ['hy', 'ru', 'en'];
export const DEFAULT_LANG = 'hy';
export const TIME_ZONE = 'Asia/Yerevan';
const STORE_KEY = 'tipwatch.lang';

let lang = DEFAULT_LANG;
let cat = {};
let plural = new Intl.PluralRules(DEFAULT_LANG);
const missing = new Set();

function stored() {
  try {
    const v = window.localStorage.getItem(STORE_KEY);
    return LANGS.includes(v) ? v : null;
  } catch (_) {
    return null;
  }
}

// The language to use: the user's remembered choice, else Armenian.
export function chosenLang() {
  return stored() || DEFAULT_LANG;
}

export function currentLang() {
  return lang;
}

// Loads the catalogue of `code` (default: the remembered choice) and makes
// it the current one; remembers an explicit choice.
export async function setLang(code, remember = false) {
  const want = LANGS.includes(code) ? code : chosenLang();
  const res = await fetch(`i18n/${want}.json`, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
  if (!res.ok) throw new Error(`i18n/${want}.json: HTTP ${res.status}`);
  cat = await res.json();
  lang = want;
  plural = new Intl.PluralRules(want);
  document.documentElement.lang = want;
  if (remember) {
    try {
      window.localStorage.setItem(STORE_KEY, want);
    } catch (_) { /* private mode: the choice lasts this page only */ }
  }
  return want;
}

function fill(s, params) {
  if (!params) return s;
  return s.replace(/\{([a-z_][a-z0-9_]*)\}/gi, (all, name) => (name in params && params[name] !== undefined && params[name] !== null
    ? String(params[name]) : all));
}

function pick(entry, params) {
  if (typeof entry === 'string') return entry;
  if (entry && typeof entry === 'object') {
    const n = params && typeof params.n === 'number' ? params.n : 0;
    if (n === 0 && entry.zero !== undefined) return entry.zero;
    return entry[plural.select(n)] ?? entry.other ?? '';
  }
  return null;
}

// t('queue.selected', {n: 3}) -> the sentence with its parameters filled.
// A key the catalogue lacks shows as itself (and is reported once on the
// console): never an empty screen, and the key test catches it first.
export function t(key, params) {
  const s = pick(cat[key], params);
  if (s === null) {
    if (!missing.has(key)) {
      missing.add(key);
      console.warn(`i18n: no "${key}" in ${lang}.json`);
    }
    return key;
  }
  return fill(s, params);
}

// Whether the catalogue has a key (for codes the API may grow).
export function has(key) {
  return Object.prototype.hasOwnProperty.call(cat, key);
}

// The same sentence as a list of strings and nodes, for sentences with a
// link or an emphasis inside: tn('casenew.from_alert', {alert: linkNode}).
export function tn(key, params) {
  const s = pick(cat[key], params);
  if (s === null) return [t(key, params)];
  const out = [];
  let last = 0;
  const re = /\{([a-z_][a-z0-9_]*)\}/gi;
  let m;
  while ((m = re.exec(s))) {
    if (m.index > last) out.push(s.slice(last, m.index));
    const v = params ? params[m[1]] : undefined;
    out.push(v === undefined || v === null ? m[0] : v);
    last = re.lastIndex;
  }
  if (last < s.length) out.push(s.slice(last));
  return out;
}

// A code of the API in words: label('indicator', 'never_entered') is
// t('indicator.never_entered') when the catalogue has it, else the code
// made readable (the API may grow codes before the catalogues learn them).
export function label(family, code) {
  if (code === null || code === undefined || code === '') return '';
  const key = `${family}.${code}`;
  if (has(key)) return t(key);
  const s = String(code).replace(/_/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

const LOCALES = { hy: 'hy-AM', ru: 'ru-RU', en: 'en-GB' };
export function locale() {
  return LOCALES[lang] || 'en-GB';
}

export function fmtNumber(n, digits = 2, minDigits = 0) {
  if (typeof n !== 'number') return String(n ?? '–');
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: digits, minimumFractionDigits: minDigits }).format(n);
}

// Lower case in the current language (a label in the middle of a sentence).
export function lower(s) {
  return String(s ?? '').toLocaleLowerCase(locale());
}

// The parts of an instant in Armenia's time zone.
function yerevanParts(d) {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(d);
  const o = {};
  for (const p of parts) o[p.type] = p.value;
  return o;
}

// "2026-11-23T19:07:20Z" -> "2026-11-23 23:07" (Yerevan time); a date
// without a time stays as it is (a calendar day has no zone).
export function fmtTime(s) {
  if (!s) return '–';
  const str = String(s);
  if (/^\d{4}-\d{2}-\d{2}$/.test(str)) return str;
  const iso = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}/.test(str) && !/[zZ+]/.test(str.slice(10)) ? str.replace(' ', 'T') + 'Z' : str;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return str;
  const p = yerevanParts(d);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

// Today's calendar day in Armenia (YYYY-MM-DD), as the server counts days.
export function todayYerevan(offsetDays = 0) {
  const p = yerevanParts(new Date(Date.now() + offsetDays * 86400000));
  return `${p.year}-${p.month}-${p.day}`;
}

// An error of the API (api.js ApiError: status, code, params) as a
// sentence in the user's language. The server's own message is for the
// log and the command line; the screen shows the catalogue's sentence for
// the stable code (error.CODE, or error.CODE.REASON when the answer names a
// reason), with the field named in words when the answer names one.
export function errorText(err) {
  if (!err) return '';
  const code = err.code || `http_${err.status || 0}`;
  const p = { ...(err.params || {}) };
  if (p.field) p.field = has(`field.${p.field}`) ? t(`field.${p.field}`) : String(p.field).replace(/_/g, ' ');
  if (p.reason && has(`error.${code}.${p.reason}`)) return t(`error.${code}.${p.reason}`, p);
  if (p.field && has(`error.${code}.field`)) return t(`error.${code}.field`, p);
  if (has(`error.${code}`)) return t(`error.${code}`, p);
  if (err.status >= 500) return t('error.internal');
  if (err.status === 404) return t('error.not_found');
  if (err.status === 403) return t('error.forbidden');
  if (err.status === 409) return t('error.conflict');
  return t('error.bad_input');
}
