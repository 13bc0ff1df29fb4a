// The frontline screening questionnaire in a real browser, on a phone-sized
// screen, its words from the UI's catalogues: a case worker of MCS ("cw")
// switches the UI to Russian and screens a person, sees the
// recommendation and the ILO indicators in Russian, and opens a
// presumed-victim NRM case with the answers attached; in Armenian, a
// screening with nothing answered yes is "information only" and is filed as
// a report; an inspector ("insp"), who may not open cases, is offered a
// report only. Every wait is bounded (60 s) and says what it waited for.
// Started by tests/e2e/browser.sh; screenshots go to $TW_ARTIFACTS.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { launch, close, newPage, shot, signIn, ready, apiGet, FIXTURE } from './lib.mjs';

before(launch);
after(close);

const WAIT = 60000;
const PHONE = { width: 390, height: 844 };

async function phonePage(user) {
  const p = await newPage();
  p.context.setDefaultTimeout(WAIT);
  await p.page.setViewportSize(PHONE);
  await signIn(p.page, user);
  return p;
}

// The UI's language from the header's menu, then the questionnaire.
async function setLanguage(page, code, title) {
  await page.locator('#lang').selectOption(code);
  await page.waitForFunction((l) => document.documentElement.lang === l, code, { timeout: WAIT });
  await page.goto('/#/screening');
  await ready(page);
  await page.getByRole('heading', { level: 1, name: title }).waitFor({ timeout: WAIT });
}

// Answers every question: `yes` lists the ids answered yes, the rest no.
async function answer(page, yes) {
  const ids = await page.locator('fieldset.question').evaluateAll((fs) => fs.map((f) => f.dataset.q));
  assert.equal(ids.length, 16, 'sixteen questions');
  for (const id of ids) {
    await page.locator(`#q-${id}-${yes.includes(id) ? 'yes' : 'no'}`).check();
  }
}

function noSideScroll(page) {
  return page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
}

test('Russian: refer with consent opens an NRM case with the answers attached', async () => {
  const { page, done } = await phonePage('cw');
  await setLanguage(page, 'ru', 'Первичный скрининг');
  // the questions in Russian (the UI's catalogue), none left in English
  await page.getByText('Хранит ли кто-то другой ваш паспорт или удостоверение личности?').waitFor();
  assert.equal(await page.getByText('Does someone else keep your passport').count(), 0);
  assert.ok(await noSideScroll(page), 'the questionnaire fits a phone screen without sideways scrolling');
  // nothing answered: the page says how many are left
  await page.locator('#screening-assess').click();
  await page.getByText('Без ответа 16 вопросов.').waitFor();
  await answer(page, ['owes_recruiter', 'wages_withheld', 'housing']);
  await shot(page, 'screening-ru-answers');
  await page.locator('#screening-assess').click();
  const reco = page.locator('#screening-reco');
  await reco.waitFor();
  assert.equal(await reco.getAttribute('data-reco'), 'refer_with_consent');
  assert.match(await reco.textContent(), /Направить с согласия человека/);
  const ilo = await page.locator('#screening-ilo li').allTextContents();
  assert.deepEqual(ilo.sort(), ['Долговая кабала', 'Недопустимые условия труда и проживания',
    'Удержание заработной платы'].sort());
  // the dry run recorded nothing: no case yet
  const before = (await apiGet(page, '/cases?limit=500')).body;
  // a case needs consent: refused without it, in the page's words plus the server's reason
  await page.locator('#act-case').check();
  await page.locator('#screening-submit').click();
  await page.locator('#screening-decide [role=alert]').waitFor();
  assert.match(await page.locator('#screening-decide [role=alert]').textContent(), /Скрининг не сохранён/);
  await page.locator('#screening-consent').check();
  await page.locator('#p-name').fill('Dilnoza Karimova');
  await page.locator('#p-sex').selectOption('F');
  await page.locator('#p-citizenship').fill('uzb');
  await shot(page, 'screening-ru-result');
  await page.locator('#screening-submit').click();
  const doneText = page.locator('#screening-done-text');
  await doneText.waitFor();
  const m = (await doneText.textContent()).match(/Открыто дело НМП (\d+)/);
  assert.ok(m, `the page says a case was opened: ${await doneText.textContent()}`);
  const id = Number(m[1]);
  const after = (await apiGet(page, '/cases?limit=500')).body;
  assert.equal(after.items.length, before.items.length + 1, 'exactly one case more');
  const c = (await apiGet(page, `/cases/${id}`)).body;
  assert.equal(c.stage, 'presumed_victim');
  assert.equal(c.name, 'Dilnoza Karimova');
  assert.equal(c.sex, 'Female');
  assert.equal(c.citizenship, 'UZB');
  assert.deepEqual(c.means_of_control, ['DebtBondage', 'TakesEarnings', 'WithholdsNecessities']);
  assert.equal(c.attachments.length, 1);
  assert.equal(c.attachments[0].name, 'screening.json');
  // the attachment holds the answers as given
  const att = await page.evaluate(async (u) => (await fetch(u)).json(), `/api/v1/attachments/${c.attachments[0].id}`);
  assert.equal(att.answers.owes_recruiter, 'yes');
  assert.equal(att.answers.violence, 'no');
  assert.equal(att.language, 'ru');
  assert.equal(att.recommendation, 'refer_with_consent');
  // the case page opens from the result
  await page.locator('#screening-open-case').click();
  await ready(page);
  assert.equal(new URL(page.url()).hash, `#/cases/${id}`);
  await page.getByText('Dilnoza Karimova').first().waitFor();
  await done();
});

test('Armenian: nothing answered yes is information only, filed as a report', async () => {
  const { page, done } = await phonePage('cw');
  await setLanguage(page, 'hy', 'Առաջնային զննում');
  await answer(page, []);
  await page.locator('#screening-assess').click();
  const reco = page.locator('#screening-reco');
  await reco.waitFor();
  assert.equal(await reco.getAttribute('data-reco'), 'information_only');
  assert.match(await reco.textContent(), /Միայն տեղեկատվություն/);
  await page.getByText('Պատասխաններում հարկադիր աշխատանքի նշաններ չկան։').waitFor();
  await page.locator('#act-report').check();
  await page.locator('#p-tin').fill('12345678');
  await page.locator('#p-place').fill('Yerevan, Komitas 10');
  await shot(page, 'screening-hy-result');
  await page.locator('#screening-submit').click();
  const doneText = page.locator('#screening-done-text');
  await doneText.waitFor();
  const m = (await doneText.textContent()).match(/Հաղորդում (SCR-\d{8}-\d+-\d{6})/);
  assert.ok(m, `the page names the report: ${await doneText.textContent()}`);
  const row = execFileSync('sqlite3', ['-batch', '-noheader', FIXTURE.vars.db,
    `SELECT channel || '|' || category || '|' || employer_tin || '|' || address FROM report_current WHERE row_key = '${m[1]}'`],
  { encoding: 'utf8' }).trim();
  assert.equal(row, 'ngo|other|12345678|Yerevan, Komitas 10');
  assert.ok(await noSideScroll(page));
  await done();
});

test('an inspector is offered a report, not a case', async () => {
  const { page, done } = await phonePage('insp');
  await setLanguage(page, 'en', 'Frontline screening');
  await answer(page, ['violence']);
  await page.locator('#screening-assess').click();
  const reco = page.locator('#screening-reco');
  await reco.waitFor();
  assert.equal(await reco.getAttribute('data-reco'), 'refer_now');
  assert.equal(await page.locator('#act-case').count(), 0, 'no case choice for a role without case.write');
  assert.ok(await page.locator('#act-report').isChecked(), 'the report is the default for refer now');
  await page.locator('#screening-submit').click();
  await page.locator('#screening-done-text').waitFor();
  assert.match(await page.locator('#screening-done-text').textContent(), /Report SCR-.* was filed/);
  await shot(page, 'screening-en-inspector');
  await done();
});
