// What an analyst and a case worker ran into in a first pilot (issue 18),
// each checked by what they see: carried evidence shows its own facts,
// names stand beside keys, the hand-off from alert to case, where each
// role starts. Started by tests/e2e/browser.sh after ui, cases and i18n.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, close, newPage, shot, apiGet, FIXTURE } from './lib.mjs';
import { tr, see, drawn, signInAs } from './pilot-lib.mjs';

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
