// The Statistics page in a real browser: a case worker opens six NRM cases
// (one with a suspected offender) through the API, then the statistician
// reads SDG 16.2.2 (the server was started with the example population
// table), GLOTIP victims and suspected offenders: every row the API gives is
// on the page, cells of 1 to 4 read "suppressed" and never show a number,
// the year filter narrows the tables and a year with nothing says so; the
// page speaks Russian and Armenian from the catalogues. A case worker, who
// also holds stats.read, finds it in the navigation too.
// Started by tests/e2e/browser.sh; screenshots go to $TW_ARTIFACTS.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, close, newPage, shot, signIn, ready, apiGet } from './lib.mjs';
import { tr, signInAs, englishLeft } from './pilot-lib.mjs';

before(launch);
after(close);

// writes through the signed-in page's session (its CSRF token from /me)
async function apiPost(page, p, body) {
  return page.evaluate(async ([url, b]) => {
    const me = await (await fetch('/api/v1/me')).json();
    const r = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token }, body: JSON.stringify(b) });
    return { status: r.status, body: await r.json() };
  }, [`/api/v1${p}`, body]);
}

async function tableTexts(page, id) {
  return page.locator(`#stat-${id} table tbody tr`).evaluateAll((rows) => rows.map((r) => [...r.children].map((c) => c.textContent.trim())));
}

test('the case worker records cases and a suspected offender', async () => {
  const { page, done } = await newPage();
  await signIn(page, 'cw');
  for (let i = 0; i < 6; i++) {
    const r = await apiPost(page, '/cases', { worker_key: `UZB:STAT${i}`, sex: i < 3 ? 'Female' : 'Male', age_group: '24--26', citizenship: 'UZB', exploitation: ['ForcedLabour'], duplicate_reason: 'browser test' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    if (i === 0) {
      const o = await apiPost(page, `/cases/${r.body.id}/offenders`, { sex: 'Male', age_group: '39--47', citizenship: 'ARM' });
      assert.equal(o.status, 201, JSON.stringify(o.body));
    }
  }
  await page.getByRole('link', { name: 'Statistics' }).waitFor();
  await done();
});

test('the Statistics page shows SDG 16.2.2 and the GLOTIP tables with suppression', async () => {
  const { page, done } = await newPage();
  await signIn(page, 'stat');
  await page.getByRole('link', { name: 'Statistics' }).click();
  await page.getByRole('heading', { name: 'National statistics of trafficking' }).waitFor();
  await ready(page);
  await page.locator('#stat-offenders').waitFor();
  const sdg = await apiGet(page, '/stats/sdg');
  assert.equal(sdg.status, 200, 'the server has its population table');
  assert.equal(await page.locator('#sdg-no-population').count(), 0);
  if (sdg.body.rows.length) assert.equal((await tableTexts(page, 'sdg')).length, sdg.body.rows.length);
  else await page.locator('#stat-sdg .empty').waitFor();
  for (const [id, col] of [['victims', 'victims'], ['offenders', 'offenders']]) {
    const api = (await apiGet(page, `/stats/glotip?table=${id}`)).body;
    assert.ok(api.rows.length > 0, `${id}: the cases of the test above are counted`);
    const rows = await tableTexts(page, id);
    assert.equal(rows.length, api.rows.length, `${id}: one row on the page per row of the API`);
    const iN = api.columns.indexOf(col);
    const iNote = api.columns.indexOf('note');
    const shown = rows.map((r) => r[3]).sort();
    const want = api.rows.map((r) => (r[iNote] === 'suppressed' ? 'suppressed' : r[iN].toLocaleString('en-GB'))).sort();
    assert.deepEqual(shown, want, `${id}: the page's counts are the API's, suppressed where it says`);
    assert.equal(rows[0][1], 'Total', `${id}: the total comes first`);
    // no count from 1 to 4 is shown anywhere
    for (const r of rows) assert.ok(!/^[1-4]$/.test(r[3]), `${id}: a small count is shown: ${r}`);
  }
  const victims = await tableTexts(page, 'victims');
  assert.ok(victims.some((r) => r[1] === 'Total' && r[2] === 'All' && Number(r[3].replace(/,/g, '')) >= 6), 'six cases at least this year');
  assert.ok((await tableTexts(page, 'offenders')).some((r) => r[3] === 'suppressed'), 'one offender: suppressed');
  await shot(page, '62-statistics');

  // a year with nothing: each table says so in words
  await page.getByLabel('Year').fill('1990');
  await page.getByRole('button', { name: 'Show' }).click();
  await page.locator('#stat-victims .empty').waitFor();
  await page.locator('#stat-offenders .empty').waitFor();
  assert.equal(await page.locator('main [role=alert]').count(), 0);
  await done();
});

test('the Statistics page speaks Russian and Armenian from the catalogues', async () => {
  for (const lang of ['ru', 'hy']) {
    const { page, done } = await newPage({ lang });
    await signInAs(page, 'stat', lang);
    await page.getByRole('link', { name: tr(lang, 'nav.statistics') }).click();
    await page.getByRole('heading', { name: tr(lang, 'stat.title') }).waitFor();
    await ready(page);
    await page.locator('#stat-offenders table').waitFor();
    const text = await page.locator('main').textContent();
    assert.doesNotMatch(text, /stat\.[a-z_]+/, 'no key shows instead of a sentence');
    assert.ok(text.includes(tr(lang, 'stat.suppressed')), 'suppressed in the language');
    assert.deepEqual(englishLeft(text, lang), [], `no English sentence left in ${lang}`);
    await shot(page, `63-statistics-${lang}`);
    await done();
  }
});
