// The Statistics page in a real browser: a case worker opens six NRM cases
// through the API and records five suspected offenders on one of them
// through the case page's form (a code the server refuses is said in words
// and nothing is recorded; the list shows words, never codes); the GLOTIP
// offenders table then counts them. A case worker of another organisation,
// reached by an emergency referral, sees the list in Russian and no form,
// and the API refuses its write. Then the statistician reads SDG 16.2.2
// (the server was started with the example population table), GLOTIP
// victims and suspected offenders: every row the API gives is on the page,
// cells of 1 to 4 read "suppressed" and never show a number, the year
// filter narrows the tables and a year with nothing says so; the page
// speaks Russian and Armenian from the catalogues. A case worker, who also
// holds stats.read, finds it in the navigation too.
// Started by tests/e2e/browser.sh; screenshots go to $TW_ARTIFACTS.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, close, newPage, shot, signIn, ready, apiGet, within } from './lib.mjs';
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

let offenderCase = null; // the case whose offenders are recorded through the form

// Waits for the success message of a change and for the page drawn after
// it; an error shown instead fails at once with its text.
async function flashed(page, re) {
  const f = page.locator('.flash-ok', { hasText: re });
  const err = page.locator('main [role=alert]');
  await within(page, `a message like ${re}`, () => f.or(err).first().waitFor());
  if (!(await f.count())) assert.fail(`expected a message like ${re}, the page says: ${await err.first().textContent()}`);
  await ready(page);
  return f.textContent();
}

// The GLOTIP offenders' total of a year from the API: a number, 'suppressed'
// or null (no row: nothing recorded that year).
async function offendersTotal(page, year) {
  const r = await apiGet(page, `/stats/glotip?table=offenders&year=${year}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const col = (n) => r.body.columns.indexOf(n);
  const row = r.body.rows.find((x) => x[col('dimension')] === 'total');
  if (!row) return null;
  return row[col('note')] === 'suppressed' ? 'suppressed' : row[col('offenders')];
}

test('the case worker records cases and, through the case page, suspected offenders', async () => {
  const { page, done } = await newPage();
  await signIn(page, 'cw');
  for (let i = 0; i < 6; i++) {
    const r = await apiPost(page, '/cases', { worker_key: `UZB:STAT${i}`, sex: i < 3 ? 'Female' : 'Male', age_group: '24--26', citizenship: 'UZB', exploitation: ['ForcedLabour'], duplicate_reason: 'browser test' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    if (i === 0) offenderCase = r.body.id;
  }
  const year = new Date().getUTCFullYear();
  const before = await offendersTotal(page, year);

  await page.goto(`/#/cases/${offenderCase}`);
  await ready(page);
  const sec = page.locator('#offenders');
  await sec.getByRole('heading', { name: 'Suspected offenders' }).waitFor();
  assert.equal(await sec.locator('#no-offenders').textContent(), 'No suspected offender recorded.');
  const form = sec.locator('#offender-form');
  // the choices are the codes the server accepts, in words
  const sexes = await form.getByLabel('Sex').locator('option').evaluateAll((o) => o.map((x) => [x.value, x.textContent]));
  assert.deepEqual(sexes.map((x) => x[0]), ['', 'Male', 'Female', 'Transgender/NonConforming', 'Unknown']);
  assert.equal(sexes[0][1], 'Not recorded');
  assert.equal(await form.getByLabel('Age group').locator('option').count(), 10, 'not recorded and the nine CTDC age groups');
  assert.ok(await form.getByLabel('Citizenship').locator('option[value="ARM"]').count(), 'Armenia is offered');

  // a code the server refuses (a select tampered with): a sentence naming
  // the field, and nothing recorded
  await form.getByLabel('Citizenship').evaluate((sel) => {
    sel.appendChild(new Option('bad', 'XXQ'));
    sel.value = 'XXQ';
  });
  await form.getByRole('button', { name: 'Record the offender' }).click();
  const refused = form.locator('[role=alert]');
  await within(page, 'the refusal of a bad citizenship code', () => refused.waitFor());
  assert.equal(await refused.textContent(), 'The server did not accept the value of “Citizenship”. Check it and try again.');
  assert.equal((await apiGet(page, `/cases/${offenderCase}/offenders`)).body.offenders.length, 0, 'nothing recorded');

  // five offenders through the form: three men of 39 to 47 from Armenia,
  // a woman of 30 to 38 from Uzbekistan, one of whom nothing is known
  const want = [['Male', '39--47', 'ARM'], ['Male', '39--47', 'ARM'], ['Male', '39--47', 'ARM'], ['Female', '30--38', 'UZB'], ['', '', '']];
  const listed = page.locator('#offenders table.offenders tbody tr');
  for (const [i, [sex, age, cit]] of want.entries()) {
    const f = page.locator('#offender-form');
    await f.getByLabel('Sex').selectOption(sex);
    await f.getByLabel('Age group').selectOption(age);
    await f.getByLabel('Citizenship').selectOption(cit);
    await f.getByRole('button', { name: 'Record the offender' }).click();
    // the page drawn again with one more offender (or an error, said)
    const err = page.locator('main [role=alert]');
    await within(page, `offender ${i + 1} in the list`, () => listed.nth(i).or(err).first().waitFor());
    if (await err.count()) assert.fail(`offender ${i + 1}: the page says: ${await err.first().textContent()}`);
    await flashed(page, new RegExp(`Suspected offender \\d+ recorded on case ${offenderCase}`));
  }
  const api = (await apiGet(page, `/cases/${offenderCase}/offenders`)).body.offenders;
  assert.deepEqual(api.map((o) => [o.sex, o.age_group, o.citizenship]), want, 'the API has what the form sent');
  const rows = await page.locator('#offenders table.offenders tbody tr').evaluateAll((rs) => rs.map((r) => [...r.children].map((c) => c.textContent.trim())));
  assert.equal(rows.length, 5, 'each offender listed');
  assert.deepEqual(rows[0].slice(0, 3), ['Male', '39 to 47 years', 'Armenia (ARM)']);
  assert.deepEqual(rows[3].slice(0, 3), ['Female', '30 to 38 years', 'Uzbekistan (UZB)']);
  assert.deepEqual(rows[4].slice(0, 3), ['Not recorded', 'Not recorded', 'Not recorded']);
  for (const r of rows) assert.match(r[3], /by cw$/, 'when and by whom');
  assert.doesNotMatch(await page.locator('#offenders').textContent(), /39--47|30--38|Transgender\//, 'no code shown');
  assert.equal(await page.locator('.timeline .event-offender').count(), 5, 'each in the timeline');
  assert.match(await page.locator('.timeline .event-offender').first().textContent(), /Suspected offender \d+ recorded\./);
  await page.locator('#offenders').scrollIntoViewIfNeeded();
  await shot(page, '61-case-offenders');
  // the printable summary lists them too, in the same words
  await page.goto(`/#/cases/${offenderCase}/summary`);
  await ready(page);
  const printed = await page.locator('.case-summary table.offenders tbody tr').evaluateAll((rs) => rs.map((r) => [...r.children].map((c) => c.textContent.trim())));
  assert.deepEqual(printed, rows, 'the summary lists the same five offenders as the case page');

  // the GLOTIP table counts them in the year recorded
  const recYear = Number(api[0].recorded_at.slice(0, 4));
  const after = await offendersTotal(page, recYear);
  if (before === null && recYear === year) assert.equal(after, 5, 'the five offenders, and no others, this year');
  else assert.ok(typeof after === 'number' && after >= 5, `the year's total counts the five: ${after}`);

  // the NGO is given the case by an emergency referral
  const e = await apiPost(page, `/cases/${offenderCase}/emergency`, { to: 'NGO Hope', services: ['shelter'], reason: 'browser test: the offenders are known to her' });
  assert.equal(e.status, 201, JSON.stringify(e.body));
  await page.getByRole('link', { name: 'Statistics' }).waitFor();
  await done();
});

test('another organisation sees the offenders in its language and no form', async () => {
  const { page, done } = await newPage({ lang: 'ru' });
  await signInAs(page, 'ngo', 'ru');
  await page.goto(`/#/cases/${offenderCase}`);
  await ready(page);
  const sec = page.locator('#offenders');
  await sec.getByRole('heading', { name: tr('ru', 'case.offenders') }).waitFor();
  assert.equal(await sec.locator('#offender-form').count(), 0, 'no form for a receiver');
  assert.equal(await sec.locator('#offenders-owner-only').textContent(), tr('ru', 'case.offenders_owner_only'));
  const rows = await sec.locator('table.offenders tbody tr').evaluateAll((rs) => rs.map((r) => [...r.children].map((c) => c.textContent.trim())));
  assert.equal(rows.length, 5);
  assert.deepEqual(rows[0].slice(0, 2), [tr('ru', 'sex.Male'), tr('ru', 'age_group.39--47')]);
  assert.match(rows[0][2], /\(ARM\)$/);
  assert.doesNotMatch(await sec.textContent(), /Male|39--47|offender/, 'words of the catalogue, never a code or English');
  const w = await apiPost(page, `/cases/${offenderCase}/offenders`, { sex: 'Male' });
  assert.ok(w.status === 403 || w.status === 404, `the API refuses a receiver's write: ${w.status}`);
  assert.equal((await apiGet(page, `/cases/${offenderCase}/offenders`)).body.offenders.length, 5, 'nothing added');
  await sec.scrollIntoViewIfNeeded();
  await shot(page, '61-case-offenders-ngo-ru');
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
  const offenders = await tableTexts(page, 'offenders');
  assert.ok(offenders.some((r) => r[1] === 'Total' && r[2] === 'All' && Number(r[3].replace(/,/g, '')) >= 5), 'the five offenders recorded through the form');
  assert.ok(offenders.some((r) => r[3] === 'suppressed'), 'the smaller breakdowns of the offenders: suppressed');
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
