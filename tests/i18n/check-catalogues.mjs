// The web UI's translation catalogues (web/i18n/*.json) against each other
// and against the code (web/js/**/*.js). Fails, naming the key and the
// file, when:
//   - a catalogue lacks a key another catalogue has;
//   - the code uses a key (a string literal 'family.name' whose family is a
//     catalogue family, as t('queue.title') or t(done ? 'a.b' : 'a.c'))
//     that no catalogue has;
//   - a sentence is empty or still the English one in hy/ru where the
//     English is a sentence of words (a forgotten translation);
//   - a translation names a {parameter} the English sentence does not;
//   - a plural sentence lacks a form its language needs (Intl.PluralRules).
// Run: node tests/i18n/check-catalogues.mjs [web-dir]
import fs from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';

const WEB = path.resolve(process.argv[2] || new URL('../../web', import.meta.url).pathname);
const LANGS = ['hy', 'ru', 'en'];
const problems = [];

const cats = {};
for (const l of LANGS) {
  const p = path.join(WEB, 'i18n', `${l}.json`);
  try {
    cats[l] = JSON.parse(fs.readFileSync(p, 'utf8'));
  } catch (err) {
    problems.push(`${p}: cannot be read as JSON: ${err.message}`);
    cats[l] = {};
  }
}

const allKeys = new Set(LANGS.flatMap((l) => Object.keys(cats[l])));
for (const l of LANGS) {
  for (const k of allKeys) {
    if (!(k in cats[l])) problems.push(`web/i18n/${l}.json: no key "${k}"`);
  }
}

const params = (v) => {
  const texts = typeof v === 'string' ? [v] : Object.values(v || {});
  const set = new Set();
  for (const s of texts) for (const m of String(s).matchAll(/\{([a-z_][a-z0-9_]*)\}/gi)) set.add(m[1]);
  return [...set].filter((p) => p !== 'n').sort().join(',');
};

for (const k of allKeys) {
  const en = cats.en[k];
  for (const l of LANGS) {
    const v = cats[l][k];
    if (v === undefined) continue;
    if (typeof v === 'string') {
      if (!v.trim()) problems.push(`web/i18n/${l}.json: "${k}" is empty`);
    } else if (v && typeof v === 'object') {
      const rules = new Intl.PluralRules(l).resolvedOptions().pluralCategories;
      for (const form of rules) {
        if (!(form in v)) problems.push(`web/i18n/${l}.json: "${k}" lacks the plural form "${form}"`);
      }
    } else {
      problems.push(`web/i18n/${l}.json: "${k}" is neither a sentence nor plural forms`);
    }
    // a translation may leave a parameter out, never name one the code
    // does not give (en.json names them all)
    if (en !== undefined) {
      const known = new Set(params(en).split(','));
      const extra = params(v).split(',').filter((p) => p && !known.has(p));
      if (extra.length) problems.push(`web/i18n/${l}.json: "${k}" names {${extra.join(',')}}, which en.json does not`);
    }
    // a forgotten translation: the English sentence copied as it is
    if (l !== 'en' && typeof v === 'string' && typeof en === 'string' && v === en && /[a-z]{3,} [a-z]{3,}/.test(en)) {
      problems.push(`web/i18n/${l}.json: "${k}" is still the English sentence "${en}"`);
    }
  }
}

// keys the code uses
const families = new Set([...allKeys].map((k) => k.split('.')[0]));
function walk(dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else if (e.name.endsWith('.js')) out.push(p);
  }
  return out;
}
let used = 0;
for (const file of walk(path.join(WEB, 'js'))) {
  const src = fs.readFileSync(file, 'utf8');
  for (const m of src.matchAll(/'([a-z_]+)\.([A-Za-z0-9_.+\-/]+)'/g)) {
    if (!families.has(m[1])) continue;
    // permissions ('alert.read') are the API's, not sentences
    if (/(?:can|scope)\(\s*$|needs:\s*$/.test(src.slice(Math.max(0, m.index - 12), m.index))) continue;
    const key = `${m[1]}.${m[2]}`;
    used++;
    if (!allKeys.has(key)) {
      const line = src.slice(0, m.index).split('\n').length;
      problems.push(`${path.relative(WEB, file)}:${line}: uses "${key}", which no catalogue has`);
    }
  }
  // t(`family.${x}`) with a family no catalogue has
  for (const m of src.matchAll(/\b(?:t|tn|has)\(`([a-z_]+)\.\$\{/g)) {
    if (!families.has(m[1])) problems.push(`${path.relative(WEB, file)}: builds keys of the family "${m[1]}", which no catalogue has`);
  }
}
assert.ok(used > 100, `only ${used} keys found in web/js: is the scan broken?`);
if (problems.length) {
  console.error(problems.join('\n'));
  console.error(`${problems.length} problem(s) in the translation catalogues`);
  process.exit(1);
}
console.log(`i18n: ${allKeys.size} keys in ${LANGS.join(', ')}; ${used} uses in web/js; all present`);
