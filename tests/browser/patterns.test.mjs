// The Patterns page in a real browser, as the statistician: the tile map of
// the regions adds up to the applications the API counts, every chart is
// drawn with its numbers, a period with no data says so, a bad period is
// refused with the server's reason, and the printable report becomes a PDF
// through Chromium's print with the numbers of every chart in it.
// Started by tests/e2e/browser.sh; screenshots and the PDF go to $TW_ARTIFACTS.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { launch, close, newPage, shot, signIn, ready, apiGet, canvasDrawn, ARTIFACTS } from './lib.mjs';
import { tr, signInAs, englishLeft } from './pilot-lib.mjs';

before(launch);
after(close);

test('the Patterns page draws the registers\' patterns with the numbers behind them', async () => {
  const { page, done } = await newPage();
  await signIn(page, 'stat');
  await page.getByRole('link', { name: 'Patterns' }).click();
  await page.getByRole('heading', { name: 'Patterns of labour migration and recruitment' }).waitFor();
  await ready(page);
  await page.locator('#region-map').waitFor();
  const cor = (await apiGet(page, '/stats/patterns?table=corridors')).body;
  const iApps = cor.columns.indexOf('applications');
  const iRegion = cor.columns.indexOf('region');
  const yerevan = cor.rows.filter((r) => r[iRegion] === 'AM-ER').reduce((s, r) => s + r[iApps], 0);
  assert.ok(yerevan > 0, 'the synthetic register has applications in Yerevan');
  const tile = page.locator('#region-map rect[data-region="AM-ER"] title');
  assert.match(await tile.textContent(), new RegExp(`Yerevan.*: ${yerevan.toLocaleString('en-GB')}$`));
  // the numbers behind the map add up to every application
  await page.locator('#fig-map summary').click();
  const cells = await page.locator('#fig-map table tbody td').allTextContents();
  const total = cells.reduce((s, t) => s + Number(t.replace(/,/g, '')), 0);
  assert.equal(total, cor.rows.reduce((s, r) => s + r[iApps], 0));
  for (const id of ['corridors', 'flows', 'wages', 'recruitment']) {
    const c = page.locator(`#chart-${id}`);
    await c.waitFor();
    assert.ok(await canvasDrawn(c), `${id} is drawn`);
    assert.equal(await page.locator(`#fig-${id} details table`).count(), 1, `${id} has its numbers`);
  }
  assert.ok(await page.locator('#fig-trends table tbody tr').count() > 0, 'trends are ranked');
  assert.equal(await page.locator('#fig-quality table tbody tr').count(), 5, 'one row per register');
  await shot(page, '60-patterns');

  // the printable report: every chart's numbers are in the PDF's page
  await page.emulateMedia({ media: 'print' });
  await page.evaluate(() => window.dispatchEvent(new Event('beforeprint')));
  assert.equal(await page.locator('#patterns-out details:not([open])').count(), 0);
  const pdf = path.join(ARTIFACTS, '61-patterns-report.pdf');
  await page.pdf({ path: pdf, format: 'A4' });
  const bytes = fs.readFileSync(pdf);
  assert.equal(bytes.subarray(0, 5).toString(), '%PDF-');
  assert.ok(bytes.length > 20000, 'the report has its charts and tables');
  await page.evaluate(() => window.dispatchEvent(new Event('afterprint')));
  await page.emulateMedia({ media: 'screen' });

  // a period with no data: said in words, no error
  await page.getByLabel('From').fill('1990-01-01');
  await page.getByLabel('To').fill('1990-12-31');
  await page.getByRole('button', { name: 'Show' }).click();
  await page.locator('#patterns-empty').waitFor();
  assert.match(await page.locator('#patterns-period').textContent(), /1990-01-01 to 1990-12-31/);
  assert.equal(await page.locator('main [role=alert]').count(), 0);
  // a period that ends before it starts: the server's reason
  await page.getByLabel('From').fill('2025-01-01');
  await page.getByLabel('To').fill('2024-01-01');
  await page.getByRole('button', { name: 'Show' }).click();
  await page.locator('main [role=alert]').waitFor();
  assert.match(await page.locator('main [role=alert]').textContent(), /“From”/, 'the field the server refused, in words');
  await done();
});

test('the Patterns page speaks Russian and Armenian from the catalogues', async () => {
  for (const lang of ['ru', 'hy']) {
    const { page, done } = await newPage({ lang });
    await signInAs(page, 'stat', lang);
    await page.getByRole('link', { name: tr(lang, 'nav.patterns') }).click();
    await page.getByRole('heading', { name: tr(lang, 'pat.title') }).waitFor();
    await ready(page);
    await page.locator('#region-map').waitFor();
    const text = await page.locator('main').textContent();
    assert.doesNotMatch(text, /pat\.[a-z_]+/, 'no key shows instead of a sentence');
    assert.deepEqual(englishLeft(text, lang), [], `no English sentence left in ${lang}`);
    await done();
  }
});
