// What an analyst and a case worker ran into in a first pilot (issue 18),
// each checked by what they see: carried evidence shows its own facts,
// names stand beside keys, the hand-off from alert to case, where each
// role starts. Started by tests/e2e/browser.sh after ui, cases and i18n.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, close, newPage, shot, apiGet, FIXTURE } from './lib.mjs';
import { tr, see, drawn, signInAs, WAIT_MS } from './pilot-lib.mjs';

before(launch);
after(close);
const V = FIXTURE.vars;
const UNITS = { wage_below_minimum: 'amd_month', wage_far_below_peers: 'amd_month', hours_over_legal: 'hours_week',
  hours_excessive: 'hours_week', never_entered: 'days' };
const num = (n) => new Intl.NumberFormat('en-GB', { maximumFractionDigits: 2 }).format(n);
function valueText(id, value, threshold) {
  const unit = UNITS[id] ? tr('en', `unit.${UNITS[id]}`) : '';
  return tr('en', unit ? 'alert.value_unit' : 'alert.value', { value: num(value), threshold: num(threshold), unit });
}

// Every carried indicator of the top worker and employer alerts, read from
// the rendered explanation: its own facts, never the roll-up's count shown
// as a wage, hours or days.
test('carried evidence shows its own facts, indicator by indicator', async (t) => {
  const { page, done } = await newPage();
  await signInAs(page, 'ana', 'en');
  const seen = new Map(); // indicator -> [alert, ind]
  for (const type of ['worker', 'employer', 'intermediary']) {
    const list = (await apiGet(page, `/alerts?entity_type=${type}&limit=40`)).body.items;
    for (const it of list) {
      const a = (await apiGet(page, `/alerts/${it.id}`)).body;
      for (const ind of a.evidence.indicators) {
        if (!ind.rolled_up || ind.vulnerability) continue;
        const k = `${ind.id} (${type}, from ${ind.carried && ind.carried.from})`;
        if (!seen.has(k)) seen.set(k, [a, ind]);
      }
    }
  }
  assert.ok(seen.size >= 5, `carried indicators found: ${[...seen.keys()].join(', ')}`);
  for (const [k, [a, ind]] of seen) {
    await t.test(k, async () => {
      await page.goto(`/#/alerts/${a.id}`);
      await drawn(page, `alert ${a.id}`);
      const li = page.locator('.explain-list > li', { has: page.locator('strong', { hasText: tr('en', `indicator.${ind.id}`) }) });
      const text = (await see(li, `the explanation of ${ind.id}`).then((l) => l.innerText())).replace(/\s+/g, ' ');
      const c = ind.carried;
      assert.ok(c, `${ind.id} on alert ${a.id} says where it was carried from`);
      if (c.from === 'applications' || (c.from === 'employer' && typeof c.count === 'number')) {
        // a count of applications: said as a count, with the applications' own values
        assert.equal(ind.value, null);
        assert.ok(text.includes(`${c.count} of its ${c.of} application`), `${text} names the count`);
        assert.ok(!text.includes(valueText(ind.id, c.count, c.of)), `the count is not shown as a value: ${text}`);
        assert.ok(c.applications.length > 0);
        for (const x of c.applications.slice(0, 3)) {
          assert.ok(text.includes(x.key), `application ${x.key} listed`);
          if (typeof x.value === 'number') assert.ok(text.includes(`${x.key}: ${valueText(ind.id, x.value, x.threshold)}`), `${x.key}'s own value in ${text}`);
        }
        // and the application's own value is the register's
        const x = c.applications.find((y) => typeof y.value === 'number');
        if (x && UNITS[ind.id] === 'amd_month') {
          const rec = (await apiGet(page, `/entities/application/${encodeURIComponent(x.key)}`)).body;
          assert.equal(rec.records.permits[0].fields.monthly_salary_amd, x.value, `${x.key}: the wage is the register's`);
        }
      } else {
        assert.ok(typeof ind.value === 'number', `${ind.id}: the source's own value`);
        assert.ok(text.includes(c.application), `${text} names the application`);
        assert.ok(text.includes(valueText(ind.id, ind.value, ind.threshold)), `${text} shows ${ind.value} against ${ind.threshold}`);
        if (c.from === 'application' && UNITS[ind.id] === 'amd_month') {
          const rec = (await apiGet(page, `/entities/application/${encodeURIComponent(c.application)}`)).body;
          assert.equal(rec.records.permits[0].fields.monthly_salary_amd, ind.value, 'the wage is the register\'s');
        }
      }
    });
  }
  await shot(page, 'pilot-01-carried');
  await done();
});

test('names stand beside keys in the queue and on the alert', async () => {
  const { page, done } = await newPage();
  await signInAs(page, 'ana', 'en');
  await see(page.locator('#queue-table tbody tr'), 'the queue');
  const items = (await apiGet(page, '/alerts?limit=50')).body.items;
  const worker = items.find((i) => i.entity_type === 'worker');
  assert.ok(worker && worker.name, 'the API names the worker');
  const row = page.locator(`#queue-table tbody tr[data-id="${worker.id}"]`);
  const cells = await row.locator('td').allInnerTexts();
  assert.ok(cells.some((c) => c.includes(worker.name) && c.includes(worker.entity_key)), `${worker.name} beside ${worker.entity_key}`);
  assert.ok(cells.some((c) => c.includes(worker.employer_name) && c.includes(worker.employer)), 'the employer\'s name beside its TIN');
  await page.goto(`/#/alerts/${worker.id}`);
  await drawn(page, 'the worker alert');
  const h1 = await page.locator('h1').innerText();
  assert.ok(h1.includes(worker.name) && h1.includes(worker.entity_key), `the heading names the worker: ${h1}`);
  await done();
});

// The flash message after a change, or the error shown instead.
async function flashText(page, what) {
  const box = await see(page.locator('.flash-ok, main [role=alert]'), what);
  const text = await box.innerText();
  assert.ok(await box.evaluate((el) => el.classList.contains('flash-ok')), `${what}: the page says ${text}`);
  await drawn(page, `the page after ${what}`);
  return text;
}

test('escalating hands the alert to a person of another organisation, who opens a case from it, filled from the register', async () => {
  const a1 = await newPage();
  await signInAs(a1.page, 'ana', 'en');
  const free = (await apiGet(a1.page, '/alerts?entity_type=worker&status=new&limit=200')).body.items
    .find((i) => !i.assignee && i.id !== V.case_alert);
  assert.ok(free, 'an unassigned new worker alert');
  await a1.page.goto(`/#/alerts/${free.id}`);
  await drawn(a1.page, 'the alert');
  const form = a1.page.locator('#transition-form');
  await form.getByLabel('Move to').selectOption('escalated');
  // the person, chosen from the directory, and the reason are required
  await form.getByRole('button', { name: 'Change status' }).click();
  assert.equal((await see(form.locator('[role=alert]'), 'the missing person').then((b) => b.innerText())).trim(),
    tr('en', 'alert.escalate_needs_person'));
  await form.getByLabel('Escalate to').selectOption('ngo');
  await form.getByRole('button', { name: 'Change status' }).click();
  assert.match(await see(form.locator('[role=alert]'), 'the missing reason').then((b) => b.innerText()), /needs a reason/);
  await form.getByLabel('Reason').fill('workers share one phone and live at the workplace: to the shelter NGO');
  await form.getByRole('button', { name: 'Change status' }).click();
  assert.equal((await flashText(a1.page, 'the escalation')).replace('×', '').trim(), tr('en', 'alert.done_escalated', { id: free.id, name: 'ngo' }));
  const after = (await apiGet(a1.page, `/alerts/${free.id}`)).body;
  assert.equal(after.status, 'escalated');
  assert.equal(after.assignee, 'ngo');
  await a1.done();

  // the NGO's case worker finds it in the queue, no second step
  const n = await newPage();
  await signInAs(n.page, 'ngo', 'en');
  await n.page.goto('/#/alerts');
  await drawn(n.page, 'the NGO queue');
  await see(n.page.locator(`#queue-table tbody tr[data-id="${free.id}"]`), 'the escalated alert in the NGO\'s queue');
  // opens a case from it: the form is filled from the register
  await n.page.goto(`/#/alerts/${free.id}`);
  await drawn(n.page, 'the alert, for the NGO');
  await n.page.getByRole('link', { name: 'Open NRM case' }).click();
  await drawn(n.page, 'the new-case form');
  await see(n.page.locator('#prefill-note'), 'the note that the form comes from the register');
  const ent = (await apiGet(n.page, `/entities/worker/${encodeURIComponent(free.entity_key)}`)).body;
  const latest = ent.records.permits.slice().sort((x, y) => String(y.fields.submitted_at).localeCompare(String(x.fields.submitted_at)))[0].fields;
  assert.equal(await n.page.locator('#new-name').inputValue(), `${latest.worker_given_name} ${latest.worker_family_name}`);
  assert.equal(await n.page.locator('#new-birth_date').inputValue(), latest.worker_birth_date);
  assert.equal(await n.page.locator('#new-sex').inputValue(), { F: 'Female', M: 'Male' }[latest.worker_sex] || '');
  if (latest.worker_phone) assert.equal(await n.page.locator('#new-phone').inputValue(), String(latest.worker_phone));
  await n.page.getByRole('button', { name: 'Open the case' }).click();
  await n.page.waitForURL(/#\/cases\/\d+$/, { timeout: 60000 });
  await drawn(n.page, 'the new case');
  const caseId = Number(/#\/cases\/(\d+)$/.exec(n.page.url())[1]);
  // the alert's history says a case was opened, by whom
  const hist = (await apiGet(n.page, `/alerts/${free.id}`)).body.history;
  assert.ok(hist.some((e) => e.kind === 'case_opened' && e.actor === 'ngo' && e.reason === 'NGO Hope'), JSON.stringify(hist));
  await n.page.goto(`/#/alerts/${free.id}`);
  await drawn(n.page, 'the alert with its case');
  assert.match(await n.page.locator('main').innerText(), /NRM case opened/);
  // a second case for the same person: refused, the open one named, then
  // opened with a reason
  await n.page.goto(`/#/cases/new?alert=${free.id}`);
  await drawn(n.page, 'the new-case form again');
  await n.page.getByRole('button', { name: 'Open the case' }).click();
  const refusal = await see(n.page.locator('#new-case-form [role=alert]'), 'the refusal of a second case');
  assert.match(await refusal.innerText(), new RegExp(`already has an open NRM case: Case ${caseId}`));
  await n.page.getByLabel('Why a second case').fill('a second exploitation, by a new employer');
  await n.page.getByRole('button', { name: 'Open the case' }).click();
  await n.page.waitForURL((u) => /#\/cases\/\d+$/.test(u.hash) && !u.hash.endsWith(`/${caseId}`), { timeout: 60000 });
  await drawn(n.page, 'the second case');
  await shot(n.page, 'pilot-02-second-case');
  await n.done();
});

test('each role starts where its work is', async () => {
  for (const [user, want] of [['ana', '#/alerts'], ['stat', '#/dashboard'], ['cw', '#/cases']]) {
    const { page, done } = await newPage();
    await signInAs(page, user, 'en');
    assert.equal(new URL(page.url()).hash, want, `${user} starts on ${want}`);
    await done();
  }
});

test('an emergency referral tells the receiver why it is urgent, not what was consented, and when it was sent', async () => {
  const c = await newPage();
  await signInAs(c.page, 'cw', 'en');
  await c.page.goto('/#/cases/new');
  await drawn(c.page, 'the new-case form');
  await c.page.getByLabel('Name', { exact: true }).fill('Emergency Person');
  await c.page.getByRole('button', { name: 'Open the case' }).click();
  await c.page.waitForURL(/#\/cases\/\d+$/, { timeout: 60000 });
  await drawn(c.page, 'the case');
  const caseId = Number(/#\/cases\/(\d+)$/.exec(c.page.url())[1]);
  await c.page.locator('details.emergency > summary').click();
  const form = c.page.locator('#emergency-form');
  await form.getByLabel('To organisation').selectOption('NGO Hope');
  await form.getByLabel('Shelter').check();
  const why = 'threatened tonight by the employer; needs a bed now';
  await form.getByLabel(/Why a life is at risk/).fill(why);
  await form.getByRole('button', { name: 'Send emergency referral' }).click();
  await flashText(c.page, 'the emergency referral');
  await c.done();

  const n = await newPage();
  await signInAs(n.page, 'ngo', 'en');
  await n.page.goto('/#/referrals');
  await drawn(n.page, 'the inbox');
  const inbox = (await apiGet(n.page, '/referrals')).body.items;
  const r = inbox.find((x) => x.case_id === caseId);
  assert.ok(r && r.emergency && r.sent_at, 'the emergency referral, with when it was sent');
  const card = n.page.locator(`#inbox-${r.id}`);
  const text = await see(card, 'the emergency card').then((x) => x.innerText());
  assert.ok(text.includes(`Why it is urgent\n${why}`) || text.includes(why), `the reason on the card: ${text}`);
  assert.match(text, /Sent/);
  const sent = await card.locator('.sent-at').innerText();
  const yv = new Date(Date.parse(r.sent_at) + 4 * 3600 * 1000).toISOString().slice(0, 16).replace('T', ' ');
  assert.equal(sent.trim(), yv, 'sent at, in Yerevan time');
  // the case page: an emergency, not "what the person consented to share"
  await n.page.goto(`/#/cases/${caseId}`);
  await drawn(n.page, 'the referred case');
  const note = await n.page.locator('.note-box').innerText();
  assert.ok(note.includes(why), `why it is urgent: ${note}`);
  assert.doesNotMatch(note, /consented to share/);
  await shot(n.page, 'pilot-03-emergency');
  await n.done();
});

test('the dashboard opens the alerts a chart counts, and shows case figures', async () => {
  const { page, done } = await newPage();
  await signInAs(page, 'ana', 'en');
  await page.goto('/#/dashboard');
  await drawn(page, 'the dashboard');
  const fig = page.locator('figure', { has: page.locator('h2', { hasText: 'Alerts by indicator' }) });
  await fig.locator('summary').click();
  const link = fig.locator('table a').first();
  const indicatorWords = await link.innerText();
  await link.click();
  await page.waitForURL(/indicator=/, { timeout: 60000 });
  await drawn(page, 'the alerts of the indicator');
  const ind = new URLSearchParams(new URL(page.url()).hash.split('?')[1]).get('indicator');
  assert.equal(tr('en', `indicator.${ind}`), indicatorWords);
  const rows = (await apiGet(page, `/alerts?status=all&indicator=${ind}&limit=50`)).body.items;
  assert.ok(rows.length > 0 && rows.every((i) => i.indicators.includes(ind)));
  await done();
  // a case worker sees the case figures
  const c = await newPage();
  await signInAs(c.page, 'cw', 'en');
  await c.page.goto('/#/dashboard');
  await drawn(c.page, 'the dashboard of a case worker');
  await see(c.page.locator('.case-figures .overdue-figure a[href="#/cases?overdue=1"]'), 'the overdue figure');
  await see(c.page.locator('.case-figures table'), 'cases by stage');
  await c.done();
});

test('the queue on a laptop: folded filters, bulk actions with a selection, sortable columns', async () => {
  const { page, done } = await newPage();
  await signInAs(page, 'ana', 'en');
  assert.equal(await page.locator('.filters-fold').evaluate((d) => d.open), false, 'filters folded');
  assert.equal(await page.locator('.bulk').isHidden(), true, 'no bulk actions without a selection');
  const first = (await page.locator('#queue-table tbody tr').first().getAttribute('data-id'));
  await page.getByLabel(`Select alert ${first}`, { exact: true }).check();
  assert.equal(await page.locator('.bulk').isVisible(), true, 'bulk actions with a selection');
  await page.locator('th .sort-link', { hasText: 'Score' }).click();
  await page.waitForURL(/sort=score/, { timeout: 60000 });
  await drawn(page, 'the queue by score, lowest first');
  const scores = (await apiGet(page, '/alerts?sort=score&limit=50')).body.items.map((i) => i.score);
  assert.deepEqual(scores, scores.slice().sort((x, y) => x - y), 'lowest first');
  const ids = await page.locator('#queue-table tbody tr').evaluateAll((rs) => rs.map((r) => Number(r.dataset.id)));
  assert.deepEqual(ids, (await apiGet(page, '/alerts?sort=score&limit=50')).body.items.map((i) => i.id));
  await done();
});

test('the import page lists the columns, shows the refused value and row id, and offers the rejects as a file', async () => {
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-pilot-'));
  const csv = path.join(dir, 'pilot-inspections.csv');
  fs.writeFileSync(csv, 'inspection_id,employer_tin,inspected_on,workers_found,undeclared_workers,violations\n' +
    'PILOT-OK-1,12345678,2023-05-01,2,0,\nPILOT-BAD-1,not-a-tin,2023-05-01,2,0,\nPILOT-BAD-2,12345678,2023-02-30,1,0,\n');
  const { page, done } = await newPage();
  await signInAs(page, 'ana', 'en');
  await page.goto('/#/import');
  await drawn(page, 'the import page');
  await page.getByLabel('Register').selectOption('inspections');
  const cols = await see(page.locator('#import-columns'), 'the columns of the register').then((x) => x.innerText());
  assert.match(cols, /inspection_id — Inspection required/);
  assert.match(cols, /workers_found — Workers found/);
  await page.getByLabel('CSV file').setInputFiles(csv);
  await page.getByRole('button', { name: 'Upload and import' }).click();
  await see(page.getByRole('heading', { level: 2, name: /imported into inspections/ }), 'the import result');
  const rows = await page.locator('table.rejects tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td, th')].map((c) => c.textContent.trim())));
  const bad1 = rows.find((r) => r.includes('PILOT-BAD-1'));
  assert.ok(bad1, `the row id of the refused row: ${JSON.stringify(rows)}`);
  assert.ok(bad1.includes('not-a-tin'), `the refused value: ${bad1}`);
  const bad2 = rows.find((r) => r.includes('PILOT-BAD-2'));
  assert.ok(bad2 && bad2.includes('2023-02-30'), `the refused date: ${bad2}`);
  // the rejects as a file
  const link = page.locator('#rejects-download');
  assert.match(await link.getAttribute('download'), /pilot-inspections\.rejects\.csv$/);
  // the server's Content-Security-Policy keeps scripts from fetching the
  // blob: the browser downloads it as a user would
  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: WAIT_MS }), link.click()]);
  const body = fs.readFileSync(await dl.path(), 'utf8');
  assert.match(body, /^line,column,field,severity,reason,row\r\n/);
  assert.match(body, /PILOT-BAD-1,not-a-tin/);
  assert.doesNotMatch(body, /PILOT-OK-1/);
  fs.rmSync(dir, { recursive: true, force: true });
  await done();
});
