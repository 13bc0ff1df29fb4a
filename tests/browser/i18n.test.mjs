// The web UI in Armenian, Russian and English: the first visit is in
// Armenian, the choice of language is remembered, the sign-in, queue, alert
// and case pages speak the chosen language throughout (no English sentence
// of the catalogue left on an Armenian or Russian page), times are
// Yerevan's, and errors of the API reach the screen as sentences of the
// catalogue, never as the server's internal words. Started by
// tests/e2e/browser.sh after ui and cases.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, close, newPage, shot, apiGet, FIXTURE } from './lib.mjs';
import { LANGS, tr, see, drawn, signInAs, englishLeft, yerevan } from './pilot-lib.mjs';

before(launch);
after(close);
const V = FIXTURE.vars;

async function mainText(page) {
  return page.locator('main').innerText();
}

test('a first visit is in Armenian; the chosen language is remembered', async () => {
  const { page, context, done } = await newPage({ lang: null });
  await page.goto('/');
  await see(page.getByRole('heading', { name: tr('hy', 'login.title') }), 'the Armenian sign-in page');
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'hy');
  assert.equal(await page.locator('.skip-link').textContent(), tr('hy', 'app.skip'));
  assert.deepEqual(englishLeft(await page.locator('body').innerText(), 'hy'), [], 'no English sentence on the Armenian page');
  await shot(page, 'i18n-01-login-hy');
  // the choice, in the header, for everyone
  await page.getByLabel(tr('hy', 'app.language')).selectOption('ru');
  await see(page.getByRole('heading', { name: tr('ru', 'login.title') }), 'the sign-in page in Russian after the choice');
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'ru');
  // remembered: a new page of the same browser starts in Russian
  const again = await context.newPage();
  await again.goto('/');
  await see(again.getByRole('heading', { name: tr('ru', 'login.title') }), 'Russian remembered on the next visit');
  await again.close();
  await done();
});

for (const lang of LANGS) {
  test(`an analyst works in ${lang}: queue, alert, times in Yerevan`, async () => {
    const { page, done } = await newPage({ lang });
    await signInAs(page, 'ana', lang);
    await see(page.getByRole('heading', { name: tr(lang, 'queue.title'), level: 1 }), `the queue's heading in ${lang}`);
    await see(page.locator('#queue-table tbody tr'), 'the rows of the queue');
    assert.equal(await page.locator('nav').getByRole('link', { name: tr(lang, 'nav.alerts') }).count(), 1, 'the navigation in the language');
    assert.deepEqual(englishLeft(await mainText(page), lang), [], `no English sentence on the ${lang} queue`);
    // status badges and level words of the catalogue
    const first = (await apiGet(page, '/alerts?limit=1')).body.items[0];
    const row = page.locator(`#queue-table tbody tr[data-id="${first.id}"]`);
    assert.match(await row.innerText(), new RegExp(tr(lang, `status.${first.status}`)));
    await shot(page, `i18n-02-queue-${lang}`);

    await page.goto(`/#/alerts/${V.worker_alert}`);
    await drawn(page, `alert ${V.worker_alert}`);
    const a = (await apiGet(page, `/alerts/${V.worker_alert}`)).body;
    await see(page.getByRole('heading', { level: 2, name: tr(lang, 'alert.why') }), `"why this alert" in ${lang}`);
    const text = await mainText(page);
    assert.deepEqual(englishLeft(text, lang), [], `no English sentence on the ${lang} alert page`);
    // every indicator is named in the language
    for (const ind of a.evidence.indicators) {
      assert.ok(text.includes(tr(lang, `indicator.${ind.id}`)), `${ind.id} named in ${lang}`);
    }
    // "raised" in Yerevan's time, not UTC
    const raised = page.locator('.facts div', { has: page.locator('dt', { hasText: tr(lang, 'alert.fact_raised') }) }).locator('dd');
    assert.equal((await raised.textContent()).trim(), yerevan(a.created_at), 'the alert was raised at this Yerevan time');
    await shot(page, `i18n-03-alert-${lang}`);
    await done();
  });

  test(`a case worker opens and reads a case in ${lang}`, async () => {
    const { page, done } = await newPage({ lang });
    await signInAs(page, 'cw', lang);
    await page.goto('/#/cases/new');
    await drawn(page, 'the new-case form');
    await page.getByLabel(tr(lang, 'field.name'), { exact: true }).fill(`Test Person ${lang}`);
    await page.getByRole('button', { name: tr(lang, 'casenew.submit') }).click();
    await page.waitForURL(/#\/cases\/\d+$/, { timeout: 60000 });
    await drawn(page, 'the new case');
    const id = Number(/#\/cases\/(\d+)$/.exec(page.url())[1]);
    await see(page.getByRole('heading', { level: 1, name: new RegExp(tr(lang, 'case.title', { id })) }), `case ${id}'s heading in ${lang}`);
    const text = await mainText(page);
    assert.ok(text.includes(tr(lang, 'ev.opened', { stage: tr(lang, 'stage.presumed_victim') })), 'the timeline in the language');
    assert.ok(text.includes(tr(lang, 'stage.presumed_victim')));
    assert.deepEqual(englishLeft(text, lang), [], `no English sentence on the ${lang} case page`);
    const c = (await apiGet(page, `/cases/${id}`)).body;
    assert.ok(text.includes(yerevan(c.opened_at)), 'opened at, in Yerevan time');
    await shot(page, `i18n-04-case-${lang}`);
    await done();
  });
}

test('errors of the API reach the screen as sentences of the catalogue', async () => {
  for (const lang of ['ru', 'hy']) {
    const { page, done } = await newPage({ lang });
    await signInAs(page, 'cw', lang);
    // an alert outside the case worker's scope (no one has it): the server
    // says 403 with its internal words; the page says the catalogue's sentence
    const answer = await apiGet(page, `/alerts/${V.foreign_alert}`);
    assert.equal(answer.status, 403, 'the case worker may not read that alert');
    await page.goto(`/#/alerts/${V.foreign_alert}`);
    await drawn(page, 'the refused alert page');
    const box = await see(page.locator('main [role=alert]'), 'the error box');
    assert.equal((await box.textContent()).trim(), tr(lang, 'error.forbidden'));
    assert.doesNotMatch(await mainText(page), /alert\.read|assigned to|case_worker/, 'no internal words');

    // a service offered by an organisation that does not exist: the field
    // is named in the language, the server's words are not shown
    await page.goto('/#/cases');
    await drawn(page, 'the case list');
    await page.locator('a.case-link').first().click();
    await drawn(page, 'a case');
    // an organisation the list offered but the server no longer knows (a
    // page loaded before it was renamed)
    const provider = page.getByLabel(tr(lang, 'field.provider'));
    await provider.evaluate((s) => s.add(new Option('No Such Organisation', 'No Such Organisation')));
    await provider.selectOption('No Such Organisation');
    await page.getByRole('button', { name: tr(lang, 'case.offer') }).click();
    const err = await see(page.locator('#services [role=alert]'), 'the refusal of the unknown provider');
    assert.equal((await err.textContent()).trim(), tr(lang, 'error.bad_input.unknown_org', { field: tr(lang, 'field.provider') }));
    assert.doesNotMatch(await err.textContent(), /no organisation|field provider/);
    await shot(page, `i18n-05-error-${lang}`);
    await done();
  }
});
