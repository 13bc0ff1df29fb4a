// `tipwatch demo` ends by serving the UI with the account it prints: that
// account signs in and sees the queue, an alert and the dashboard. Started
// by tests/e2e/browser.sh with TW_FIXTURE naming the printed account.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, close, newPage, shot, signIn, ready, FIXTURE } from './lib.mjs';

before(launch);
after(close);

test('the demo account printed by tipwatch demo signs in and works', async () => {
  const [user] = Object.keys(FIXTURE.users);
  const { page, done } = await newPage();
  await signIn(page, user);
  assert.match(await page.locator('#who').textContent(), new RegExp(`${user} · analyst`));
  assert.ok(await page.locator('#queue-table tbody tr').count() > 0, 'the demo has alerts');
  await page.locator('a.alert-link').first().click();
  await page.getByRole('heading', { name: 'Why this alert' }).waitFor();
  await page.getByRole('link', { name: 'Dashboard' }).click();
  await ready(page);
  assert.equal(await page.locator('figure.chart canvas').count(), 6);
  await shot(page, '20-demo-dashboard');
  await done();
});
