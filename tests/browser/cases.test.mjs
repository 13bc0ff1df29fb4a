// The NRM case pages in a real browser, across two organisations: a case
// worker of MCS ("cw") opens a case from an escalated alert, records the
// person's consent and refers the case to a case worker of "NGO Hope"
// ("ngo") for shelter; the NGO accepts it from its inbox, marks the shelter
// delivered and the referral done; MCS moves the case through
// identification, assistance and reintegration to closed, and prints its
// summary. Also: a case that was not referred stays out of the NGO's reach
// (an address typed by hand), a withdrawn consent ends the NGO's access at
// once, a stale edit says "someone else changed this case" and keeps what
// was typed, an overdue case is listed first with its deadline.
// Started by tests/e2e/browser.sh (users, key file, the escalated alert in
// the fixture); screenshots go to $TW_ARTIFACTS.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { launch, close, newPage, shot, signIn, ready, apiGet, within, FIXTURE, ARTIFACTS } from './lib.mjs';

before(launch);
after(close);

const V = FIXTURE.vars;
const NAME = 'Lusine Hakobyan';
const NARRATIVE = 'Recruited by a friend for farm work; the employer kept her passport and her wages.';
const PURPOSE = 'Shelter placement in Yerevan';
const day = (offset) => new Date(Date.now() + offset * 86400000).toISOString().slice(0, 10);

let caseId = null;   // the case taken from presumed victim to closed
let workerKey = null;
let otherId = null;  // a case of MCS never referred

// Waits for the success message of a change and for the page drawn after
// it; an error shown instead fails at once with its text. (The banner of a
// stale version, #conflict, is not such an error: it stays until the page
// is drawn again after the next change.)
async function flashed(page, re) {
  const f = page.locator('.flash-ok', { hasText: re });
  const err = page.locator('main [role=alert]:not(#conflict)');
  await within(page, `a message like ${re}`, () => f.or(err).first().waitFor());
  if (!(await f.count())) assert.fail(`expected a message like ${re}, the page says: ${await err.first().textContent()}`);
  await ready(page);
  return f.textContent();
}

async function referral(page, id, to) {
  const c = (await apiGet(page, `/cases/${id}`)).body;
  return c.referrals.filter((r) => r.to === to).pop();
}

test('the UI has words for every code the server knows, and no others', async () => {
  const { page, done } = await newPage();
  await signIn(page, 'cw');
  const codes = (await apiGet(page, '/cases/codes')).body;
  // the UI's words, as the page's own module has them
  const words = await page.evaluate(async () => {
    const L = await import('/js/case-labels.js');
    const keys = (o) => Object.keys(o);
    return { stage: keys(L.STAGES), sex: keys(L.SEX), age_group: keys(L.AGE_GROUPS), exploitation: keys(L.EXPLOITATION),
      means_of_control: keys(L.MEANS_OF_CONTROL), recruiter: keys(L.RECRUITER), labour_sector: keys(L.LABOUR_SECTORS),
      service: keys(L.SERVICES), categories: keys(L.CATEGORIES), service_status: keys(L.SERVICE_STATUSES) };
  });
  for (const list of Object.keys(words)) {
    assert.deepEqual(words[list], codes[list], `${list}: the same codes in the same order`);
  }
  await done();
});

test('a case worker of MCS opens a case from an escalated alert', async () => {
  const { page, done } = await newPage();
  await signIn(page, 'cw');
  assert.equal(await page.getByRole('link', { name: 'NRM cases' }).count(), 1, 'NRM cases in the navigation');
  assert.equal(await page.getByRole('link', { name: 'Referral inbox' }).count(), 1);
  await page.goto(`/#/alerts/${V.case_alert}`);
  await ready(page);
  const alert = (await apiGet(page, `/alerts/${V.case_alert}`)).body;
  assert.equal(alert.status, 'escalated');
  workerKey = alert.entity_key;
  await page.getByRole('link', { name: 'Open NRM case' }).click();
  await page.getByRole('heading', { name: `New NRM case from alert ${V.case_alert}` }).waitFor();
  await ready(page);
  await page.getByLabel('Name', { exact: true }).fill(NAME);
  await page.getByLabel('Sex', { exact: true }).selectOption('Female');
  await page.getByLabel('Age group', { exact: true }).selectOption('24--26');
  await page.getByLabel('Country of exploitation', { exact: true }).selectOption('ARM');
  await page.getByLabel('Forced labour', { exact: true }).check();
  await page.getByLabel('Withholds identity documents', { exact: true }).check();
  await page.getByLabel('Takes the earnings', { exact: true }).check();
  await page.getByLabel('Friend', { exact: true }).check();
  await page.getByLabel('Agriculture', { exact: true }).check();
  await page.getByLabel(/What happened/).fill(NARRATIVE);
  await shot(page, '40-case-new');
  await page.getByRole('button', { name: 'Open the case' }).click();
  const msg = await flashed(page, /Case \d+ opened/);
  caseId = Number(/Case (\d+) opened/.exec(msg)[1]);
  assert.match(page.url(), new RegExp(`#/cases/${caseId}$`));
  assert.match(await page.locator('h1').textContent(), new RegExp(`Case ${caseId}: ${NAME}`));
  const c = (await apiGet(page, `/cases/${caseId}`)).body;
  assert.equal(c.stage, 'presumed_victim');
  assert.equal(c.owner_org, 'MCS');
  assert.equal(c.alert_id, V.case_alert, 'opened from the alert');
  assert.equal(c.worker_key, workerKey, "the alert's worker is linked");
  assert.ok(c.evidence, "the alert's evidence is copied");
  assert.deepEqual(c.means_of_control, ['TakesEarnings', 'WithholdsDocuments'], 'codes in the server\'s order');
  // the header: stage, owner, deadlines, reflection period
  const facts = await page.locator('.facts').first().textContent();
  assert.match(facts, /Presumed victim/);
  assert.match(facts, /Owner organisation\s*MCS/);
  assert.match(facts, new RegExp(`due ${c.preid_due}`));
  assert.match(facts, new RegExp(`Reflection period until\\s*${c.reflection_until}`));
  assert.match(await page.locator('#evidence').textContent(), new RegExp(`alert ${V.case_alert}`));
  // the moves the table allows from here, and no other
  assert.deepEqual(await page.locator('.move-buttons button').allTextContents(),
    ['Refer to the Identification Commission', 'Close the case']);
  await shot(page, '41-case-opened');
  await done();
});

test('the case list finds the case by name and by document number', async () => {
  const { page, done } = await newPage();
  await signIn(page, 'cw');
  await page.getByRole('link', { name: 'NRM cases' }).click();
  await page.getByRole('heading', { name: 'NRM cases' }).waitFor();
  await ready(page);
  const row = page.locator(`#cases-table tbody tr[data-id="${caseId}"]`);
  assert.match(await row.textContent(), new RegExp(`${NAME}.*Presumed victim.*due \\d{4}-\\d{2}-\\d{2}.*MCS`));
  // the whole name, other capitals and spaces
  await page.getByLabel('Name or document number').fill('lusine   HAKOBYAN');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await page.waitForURL(/q=lusine/);
  await ready(page);
  assert.deepEqual(await page.locator('#cases-table tbody tr').evaluateAll((rs) => rs.map((r) => Number(r.dataset.id))), [caseId]);
  // the document number, lower case
  const docno = workerKey.slice(workerKey.indexOf(':') + 1).toLowerCase();
  await page.getByLabel('Name or document number').fill(docno);
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await page.waitForURL(new RegExp(`q=${docno}`));
  await ready(page);
  assert.deepEqual(await page.locator('#cases-table tbody tr').evaluateAll((rs) => rs.map((r) => Number(r.dataset.id))), [caseId]);
  // a part of a name finds it too (the words in any order, their beginnings)
  await page.getByLabel('Name or document number').fill('Lusine');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await page.waitForURL(/q=Lusine$/);
  await ready(page);
  assert.ok((await page.locator('#cases-table tbody tr').evaluateAll((rs) => rs.map((r) => Number(r.dataset.id)))).includes(caseId));
  // a word of nobody's name finds nothing
  await page.getByLabel('Name or document number').fill('Lusine Qwertyuiop');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await page.waitForURL(/q=Lusine(%20|\+)Qwertyuiop$/);
  await ready(page);
  assert.equal(await page.locator('#cases-table tbody tr').count(), 0);
  assert.match(await page.locator('.summary').textContent(), /No cases match/);
  await done();
});

test('MCS records consent and refers the case to NGO Hope for shelter', async () => {
  const { page, done } = await newPage();
  await signIn(page, 'cw');
  await page.goto(`/#/cases/${caseId}`);
  await ready(page);
  // the shelter, provided by the NGO
  await page.locator('#offer-form').getByLabel('Service').selectOption('shelter');
  await page.locator('#offer-form').getByLabel('Provided by').selectOption('NGO Hope');
  await page.getByRole('button', { name: 'Offer the service' }).click();
  await flashed(page, /Shelter offered by NGO Hope/);
  assert.match(await page.locator('table.services').textContent(), /Shelter\s*NGO Hope\s*Offered/);
  // a draft referral
  await page.locator('#referrals summary', { hasText: 'New referral' }).click();
  await page.locator('#referral-form').getByLabel('To organisation').selectOption('NGO Hope');
  await page.locator('#referral-form').getByLabel('Shelter').check();
  await page.getByRole('button', { name: 'Create the referral' }).click();
  await flashed(page, /Referral \d+ to NGO Hope drafted/);
  const r = await referral(page, caseId, 'NGO Hope');
  assert.equal(r.status, 'draft');
  const card = page.locator(`#referral-${r.id}`);
  assert.ok(await card.getByRole('button', { name: 'Send the referral' }).isDisabled(), 'no sending without consent');
  // consent: given, what, why, until when
  await card.getByLabel(/^Profile/).check();
  await card.getByLabel(/^Identity/).check();
  await card.getByLabel(/^Services/).check();
  await card.getByLabel(/^Purpose/).fill(PURPOSE);
  await card.getByLabel('Until (last day)').fill(day(90));
  // a consent without a purpose is refused before anything is sent
  await card.getByLabel(/^Purpose/).fill('');
  await card.getByRole('button', { name: 'Record consent' }).click();
  assert.match(await card.locator('[role=alert]').textContent(), /needs the purpose/);
  await card.getByLabel(/^Purpose/).fill(PURPOSE);
  await card.getByRole('button', { name: 'Record consent' }).click();
  await flashed(page, new RegExp(`Consent recorded for referral ${r.id}`));
  assert.match(await page.locator(`#referral-${r.id} table.consents`).textContent(), /given\s*profile, identity, services.*in force/);
  await shot(page, '42-case-consent');
  await page.locator(`#referral-${r.id}`).getByRole('button', { name: 'Send the referral' }).click();
  await flashed(page, new RegExp(`Referral ${r.id} sent to NGO Hope`));
  const sent = await referral(page, caseId, 'NGO Hope');
  assert.equal(sent.status, 'pending');
  assert.equal(sent.in_force, true);
  await done();
});

test('the NGO accepts from its inbox, delivers the shelter and marks the referral done', async () => {
  const { page, done } = await newPage();
  await signIn(page, 'ngo');
  assert.match(await page.locator('#who').textContent(), /ngo · case worker · NGO Hope/);
  await page.getByRole('link', { name: 'Referral inbox' }).click();
  await page.getByRole('heading', { name: 'Referral inbox' }).waitFor();
  await ready(page);
  const card = page.locator('.inbox > li', { hasText: `Case ${caseId}` });
  assert.match(await card.textContent(), /from MCS.*Sent, waiting for an answer.*Shelter/);
  const rid = Number(await card.getAttribute('data-id'));
  await shot(page, '43-inbox');
  await card.getByRole('button', { name: 'Accept' }).click();
  await flashed(page, new RegExp(`Referral ${rid} accepted`));
  // the case as the NGO sees it: the consented categories only
  await page.locator(`#inbox-${rid}`).getByRole('link', { name: `Case ${caseId}` }).click();
  await page.getByRole('heading', { name: 'Timeline' }).waitFor();
  await ready(page);
  assert.match(await page.locator('.note-box').first().textContent(), /belongs to MCS.*profile, identity, services/);
  assert.match(await page.locator('h1').textContent(), new RegExp(NAME), 'identity was consented');
  assert.equal(await page.getByRole('heading', { name: 'Narrative' }).count(), 0, 'the narrative was not');
  assert.doesNotMatch(await page.locator('main').textContent(), /kept her passport/);
  assert.equal(await page.locator('.move-buttons').count(), 0, 'a receiver does not move the case');
  assert.equal(await page.locator('#referral-form').count(), 0);
  const c = (await apiGet(page, `/cases/${caseId}`)).body;
  assert.equal(c.access, 'receiver');
  assert.equal(c.narrative, null);
  // the shelter: accepted by the person, then delivered
  const svc = page.locator('table.services tbody tr', { hasText: 'Shelter' });
  await svc.getByRole('button', { name: 'Accepted' }).click();
  await flashed(page, /Shelter: accepted/);
  await page.locator('table.services tbody tr', { hasText: 'Shelter' }).getByRole('button', { name: 'Delivered' }).click();
  await flashed(page, /Shelter: delivered/);
  assert.match(await page.locator('table.services').textContent(), /Shelter\s*NGO Hope\s*Delivered/);
  await shot(page, '44-case-as-ngo');
  // done: the referral ends, and with it the NGO's access
  await page.getByRole('link', { name: 'Referral inbox' }).click();
  await ready(page);
  await page.locator(`#inbox-${rid}`).getByRole('button', { name: 'Mark done' }).click();
  await flashed(page, new RegExp(`Referral ${rid} marked done`));
  assert.equal(await page.locator(`#inbox-${rid}`).count(), 0, 'gone from the inbox');
  await page.goto(`/#/cases/${caseId}`);
  await ready(page);
  assert.match(await page.locator('[role=alert]').textContent(), new RegExp(`no case ${caseId}`, 'i'));
  await done();
});

test('withdrawing the consent takes the case away from the NGO at once', async () => {
  const mcs = await newPage();
  await signIn(mcs.page, 'cw');
  const p = mcs.page;
  await p.goto(`/#/cases/${caseId}`);
  await ready(p);
  assert.match(await p.locator('#timeline').textContent(), /completed/, 'the NGO\'s steps are in the history');
  await p.locator('#referrals summary', { hasText: 'New referral' }).click();
  await p.locator('#referral-form').getByLabel('To organisation').selectOption('NGO Hope');
  await p.locator('#referral-form').getByLabel('Psychological assistance').check();
  await p.getByRole('button', { name: 'Create the referral' }).click();
  const m = await flashed(p, /Referral \d+ to NGO Hope drafted/);
  const rid = Number(/Referral (\d+)/.exec(m)[1]);
  const card = p.locator(`#referral-${rid}`);
  await card.getByLabel(/^Profile/).check();
  await card.getByLabel(/^Purpose/).fill('Counselling sessions');
  await card.getByLabel('Until (last day)').fill(day(30));
  await card.getByRole('button', { name: 'Record consent' }).click();
  await flashed(p, /Consent recorded/);
  await p.locator(`#referral-${rid}`).getByRole('button', { name: 'Send the referral' }).click();
  await flashed(p, /sent to NGO Hope/);

  const ngo = await newPage();
  await signIn(ngo.page, 'ngo');
  await ngo.page.goto(`/#/cases/${caseId}`);
  await ngo.page.getByRole('heading', { name: 'Timeline' }).waitFor();
  await ready(ngo.page);
  assert.equal(await ngo.page.getByRole('heading', { name: 'Identity and contact' }).count(), 0, 'only the profile now');
  assert.equal((await apiGet(ngo.page, `/cases/${caseId}`)).body.name, null);

  // MCS withdraws the consent
  await p.locator(`#referral-${rid}`).getByRole('button', { name: 'Withdraw' }).click();
  const wf = p.locator(`#referral-${rid} form[id^=withdraw-]`);
  await wf.getByLabel('Reason').fill('The person asked to stop sharing.');
  await wf.getByRole('button', { name: 'Withdraw' }).click();
  await flashed(p, /Consent withdrawn: NGO Hope no longer sees the case/);
  assert.match(await p.locator(`#referral-${rid} table.consents`).textContent(), /withdrawn/);

  // the NGO's next request is refused, like a case that does not exist
  const gone = await apiGet(ngo.page, `/cases/${caseId}`);
  const none = await apiGet(ngo.page, '/cases/999999');
  assert.equal(gone.status, 404);
  assert.equal(gone.body.error.message.replace(/\d+/, 'N'), none.body.error.message.replace(/\d+/, 'N'), 'the same answer as no case at all');
  await ngo.page.reload();
  await ready(ngo.page);
  assert.match(await ngo.page.locator('[role=alert]').textContent(), new RegExp(`no case ${caseId}`, 'i'));
  await ngo.page.getByRole('link', { name: 'Referral inbox' }).click();
  await ready(ngo.page);
  assert.equal(await ngo.page.locator('.inbox > li').count(), 0, 'nothing in the inbox');
  await shot(ngo.page, '45-ngo-after-withdrawal');
  await ngo.done();
  await mcs.done();
});

test('a stale edit says someone else changed the case and keeps what was typed', async () => {
  const a = await newPage();
  const b = await newPage();
  await signIn(a.page, 'cw');
  await signIn(b.page, 'cw');
  for (const x of [a, b]) {
    await x.page.goto(`/#/cases/${caseId}`);
    await ready(x.page);
    await x.page.locator('#edit-details > summary').click();
  }
  const typed = `${NARRATIVE} She was moved to a second farm in the spring.`;
  await a.page.locator('#edit-narrative').fill(typed);
  await b.page.locator('#edit-phone').fill('+37491234567');
  await b.page.getByRole('button', { name: 'Save changes' }).click();
  await flashed(b.page, /saved \(phone\)/);
  await a.page.getByRole('button', { name: 'Save changes' }).click();
  const banner = a.page.locator('#conflict');
  await banner.waitFor();
  assert.match(await banner.textContent(), /Someone else changed this case.*what you typed is still in the forms/);
  assert.equal(await a.page.locator('#edit-narrative').inputValue(), typed, 'the typed narrative is kept');
  assert.match(await a.page.locator('#identity').textContent(), /\+37491234567/, 'the other change is shown');
  await shot(a.page, '46-case-conflict');
  await a.page.getByRole('button', { name: 'Save changes' }).click();
  // the banner is itself an alert: wait until the answer has redrawn the
  // page, or the next wait would read the old banner as the answer
  await within(a.page, 'the conflict banner to go when the second save is answered',
    () => banner.waitFor({ state: 'detached' }));
  await flashed(a.page, /saved \(narrative\)/);
  const c = (await apiGet(a.page, `/cases/${caseId}`)).body;
  assert.equal(c.narrative, typed);
  assert.equal(c.phone, '+37491234567', 'nothing overwritten');
  await a.done();
  await b.done();
});

test('an attachment is uploaded and downloaded', async () => {
  const { page, done } = await newPage();
  await signIn(page, 'cw');
  await page.goto(`/#/cases/${caseId}`);
  await ready(page);
  const text = 'Interview notes, 6 December: statement taken with an interpreter.\n';
  await page.locator('#att-file').setInputFiles({ name: 'interview-notes.txt', mimeType: 'text/plain', buffer: Buffer.from(text) });
  await page.getByRole('button', { name: 'Upload' }).click();
  await flashed(page, /interview-notes\.txt attached/);
  const link = page.locator('#attachments a', { hasText: 'interview-notes.txt' });
  const href = await link.getAttribute('href');
  const got = await page.evaluate(async (u) => {
    const r = await fetch(u);
    return { status: r.status, type: r.headers.get('Content-Type'), body: await r.text() };
  }, href);
  assert.equal(got.status, 200);
  assert.match(got.type, /^text\/plain/);
  assert.equal(got.body, text);
  await done();
});

test('MCS moves the case through identification to assistance, reintegration and closed', async () => {
  const { page, done } = await newPage();
  await signIn(page, 'cw');
  await page.goto(`/#/cases/${caseId}`);
  await ready(page);
  const move = async (button, fill, expect) => {
    await page.locator('.move-buttons').getByRole('button', { name: button }).click();
    if (fill) await fill();
    await page.locator('#move-form button[type=submit]').click();
    await flashed(page, expect);
  };
  await move('Refer to the Identification Commission', null, /moved to "Referred to the Identification Commission"/);
  // the commission's decision needs its reasons and its date
  await page.locator('.move-buttons').getByRole('button', { name: 'Record: identified by the commission' }).click();
  await page.locator('#move-form button[type=submit]').click();
  assert.match(await page.locator('.actions-panel [role=alert]').textContent(), /needs a written reason/);
  assert.equal((await apiGet(page, `/cases/${caseId}`)).body.stage, 'referred_to_commission', 'nothing sent');
  await page.locator('#move-form').getByLabel(/Reason/).fill('Forced labour established: passport withheld, wages taken.');
  await page.locator('#move-form').getByLabel(/Date of the commission/).fill(day(0));
  await page.locator('#move-form button[type=submit]').click();
  await flashed(page, /moved to "Identified as a victim"/);
  assert.match(await page.locator('.facts').first().textContent(), new RegExp(`Commission's decision\\s*Identified as a victim on ${day(0)}`));
  // the state payment, now that the case is identified
  await page.locator('#offer-form').getByLabel('Service').selectOption('state_payment');
  await page.getByRole('button', { name: 'Offer the service' }).click();
  await flashed(page, /One-time state payment offered/);
  assert.match(await page.locator('table.services').textContent(), /One-time state payment\s*MCS\s*Offered\s*AMD 250,000/);
  await move('Start assistance', null, /moved to "Assistance"/);
  await move('Move to reintegration', null, /moved to "Reintegration"/);
  // closing needs a reason
  await page.locator('.move-buttons').getByRole('button', { name: 'Close the case' }).click();
  await page.locator('#move-form button[type=submit]').click();
  assert.match(await page.locator('.actions-panel [role=alert]').textContent(), /needs a written reason/);
  await page.locator('#move-form').getByLabel(/Reason/).fill('Reintegrated: employed in Gyumri, no further support needed.');
  await page.locator('#move-form button[type=submit]').click();
  await flashed(page, /moved to "Closed"/);
  assert.deepEqual(await page.locator('.move-buttons button').allTextContents(), ['Reopen the case'], 'only reopening is left');
  // the timeline: every stage, who and why
  const stages = await page.locator('.stage-strip .stage-name').allTextContents();
  assert.deepEqual(stages, ['Presumed victim', 'Referred to the Identification Commission', 'Identified as a victim',
    'Assistance', 'Reintegration', 'Closed']);
  const tl = await page.locator('#timeline').textContent();
  assert.match(tl, /Forced labour established/);
  assert.match(tl, /Reintegrated: employed in Gyumri/);
  assert.match(tl, /by cw \(MCS\)/);
  const c = (await apiGet(page, `/cases/${caseId}`)).body;
  assert.equal(c.stage, 'closed');
  assert.equal(c.decision, 'identified');
  await shot(page, '47-case-closed');
  await page.screenshot({ path: path.join(ARTIFACTS, '47-case-closed-full.png'), fullPage: true });
  await done();
});

test('the printable summary has every section and no navigation on paper', async () => {
  const { page, done } = await newPage();
  await signIn(page, 'cw');
  await page.goto(`/#/cases/${caseId}`);
  await ready(page);
  await page.getByRole('link', { name: 'Printable summary' }).click();
  await page.waitForURL(new RegExp(`#/cases/${caseId}/summary$`));
  await ready(page);
  const headings = await page.locator('.case-summary h2').allTextContents();
  assert.deepEqual(headings, ['Case', 'Profile', 'Identity and contact', 'Narrative', 'Evidence from the alert',
    'Timeline', 'Services', 'Suspected offenders', 'Referrals and consent', 'Attachments']);
  const text = await page.locator('.case-summary').textContent();
  for (const want of [NAME, 'Forced labour', 'Identified as a victim', 'Reintegrated: employed in Gyumri',
    'NGO Hope', PURPOSE, 'interview-notes.txt', 'AMD 250,000', 'Delivered', 'No suspected offender recorded.']) {
    assert.ok(text.includes(want), `the summary shows ${want}`);
  }
  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.locator('header.top').isVisible(), false, 'no navigation on paper');
  assert.equal(await page.getByRole('button', { name: 'Print' }).isVisible(), false, 'no buttons on paper');
  assert.ok(await page.locator('.case-summary table').last().isVisible(), 'the last section is printed');
  await shot(page, '48-case-summary-print');
  await page.pdf({ path: path.join(ARTIFACTS, '48-case-summary.pdf'), format: 'A4' });
  await done();
});

test('the NGO cannot open an MCS case that was not referred; an overdue case is listed first', async () => {
  const mcs = await newPage();
  await signIn(mcs.page, 'cw');
  await mcs.page.goto('/#/cases');
  await ready(mcs.page);
  await mcs.page.getByRole('link', { name: 'New case' }).click();
  await mcs.page.getByRole('heading', { name: 'New NRM case' }).waitFor();
  await mcs.page.getByLabel('Name', { exact: true }).fill('Anna Petrosyan');
  await mcs.page.getByRole('button', { name: 'Open the case' }).click();
  const m = await flashed(mcs.page, /Case \d+ opened/);
  otherId = Number(/Case (\d+)/.exec(m)[1]);

  const ngo = await newPage();
  await signIn(ngo.page, 'ngo');
  await ngo.page.goto(`/#/cases/${otherId}`);
  await ready(ngo.page);
  const refused = await ngo.page.locator('[role=alert]').textContent();
  assert.match(refused, new RegExp(`no case ${otherId}`, 'i'));
  assert.doesNotMatch(await ngo.page.locator('main').textContent(), /Anna Petrosyan/);
  const api = await apiGet(ngo.page, `/cases/${otherId}`);
  const none = await apiGet(ngo.page, '/cases/999999');
  assert.equal(api.status, 404);
  assert.equal(api.body.error.message.replace(/\d+/, 'N'), none.body.error.message.replace(/\d+/, 'N'));
  await ngo.page.getByRole('link', { name: 'NRM cases' }).click();
  await ready(ngo.page);
  assert.equal(await ngo.page.locator(`#cases-table tbody tr[data-id="${otherId}"]`).count(), 0, 'not in its list');
  await shot(ngo.page, '49-ngo-refused');
  await ngo.done();

  // time passes: the pre-identification decision of the new case was due
  // long ago (the deadline moved back in the database, as the clock would)
  execFileSync('sqlite3', ['-cmd', '.timeout 10000', V.db, `UPDATE nrm_case SET preid_due = '2026-01-05' WHERE id = ${otherId}`]);
  await mcs.page.goto('/#/cases');
  await ready(mcs.page);
  const first = mcs.page.locator('#cases-table tbody tr').first();
  assert.equal(Number(await first.getAttribute('data-id')), otherId, 'the overdue case comes first');
  assert.match(await first.locator('.badge.overdue').textContent(), /Overdue: decision was due 2026-01-05/);
  await mcs.page.getByLabel('Overdue only').check();
  await mcs.page.getByRole('button', { name: 'Apply filters' }).click();
  await mcs.page.waitForURL(/overdue=1/);
  await ready(mcs.page);
  assert.deepEqual(await mcs.page.locator('#cases-table tbody tr').evaluateAll((rs) => rs.map((r) => Number(r.dataset.id))), [otherId]);
  await shot(mcs.page, '50-cases-overdue');
  await mcs.done();
});

test('the case pages work from the keyboard', async () => {
  const { page, done } = await newPage();
  await signIn(page, 'cw');
  await page.goto(`/#/cases/${otherId}`);
  await ready(page);
  // the first move is a real button the keyboard reaches, with a visible focus
  let el = null;
  for (let i = 0; i < 60; i++) {
    await page.keyboard.press('Tab');
    el = await page.evaluate(() => ({ tag: document.activeElement.tagName, text: document.activeElement.textContent.trim() }));
    if (el.tag === 'BUTTON' && el.text === 'Refer to the Identification Commission') break;
  }
  assert.equal(el.text, 'Refer to the Identification Commission', 'Tab reaches the stage moves');
  assert.notEqual(await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle), 'none');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.activeElement && document.activeElement.id.endsWith('-reason'));
  await done();
});

test('an emergency referral needs a reason, reaches the NGO at once, and a rejection needs one too', async () => {
  const mcs = await newPage();
  await signIn(mcs.page, 'cw');
  const p = mcs.page;
  await p.goto(`/#/cases/${otherId}`);
  await ready(p);
  await p.locator('.emergency > summary').click();
  const form = p.locator('#emergency-form');
  await form.getByLabel('To organisation').selectOption('NGO Hope');
  await form.getByLabel('Shelter').check();
  await form.getByRole('button', { name: 'Send emergency referral' }).click();
  assert.match(await form.locator('[role=alert]').textContent(), /needs the organisation, at least one service and a written reason/);
  assert.equal((await apiGet(p, `/cases/${otherId}`)).body.referrals.length, 0, 'nothing sent without a reason');
  await form.getByLabel(/Why a life is at risk/).fill('Threatened by the employer tonight; needs a safe place now.');
  await form.getByRole('button', { name: 'Send emergency referral' }).click();
  const m = await flashed(p, /Emergency referral \d+ sent to NGO Hope/);
  const rid = Number(/referral (\d+)/.exec(m)[1]);
  assert.match(await p.locator(`#referral-${rid}`).textContent(), /Emergency.*Threatened by the employer/);
  await mcs.done();

  const ngo = await newPage();
  await signIn(ngo.page, 'ngo');
  await ngo.page.goto('/#/referrals');
  await ready(ngo.page);
  const card = ngo.page.locator(`#inbox-${rid}`);
  assert.match(await card.textContent(), new RegExp(`Case ${otherId} from MCS.*Emergency`));
  const c = (await apiGet(ngo.page, `/cases/${otherId}`)).body;
  assert.deepEqual(c.categories, ['profile', 'identity', 'contact'], 'an emergency shares profile, identity and contact');
  assert.equal(c.name, 'Anna Petrosyan');
  await card.locator('summary', { hasText: 'Reject with a reason' }).click();
  await card.getByRole('button', { name: 'Reject' }).click();
  assert.match(await card.locator('[role=alert]').textContent(), /needs a reason/);
  await card.getByLabel('Reason for rejecting').fill('No shelter place free tonight; call the state shelter.');
  await card.getByRole('button', { name: 'Reject' }).click();
  await flashed(ngo.page, new RegExp(`Referral ${rid} rejected`));
  assert.equal(await ngo.page.locator(`#inbox-${rid}`).count(), 0);
  assert.equal((await apiGet(ngo.page, `/cases/${otherId}`)).status, 404, 'rejected: no access');
  await shot(ngo.page, '51-ngo-rejected-emergency');
  await ngo.done();
});
