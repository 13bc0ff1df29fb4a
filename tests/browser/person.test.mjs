// The person across the registers on the worker's entity page and on the
// NRM case pages, in a real browser: an MCS case worker and an NGO Hope
// case worker each open a case of the same woman (the worker of the alert
// the MCS case worker holds), `tipwatch link` joins both cases to her
// permit with the key file, and each page shows what its viewer may see:
// the MCS case worker her permits and the MCS case, never NGO Hope's case;
// NGO Hope its own case page with the register records counted as outside
// its scope and no trace of the MCS case; the analyst the register records,
// no case, and the person page. In English and in Russian.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { launch, close, newPage, shot, signIn, ready, FIXTURE } from './lib.mjs';
import { tr, signInAs } from './pilot-lib.mjs';

before(launch);
after(close);

const V = FIXTURE.vars;
const sq = (sql) => execFileSync('sqlite3', ['-batch', '-noheader', '-cmd', '.timeout 30000', V.db, sql],
  { encoding: 'utf8' }).trim();

// opens a case as the signed-in user, through the page's own api module
// (its session and CSRF token)
async function openCase(page, body) {
  return page.evaluate(async (b) => {
    const m = await import('/js/api.js');
    return (await m.api('POST', '/cases', b)).id;
  }, body);
}

async function panel(page) {
  const box = page.locator('#person .person-panel[aria-busy="false"]');
  await box.waitFor();
  return box;
}

test('the person on the entity and case pages, within each viewer\'s scope', async () => {
  const key = sq(`SELECT entity_key FROM alert WHERE id = ${V.case_alert}`);
  assert.ok(key, 'the case worker\'s alert names a worker');
  const [given, family, birth, cit, sex] = sq(`SELECT worker_given_name, worker_family_name, worker_birth_date,
      worker_citizenship, worker_sex FROM permit_current p JOIN worker w ON w.id = p.worker_ref
      WHERE w.key = '${key}' ORDER BY p.id LIMIT 1`).split('|');
  const body = { name: `${given} ${family}`, birth_date: birth, citizenship: cit, sex: sex === 'M' ? 'Male' : 'Female' };

  const mcs = await newPage();
  await signIn(mcs.page, 'cw');
  const mcsCase = await openCase(mcs.page, body);
  const ngo = await newPage();
  await signIn(ngo.page, 'ngo');
  const ngoCase = await openCase(ngo.page, body);

  // the linkage, with the key file beside the database (DB.key)
  assert.ok(process.env.TW_BIN, 'TW_BIN names the tipwatch binary');
  execFileSync(process.env.TW_BIN, ['link', '--db', V.db, '--quiet']);
  const pid = sq(`SELECT person_id FROM person_worker WHERE worker_id = (SELECT id FROM worker WHERE key = '${key}')`);
  assert.equal(sq(`SELECT count(*) FROM person_record WHERE person_id = ${pid}
                   AND record IN ('cases:${mcsCase}', 'cases:${ngoCase}')`), '2', 'both cases joined her person');

  // MCS: the case page shows her permit, not the case itself, not NGO Hope's
  await mcs.page.goto(`/#/cases/${mcsCase}`);
  await ready(mcs.page);
  let box = await panel(mcs.page);
  await mcs.page.getByRole('heading', { name: 'The person across the registers' }).waitFor();
  assert.ok(await box.locator('a[href^="#/entities/application/"]').count() >= 1, 'her permit is listed');
  assert.equal(await box.locator(`a[href="#/cases/${ngoCase}"]`).count(), 0, 'no NGO Hope case');
  assert.equal(await box.locator(`a[href="#/cases/${mcsCase}"]`).count(), 0, 'not the page\'s own case');
  await box.scrollIntoViewIfNeeded();
  await shot(mcs.page, 'person-case-mcs');
  // MCS: the worker's entity page lists the MCS case
  await mcs.page.goto(`/#/entities/worker/${encodeURIComponent(key)}`);
  await ready(mcs.page);
  box = await panel(mcs.page);
  assert.equal(await box.locator(`a[href="#/cases/${mcsCase}"]`).count(), 1, 'the MCS case on the entity page');
  assert.equal(await box.locator(`a[href="#/cases/${ngoCase}"]`).count(), 0, 'no NGO Hope case on the entity page');
  assert.equal(await box.getByText('Open the person page').count(), 0, 'no person page for a case worker');
  await mcs.done();

  // NGO Hope: its case page counts the register records it may not see and
  // says nothing of the MCS case
  await ngo.page.goto(`/#/cases/${ngoCase}`);
  await ready(ngo.page);
  box = await panel(ngo.page);
  assert.match(await box.textContent(), /records of this person are outside your scope/);
  assert.equal(await box.locator('a').count(), 0, 'no record reachable from NGO Hope');
  assert.doesNotMatch(await box.textContent(), new RegExp(`NRM case ${mcsCase}\\b`));
  await box.scrollIntoViewIfNeeded();
  await shot(ngo.page, 'person-case-ngo');
  await ngo.done();

  // the analyst: register records, no case, and the person page (in Russian)
  const ana = await newPage({ lang: 'ru' });
  await signInAs(ana.page, 'ana', 'ru');
  await ana.page.goto(`/#/entities/worker/${encodeURIComponent(key)}`);
  await ready(ana.page);
  await ana.page.getByRole('heading', { name: tr('ru', 'personpanel.title') }).waitFor();
  box = await panel(ana.page);
  assert.ok(await box.locator('a[href^="#/entities/application/"]').count() >= 1, 'the permit, for the analyst');
  assert.equal(await box.locator('a[href^="#/cases/"]').count(), 0, 'no case for an analyst');
  await box.getByRole('link', { name: tr('ru', 'personpanel.open_person', { id: pid }) }).click();
  await ready(ana.page);
  assert.match(ana.page.url(), new RegExp(`#/persons/${pid}$`));
  await shot(ana.page, 'person-from-entity-ru');
  // the person page, too, shows the analyst no case, and a reviewer can send
  // a link to the review queue
  assert.equal(await ana.page.locator('#main a[href^="#/cases/"]').count(), 0, 'no case on the person page');
  assert.doesNotMatch(await ana.page.locator('#main').textContent(), new RegExp(tr('ru', 'person.register.cases')));
  const links = await ana.page.locator('.person-links > li').count();
  const buttons = ana.page.getByRole('button', { name: tr('ru', 'person.dispute') });
  assert.equal(await buttons.count(), links, 'one dispute button per link');
  if (links > 0) {
    await buttons.first().click();
    await ana.page.waitForURL(/#\/persons\/review$/);
    await ready(ana.page);
    const pair = sq(`SELECT max(id) FROM link_review`);
    assert.ok(await ana.page.locator(`#review-${pair}`).count() === 1, 'the disputed link is a review card');
    await shot(ana.page, 'person-dispute-ru');
  }
  await ana.done();
});
