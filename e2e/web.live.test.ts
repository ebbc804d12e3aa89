import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launch, login, shot } from './helpers/browser.ts';
import { startTestHub, type TestHub, waitFor } from './helpers/hub.ts';

let t: TestHub;
let browser: Browser;
let page: Page;
const children: ChildProcess[] = [];

const stateOf = (pid: number) => readFileSync(`/proc/${pid}/stat`, 'latin1').split(') ')[1]?.[0];

/**
 * Waits for the process drawer to show `state`. On a timeout it says what the page showed instead, with a screenshot
 * (drawer-not-<state>.png): a CI run once timed out waiting for "sleeping" after a resume, with /proc already at S.
 */
async function drawerShows(state: string): Promise<void> {
  const drawer = page.getByTestId('drawer-state');
  try {
    await drawer.filter({ hasText: state }).waitFor({ timeout: 10_000 });
  } catch (error) {
    await shot(page, `drawer-not-${state}`);
    const shown = await drawer.allTextContents();
    const connection = await page.getByTestId('connection').textContent();
    throw new Error(`the drawer did not show "${state}" within 10 s: drawer states ${JSON.stringify(shown)}, connection "${connection}"`, {
      cause: error,
    });
  }
}

beforeAll(async () => {
  t = await startTestHub();
  await t.startAgent('web-1');
  await t.tokenFor('viewer');
  browser = await launch();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
}, 60_000);

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await browser?.close();
  await t?.stop();
});

describe('the dashboard in Chromium', () => {
  it('logs in and shows the fleet, live', async () => {
    await login(page, t.url, 'admin', 'admin-password');
    await page.getByText('live', { exact: true }).waitFor({ timeout: 10_000 });
    await page.locator('[data-host="web-1"]').waitFor();
    await shot(page, 'fleet');
  });

  it('opens the live connection from the page itself before its code loads, once signed in', async () => {
    // A second tab of the signed-in browser: the page's inline script (allowed by its hash in the CSP) opens the
    // socket and subscribes to the fleet; the app takes that socket over instead of opening another.
    const context = await browser.newContext();
    await context.addCookies(await page.context().cookies());
    const tab = await context.newPage();
    const errors: string[] = [];
    tab.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    // Records who opened each WebSocket: an inline script (document.currentScript without src) or the app's modules.
    await tab.addInitScript({
      content: `window.opened = [];
        const Native = window.WebSocket;
        window.WebSocket = class extends Native {
          constructor(url, protocols) {
            super(url, protocols);
            const script = document.currentScript;
            window.opened.push({ url: String(url), byInlineScript: !!script && !script.src });
          }
        };`,
    });
    await tab.goto(`${t.url}/`);
    await tab.locator('[data-host="web-1"]').waitFor();
    await tab.getByText('live', { exact: true }).waitFor({ timeout: 10_000 });
    const opened = await tab.evaluate('window.opened');
    expect(opened).toEqual([{ url: `${t.url.replace('http', 'ws')}/api/v1/live`, byInlineScript: true }]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("watches the local host's CPU number change", async () => {
    const cpu = page.getByTestId('stat-cpu');
    const first = await cpu.textContent();
    // A busy child makes sure the figure moves.
    const busy = spawn('sh', ['-c', 'while :; do :; done']);
    children.push(busy);
    await waitFor('the CPU figure to change', async () => (await cpu.textContent()) !== first, 15_000);
    busy.kill('SIGKILL');
  });

  it('finds a test process, suspends it through the dialog, sees it stopped, and resumes it', async () => {
    const child = spawn('sleep', ['3600']);
    children.push(child);
    const pid = child.pid as number;
    await page.goto(`${t.url}/hosts/web-1/processes`);
    await page.getByLabel('Filter processes').fill(String(pid));
    const row = page
      .getByRole('row')
      .filter({ hasText: String(pid) })
      .first();
    await row.waitFor({ timeout: 15_000 });
    await row.click();
    await page.getByRole('button', { name: 'Suspend' }).click();
    await shot(page, 'process-confirm');
    await page.getByTestId('confirm-action').click();
    await waitFor('the process to stop', () => stateOf(pid) === 'T');
    await drawerShows('stopped');
    await shot(page, 'process-stopped');
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.getByTestId('confirm-action').click();
    await waitFor('the process to run again', () => stateOf(pid) === 'S');
    await drawerShows('sleeping');
  });

  it('changes the history range', async () => {
    await page.goto(`${t.url}/hosts/web-1/performance`);
    await page.getByTestId('range-info').filter({ hasText: 'tier' }).waitFor();
    await page.getByRole('button', { name: '5m', exact: true }).click();
    await page.getByTestId('range-info').filter({ hasText: 'every sample' }).waitFor();
    await page.getByRole('button', { name: '24h', exact: true }).click();
    await page.getByTestId('range-info').filter({ hasText: /steps/ }).waitFor();
    expect(await page.getByRole('button', { name: '24h', exact: true }).getAttribute('aria-pressed')).toBe('true');
    // The charts show the whole 24 hours up to now, though the history holds only this test's minutes.
    const chart = page.locator('.chart-canvas').first();
    const span = async () => Number(await chart.getAttribute('data-x-to')) - Number(await chart.getAttribute('data-x-from'));
    await expect.poll(span, { timeout: 10_000 }).toBeGreaterThan(86_000);
    expect(await span()).toBeLessThan(87_000);
    const to = Number(await chart.getAttribute('data-x-to'));
    expect(Math.abs(to - Date.now() / 1000)).toBeLessThan(120);
    await shot(page, 'performance');
  });

  it('creates a rule in the editor, sees it fire on the host card and the Alerts tab, and acknowledges it', async () => {
    await page.goto(`${t.url}/alerts/rules`);
    await page.getByRole('button', { name: 'New rule' }).click();
    const form = page.getByRole('form', { name: 'Alert rule' });
    await form.getByLabel('Name', { exact: true }).fill('memory exists');
    await form.getByLabel('Metric', { exact: true }).fill('memory_total_bytes');
    await form.getByLabel('Warning at', { exact: true }).fill('0');
    await form.getByLabel('For (holds at least)').fill('0');
    await shot(page, 'alert-rule-editor');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('[data-rule="memory exists"]').waitFor();
    const rules = await t.api('GET', '/api/v1/alert-rules', { token: t.admin });
    const rule = rules.body.find((r: { name: string }) => r.name === 'memory exists');
    expect(rule).toMatchObject({ metric: 'memory_total_bytes', op: '>', warning: 0, for: 0, source: 'api' });

    // The host card and the header count it.
    await page.goto(`${t.url}/`);
    await page.locator('[data-host="web-1"] .badge').filter({ hasText: '1' }).waitFor({ timeout: 10_000 });
    await page.getByTestId('firing-count').waitFor({ timeout: 15_000 });

    // The Alerts tab lists it; acknowledge through the dialog with a comment.
    await page.locator('[data-host="web-1"] .badge').click();
    const row = page.locator('tr[data-alert]').filter({ hasText: 'memory exists' }).first();
    await row.waitFor();
    await row.getByRole('button', { name: 'ack' }).click();
    const dialog = page.getByRole('dialog', { name: 'Acknowledge memory exists' });
    await dialog.getByLabel('Comment (optional)').fill('known: the test made it');
    await dialog.getByRole('button', { name: 'Acknowledge' }).click();
    await row.filter({ hasText: 'ack by admin' }).waitFor({ timeout: 10_000 });
    await shot(page, 'alerts-active');
    const alertId = Number(await row.getAttribute('data-alert'));
    const alert = await t.api('GET', `/api/v1/alerts/${alertId}`, { token: t.admin });
    expect(alert.body).toMatchObject({
      ruleName: 'memory exists',
      hostId: 'web-1',
      acknowledgedBy: 'admin',
      comment: 'known: the test made it',
    });
    expect((await t.api('DELETE', `/api/v1/alert-rules/${rule.id}`, { token: t.admin })).status).toBe(204);
    // Removing the rule resolves its alert.
    await waitFor('the alert to resolve with its rule', async () => {
      const after = await t.api('GET', `/api/v1/alerts/${alertId}`, { token: t.admin });
      return after.body.state === 'resolved' && after.body.resolvedBy === 'the rule was removed or disabled';
    });
  }, 60_000);

  it('hides process control from a viewer', async () => {
    const viewer = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await login(viewer, t.url, 'viewer-user', 'viewer-password');
    await viewer.goto(`${t.url}/hosts/web-1/processes`);
    await viewer.getByLabel('Filter processes').fill(String(process.pid));
    const row = viewer
      .getByRole('row')
      .filter({ hasText: String(process.pid) })
      .first();
    await row.waitFor({ timeout: 15_000 });
    await row.click();
    await viewer.getByTestId('drawer-state').waitFor();
    expect(await viewer.getByRole('button', { name: 'Suspend' }).count()).toBe(0);
    expect(await viewer.getByRole('button', { name: 'Kill' }).count()).toBe(0);
    await viewer.close();
  });

  it('has no horizontal scroll at 375 px wide', async () => {
    const phone = await browser.newPage({ viewport: { width: 375, height: 812 } });
    await login(phone, t.url, 'admin', 'admin-password');
    for (const path of [
      '/',
      '/hosts/web-1/overview',
      '/hosts/web-1/performance',
      '/hosts/web-1/processes',
      '/hosts/web-1/network',
      '/settings/users',
      '/alerts/active',
      '/alerts/rules',
    ]) {
      await phone.goto(`${t.url}${path}`);
      await phone.waitForLoadState('networkidle');
      const width = await phone.evaluate('document.documentElement.scrollWidth');
      expect({ path, width }).toEqual({ path, width: 375 });
    }
    await phone.goto(`${t.url}/`);
    await phone.getByTestId('stat-cpu').waitFor();
    await shot(phone, 'fleet-375');
    await phone.close();
  });
});
