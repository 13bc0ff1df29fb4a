// The rest of the pilot's findings (issue 18), each checked by what a user
// sees: the queue's total and its grouping by employer (in the three
// languages), case search by any name order, part of a name or a phone,
// and a screening started from the import page. Started by
// tests/e2e/browser.sh after pilot.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, close, newPage, shot, apiGet } from './lib.mjs';
import { tr, see, drawn, signInAs, englishLeft, LANGS } from './pilot-lib.mjs';

before(launch);
after(close);

const text = async (loc, what) => (await see(loc, what).then((l) => l.innerText())).replace(/\s+/g, ' ').trim();

test('the queue says how many alerts match', async () => {
  const { page, done } = await newPage();
  await signInAs(page, 'ana', 'en');
  await page.goto('/#/alerts?level=medium');
  await drawn(page, 'the queue, medium and above');
  const api = (await apiGet(page, '/alerts?level=medium&limit=50')).body;
  assert.ok(api.total > api.items.length, `more alerts (${api.total}) than one page`);
  const rows = await page.locator('#queue-table > tbody > tr').count();
  assert.equal(rows, api.items.length);
  assert.equal(await text(page.locator('.results .summary'), 'the queue summary'),
    tr('en', 'queue.showing_total', { shown: rows, n: api.total }));
  await done();
});

for (const lang of LANGS) {
  test(`grouped by employer (${lang}): one row per employer with its own alert and its workers, opening onto them`, async () => {
    const { page, done } = await newPage({ lang });
    await signInAs(page, 'ana', lang);
    // chosen in the filters, as a user would
    await page.goto('/#/alerts');
    await drawn(page, 'the queue');
    await page.locator('.filters-fold > summary').click();
    await page.getByLabel(tr(lang, 'queue.group_by')).selectOption('employer');
    await page.getByRole('button', { name: tr(lang, 'common.apply_filters') }).click();
    await page.waitForURL(/group=employer/, { timeout: 60000 });
    await drawn(page, 'the queue grouped by employer');
    const api = (await apiGet(page, '/alerts?group=employer&limit=50')).body;
    const flat = (await apiGet(page, '/alerts?limit=500')).body;
    assert.ok(api.groups.length > 1, 'more than one group');
    assert.equal(api.total, flat.total, 'the same alerts, grouped');
    assert.ok(api.total_groups < api.total, `fewer groups (${api.total_groups}) than alerts (${api.total})`);
    const rows = page.locator('#queue-table > tbody > tr.group-row');
    assert.equal(await rows.count(), api.groups.length);
    assert.equal(await text(page.locator('.results .summary'), 'the summary'),
      tr(lang, 'queue.showing_groups', { shown: api.groups.length, groups: api.total_groups, n: api.total }));
    // the headers are the catalogue's
    const heads = await page.locator('#queue-table > thead th').allInnerTexts();
    for (const k of ['queue.col_group_employer', 'queue.col_employer_alert', 'queue.col_workers', 'queue.col_alerts', 'queue.col_top']) {
      assert.ok(heads.includes(tr(lang, k)), `${k} in ${heads}`);
    }
    // the largest group: an employer whose workers would fill the flat
    // queue's first rows; its row names it and shows its own alert
    const big = api.groups.filter((g) => g.employer).sort((a, b) => b.alerts - a.alerts)[0];
    assert.ok(big.alerts > 3, `a group of several alerts: ${big.alerts}`);
    const row = page.locator(`#queue-table > tbody > tr.group-row[data-employer="${big.employer}"]`);
    const cell = await text(row.locator('td.group-cell'), `the employer ${big.employer}`);
    assert.ok(cell.includes(big.employer), `${cell} shows the TIN`);
    if (big.employer_name) assert.ok(cell.includes(big.employer_name), `${cell} shows the name`);
    assert.equal(await text(row.locator('td.group-workers'), 'workers'), String(big.workers));
    assert.equal(await text(row.locator('td.group-alerts'), 'alerts'), String(big.alerts));
    const own = await text(row.locator('td.group-own'), 'its own alert');
    if (big.employer_alert) {
      assert.ok(own.includes(`#${big.employer_alert.id}`), `${own} links its own alert`);
      // the employer's own alert sits far down the flat queue, its group near the top
      const flatRank = flat.items.findIndex((it) => it.id === big.employer_alert.id);
      const groupRank = api.groups.indexOf(big);
      assert.ok(flatRank === -1 || groupRank <= flatRank, `group ${groupRank} before flat rank ${flatRank}`);
    } else {
      assert.equal(own, tr(lang, 'queue.group_no_own'));
    }
    // open it: the group's alerts, all of that employer, with the filters kept
    const toggle = row.getByRole('button', { name: tr(lang, 'queue.group_open', { n: big.alerts, name: big.employer_name && big.employer_name !== big.employer ? `${big.employer_name} (${big.employer})` : big.employer }) });
    assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
    await toggle.click();
    assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
    const members = page.locator(`#queue-table > tbody > tr.group-row[data-employer="${big.employer}"] + tr.group-members tbody tr`);
    await see(members, `the alerts of ${big.employer}`);
    const want = (await apiGet(page, `/alerts?employer=${big.employer}&limit=200`)).body.items.map((i) => i.id);
    const ids = await members.evaluateAll((rs) => rs.map((r) => Number(r.dataset.id)));
    assert.deepEqual(ids, want, 'the group\'s alerts, highest first');
    assert.equal(ids.length, Math.min(big.alerts, 200));
    for (const e of await members.locator('td.employer-cell').allInnerTexts()) assert.ok(e.includes(big.employer), e);
    assert.deepEqual(englishLeft(await page.locator('#main').innerText(), lang), [], `no English sentence on the grouped ${lang} queue`);
    // and closes
    await toggle.click();
    assert.equal(await page.locator(`#queue-table > tbody > tr.group-row[data-employer="${big.employer}"] + tr.group-members`).isHidden(), true);
    await shot(page, `triage-groups-${lang}`);
    await done();
  });
}

test('grouping keeps the other filters; a bad group is refused in words', async () => {
  const { page, done } = await newPage();
  await signInAs(page, 'ana', 'en');
  const all = (await apiGet(page, '/alerts?group=employer&limit=500')).body;
  const high = (await apiGet(page, '/alerts?group=employer&level=high&limit=500')).body;
  assert.ok(high.total < all.total, 'fewer high alerts');
  assert.equal(high.groups.reduce((s, g) => s + g.alerts, 0), high.total, 'every high alert in one group');
  for (const g of high.groups) assert.equal(g.top.level, 'high');
  const bad = await apiGet(page, '/alerts?group=region');
  assert.equal(bad.status, 400);
  await done();
});

// POST as the signed-in page would, with the session's CSRF token
async function apiPost(page, p, body) {
  return page.evaluate(async ([url, b]) => {
    const me = await (await fetch('/api/v1/me', { headers: { Accept: 'application/json' } })).json();
    const r = await fetch(url, {
      method: 'POST',
      headers: { Accept: 'application/json', 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token },
      body: JSON.stringify(b),
    });
    return { status: r.status, body: await r.json() };
  }, [`/api/v1${p}`, body]);
}

for (const lang of ['en', 'hy']) {
  test(`case search (${lang}): any name order, part of a name, a phone`, async () => {
    const { page, done } = await newPage({ lang });
    await signInAs(page, 'cw', lang);
    const tag = lang === 'en' ? 'Zabelyan' : 'Vardazaryan';
    const phone = lang === 'en' ? '+37477123456' : '+37494765432';
    const made = await apiPost(page, '/cases', { name: `Gohar ${tag}`, phone, sex: 'Female' });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const id = made.body.id;
    const searchFor = async (words) => {
      await page.goto('/#/cases');
      await drawn(page, 'the cases page');
      await page.getByLabel(tr(lang, 'cases.q')).fill(words);
      await page.getByRole('button', { name: tr(lang, 'common.apply_filters') }).click();
      await page.waitForURL(/[?&]q=/, { timeout: 60000 });
      await drawn(page, `the cases found by "${words}"`);
      return page.locator('#cases-table tbody tr').evaluateAll((rs) => rs.map((r) => Number(r.dataset.id)));
    };
    // the family name first, then the given name
    assert.deepEqual(await searchFor(`${tag} Gohar`), [id]);
    // the beginning of the family name, in capitals
    assert.deepEqual(await searchFor(tag.slice(0, 5).toUpperCase()), [id]);
    const row = page.locator(`#cases-table tbody tr[data-id="${id}"]`);
    assert.ok((await text(row, 'the case found')).includes(`Gohar ${tag}`));
    // the phone as people write it in Armenia
    const national = '0' + phone.slice(4, 6) + ' ' + phone.slice(6, 9) + '-' + phone.slice(9);
    assert.deepEqual(await searchFor(national), [id]);
    // a word no name has: nothing, said in words
    assert.deepEqual(await searchFor(`${tag} Qwertyuiop`), []);
    assert.equal(await text(page.locator('.results .summary'), 'the summary'), tr(lang, 'cases.none_match'));
    await shot(page, `triage-case-search-${lang}`);
    await done();
  });
}

test('the import page screens what it imported, saying how it goes and what changed', async () => {
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const { page, done } = await newPage({ lang: 'ru' });
  await signInAs(page, 'ana', 'ru');
  const emp = (await apiGet(page, '/alerts?entity_type=employer&limit=1')).body.items[0].entity_key;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-triage-'));
  const csv = path.join(dir, 'triage-inspections.csv');
  fs.writeFileSync(csv, 'inspection_id,employer_tin,inspected_on,workers_found,undeclared_workers,violations\n' +
    `TRIAGE-UI-1,${emp},2024-05-01,15,11,wage_arrears;documents_withheld\nTRIAGE-UI-2,${emp},2024-07-01,15,11,documents_withheld\n`);
  await page.goto('/#/import');
  await drawn(page, 'the import page');
  await page.getByLabel(tr('ru', 'import.file')).setInputFiles(csv);
  await page.getByRole('button', { name: tr('ru', 'import.submit') }).click();
  await see(page.getByRole('heading', { level: 2, name: /TRIAGE|triage-inspections/i }), 'the import result');
  const button = await see(page.getByRole('button', { name: tr('ru', 'import.screen_now') }), 'the button that screens');
  await button.click();
  // how it goes, then what it did
  const done1 = tr('ru', 'import.screened_incremental', { s: 'X' }).split('X');
  await see(page.locator('.screen-status', { hasText: done1[1].trim() }), 'the screening to finish');
  const status = await text(page.locator('.screen-status'), 'the status');
  assert.ok(status.startsWith(done1[0].trim()), status);
  const rows = await page.locator('table.screen-counts tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('th, td')].map((c) => c.textContent.trim())));
  const names = rows.map((r) => r[0]);
  for (const k of ['import.alerts_raised', 'import.alerts_updated', 'import.alerts_lowered', 'import.alerts_open_high']) {
    assert.ok(names.includes(tr('ru', k)), `${k} in ${names}`);
  }
  const high = Number(rows.find((r) => r[0] === tr('ru', 'import.alerts_open_high'))[1].replace(/\s/g, ''));
  const api = (await apiGet(page, '/alerts?level=high&limit=1')).body;
  assert.equal(high, api.total, 'the open high alerts it says are the queue\'s');
  await page.getByRole('link', { name: tr('ru', 'import.open_queue') }).click();
  await drawn(page, 'the queue from the import page');
  await shot(page, 'triage-import-screen');
  fs.rmSync(dir, { recursive: true, force: true });
  await done();
});

test('escalating to an organisation without naming a person: it is in that organisation\'s queue (hy)', async () => {
  const a = await newPage({ lang: 'hy' });
  await signInAs(a.page, 'ana', 'hy');
  const free = (await apiGet(a.page, '/alerts?entity_type=worker&status=new&limit=200')).body.items
    .filter((i) => !i.assignee).pop();
  assert.ok(free, 'an unassigned new worker alert');
  await a.page.goto(`/#/alerts/${free.id}`);
  await drawn(a.page, 'the alert');
  const form = a.page.locator('#transition-form');
  await form.getByLabel(tr('hy', 'alert.move_to')).selectOption('escalated');
  // the organisation is offered beside its people
  await form.getByLabel(tr('hy', 'alert.escalate_to')).selectOption({ label: tr('hy', 'alert.escalate_org', { org: 'NGO Hope' }) });
  await form.getByLabel(tr('hy', 'common.reason')).fill('աշխատողները ապրում են աշխատավայրում');
  await form.getByRole('button', { name: tr('hy', 'alert.change_status') }).click();
  const flash = await see(a.page.locator('.flash-ok, main [role=alert]'), 'the escalation');
  assert.equal((await flash.innerText()).replace('×', '').trim(), tr('hy', 'alert.done_escalated_org', { id: free.id, org: 'NGO Hope' }));
  await drawn(a.page, 'the alert after the escalation');
  const after = (await apiGet(a.page, `/alerts/${free.id}`)).body;
  assert.equal(after.status, 'escalated');
  assert.equal(after.assignee, null);
  assert.equal(after.assigned_org, 'NGO Hope');
  // the alert page says where it is
  const facts = await text(a.page.locator('.facts'), 'the facts');
  assert.ok(facts.includes(tr('hy', 'alert.assigned_org', { org: 'NGO Hope' })), facts);
  await a.done();

  // anyone of the NGO finds it in its queue, without a second step
  const n = await newPage({ lang: 'hy' });
  await signInAs(n.page, 'ngo', 'hy');
  await n.page.goto('/#/alerts?status=escalated');
  await drawn(n.page, 'the NGO queue');
  await see(n.page.locator(`#queue-table tbody tr[data-id="${free.id}"]`), 'the alert in the NGO\'s queue');
  await shot(n.page, 'triage-escalated-to-org');
  await n.done();
  // and not the MCS case worker
  const c = await newPage();
  await signInAs(c.page, 'cw', 'en');
  const cw = (await apiGet(c.page, '/alerts?status=escalated&limit=500')).body.items.map((i) => i.id);
  assert.ok(!cw.includes(free.id), 'not in another organisation\'s queue');
  await c.done();
});
