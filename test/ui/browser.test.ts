/**
 * The admin UI in a real Chromium over a real HTTP server (PGlite engine, a worker, an API token):
 * filtering, the attempt timeline, replaying a dead job, live refresh, cancelling, hostile data shown
 * as text, and the sign-in flow. Every page is watched for dialogs, script errors and CSP violations.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { createHttpApp } from '../../src/http/app.ts';
import { AUTH_COOKIE } from '../../src/http/middleware/auth.ts';
import { startHttpServer, type RunningServer } from '../../src/http/server.ts';
import { NotFound, UpstreamUnavailable } from '../../src/protocol/errors.ts';
import { launchChromium, watchPage, type PageWatch } from '../helpers/browser.ts';
import { testEngine, waitFor, type TestEngine } from '../helpers/engine.ts';
import { startWorker } from '../helpers/workers.ts';

const TOKEN = 'browser-test-token-6d1f0a';
const HOSTILE = '<img src=x onerror=alert(1)>"><script>alert(1)</script>';

describe('admin UI in Chromium', () => {
  let browser: Browser;
  let engine: TestEngine;
  let server: RunningServer;
  let context: BrowserContext;
  let page: Page;
  let watch: PageWatch;
  const flakySeen = new Set<string>();

  // A launch failure (no Chromium) is rethrown by every test: a failing beforeAll would only mark
  // the tests skipped, and these must fail, never skip.
  let launchError: unknown;

  beforeAll(async () => {
    browser = await launchChromium().catch((err: unknown) => {
      launchError = err;
      return undefined as unknown as Browser;
    });
    // Fast backoff, so a retried job shows two attempts within a test.
    engine = await testEngine('pglite', { defaults: { backoff: { baseSeconds: 0.05, capSeconds: 0.2, jitter: 0 } } });
    const app = createHttpApp({ db: engine.db, jobs: engine.jobs, jobTypes: ['customer', 'invoice'], apiToken: TOKEN });
    server = await startHttpServer(app, { host: '127.0.0.1', port: 0, apiToken: TOKEN });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await engine?.close();
  });

  beforeEach(async () => {
    if (launchError) throw launchError;
    await startWorker(engine, {
      handlers: {
        customer: (job) => {
          const id = job.entity_id;
          if (id.startsWith('missing') || id.startsWith('<')) throw new NotFound(`no customer ${id} in CRM`, { detail: { status: 404, entity: id } });
          if (id.startsWith('down')) throw new UpstreamUnavailable('CRM answered 503', { detail: { status: 503 } });
          if (id.startsWith('flaky') && !flakySeen.has(id)) {
            flakySeen.add(id);
            throw new UpstreamUnavailable('CRM answered 503 once', { detail: { status: 503, retry: true } });
          }
        },
        invoice: () => {},
      },
    });
    context = await browser.newContext({ baseURL: server.url, viewport: { width: 1280, height: 860 } });
    await context.addCookies([{ name: AUTH_COOKIE, value: TOKEN, url: server.url, httpOnly: true, sameSite: 'Strict' }]);
    context.setDefaultTimeout(10_000);
    page = await context.newPage();
    watch = watchPage(page);
  });

  afterEach(async () => {
    if (launchError) return;
    await context?.close();
    expect(watch.dialogs).toEqual([]);
    expect(watch.problems).toEqual([]);
  });

  async function enqueue(entityId: string, options: { jobType?: string; maxRetries?: number; runAt?: Date } = {}) {
    const { job } = await engine.jobs.enqueue({ jobType: options.jobType ?? 'customer', entityId, ...options });
    return job;
  }

  const untilStatus = (id: number, status: string) =>
    waitFor(`job ${id} to be ${status}`, async () => (await engine.jobs.get(id))?.status === status);

  const rowStatuses = () => page.locator('tr[data-job-id]').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-status')));
  const rowIds = () => page.locator('tr[data-job-id]').evaluateAll((trs) => trs.map((tr) => Number(tr.getAttribute('data-job-id'))));

  test('the jobs list filters by status with the chips and by type and entity with the form', async () => {
    const ok = await enqueue('ok_1');
    const missing = await enqueue('missing_1');
    const dead = await enqueue('down_1', { maxRetries: 0 });
    const invoice = await enqueue('ok_1', { jobType: 'invoice' });
    await Promise.all([untilStatus(ok.id, 'succeeded'), untilStatus(missing.id, 'failed'), untilStatus(dead.id, 'dead'), untilStatus(invoice.id, 'succeeded')]);

    await page.goto('/ui/jobs');
    await expect(page.title()).resolves.toBe('Jobs · SyncBridge');
    expect(await rowIds()).toEqual(expect.arrayContaining([ok.id, missing.id, dead.id, invoice.id]));
    await page.screenshot({ path: '/tmp/ui-jobs.png', fullPage: true });

    await page.click('a[data-status-chip="failed"]');
    await page.waitForURL(/\/ui\/jobs\?status=failed/);
    expect(await page.getAttribute('a[data-status-chip="failed"]', 'aria-current')).toBe('true');
    expect(await rowIds()).toContain(missing.id);
    expect(new Set(await rowStatuses())).toEqual(new Set(['failed']));

    await page.click('a[data-status-chip="dead"]');
    await page.waitForURL(/status=dead/);
    expect(await rowIds()).toContain(dead.id);
    expect(new Set(await rowStatuses())).toEqual(new Set(['dead']));

    // The selects submit on change (app.js); the entity field with the button.
    await page.selectOption('select[name="status"]', 'succeeded');
    await page.waitForURL(/status=succeeded/);
    expect(new Set(await rowStatuses())).toEqual(new Set(['succeeded']));
    await page.selectOption('select[name="job_type"]', 'invoice');
    await page.waitForURL(/job_type=invoice/);
    await page.fill('input[name="entity_id"]', 'ok_1');
    await page.click('form.filters button[type="submit"]');
    await page.waitForURL(/entity_id=ok_1/);
    expect(await rowIds()).toEqual([invoice.id]);

    await page.click('text=Clear');
    await page.waitForURL(/\/ui\/jobs$/);
    expect((await rowIds()).length).toBeGreaterThanOrEqual(4);
  });

  test('opening a job shows its fields and the attempt timeline', async () => {
    const job = await engine.jobs.enqueue({ jobType: 'customer', entityId: 'flaky_7', payload: { customer: 'flaky_7', fields: ['email', 'name'] } });
    await untilStatus(job.job.id, 'succeeded');

    await page.goto('/ui/jobs?refresh=0');
    await page.click(`tr[data-job-id="${job.job.id}"] td.entity a`);
    await page.waitForURL(new RegExp(`/ui/jobs/${job.job.id}$`));
    await expect(page.title()).resolves.toBe(`Job ${job.job.id} · SyncBridge`);
    expect(await page.textContent('h1')).toContain(`Job ${job.job.id}`);
    expect(await page.textContent('pre.json')).toContain('"fields": [');

    const attempts = page.locator('ol.timeline > li[data-attempt]');
    await expect(attempts.count()).resolves.toBe(2);
    const first = await attempts.nth(0).textContent();
    expect(first).toContain('#1');
    expect(first).toContain('retry');
    expect(first).toContain('UpstreamUnavailable');
    expect(first).toContain('CRM answered 503 once');
    expect(first).toMatch(/"status": 503/);
    expect(first).toMatch(/\d+(\.\d)? ms/);
    const second = await attempts.nth(1).textContent();
    expect(second).toContain('#2');
    expect(second).toContain('succeeded');
    // A succeeded job offers Replay only.
    expect(await page.locator('main button[data-action]').evaluateAll((bs) => bs.map((b) => b.getAttribute('data-action')))).toEqual(['replay']);
    await page.screenshot({ path: '/tmp/ui-job.png', fullPage: true });
  });

  test('replaying a dead job from the dead-letter view lands on the new job, linked to the old one', async () => {
    const dead = await enqueue('down_replay', { maxRetries: 0 });
    await untilStatus(dead.id, 'dead');

    await page.goto('/ui/dead');
    await expect(page.title()).resolves.toBe('Dead letters · SyncBridge');
    for (const s of await rowStatuses()) expect(['dead', 'failed']).toContain(s);
    await page.click(`tr[data-job-id="${dead.id}"] button[data-action="replay"]`);
    await page.waitForURL(/\/ui\/jobs\/\d+\?done=replayed$/);
    const newId = Number(/\/ui\/jobs\/(\d+)/.exec(page.url())![1]);
    expect(newId).not.toBe(dead.id);
    expect(await page.textContent('.flash-notice')).toContain('Replay created');
    const link = page.locator('a.replay-link');
    expect(await link.textContent()).toBe(`replay of job ${dead.id}`);
    expect((await engine.jobs.get(newId))?.replay_of_job_id).toBe(dead.id);

    await link.click();
    await page.waitForURL(new RegExp(`/ui/jobs/${dead.id}$`));
    expect(await page.textContent('h1')).toContain(`Job ${dead.id}`);
  });

  test('a failed job is retried from its page and cancelling a pending job works from its page', async () => {
    const later = await enqueue('later_1', { runAt: new Date(Date.now() + 3_600_000) });
    await page.goto(`/ui/jobs/${later.id}`);
    await page.click('button[data-action="cancel"]');
    await page.waitForURL(new RegExp(`/ui/jobs/${later.id}\\?done=cancelled$`));
    expect(await page.textContent('.flash-notice')).toBe('Job cancelled.');
    expect(await page.getAttribute('#job', 'data-status')).toBe('cancelled');

    const failed = await enqueue('missing_retry');
    await untilStatus(failed.id, 'failed');
    await page.goto(`/ui/jobs/${failed.id}`);
    await page.click('button[data-action="retry"]');
    await page.waitForURL(new RegExp(`/ui/jobs/${failed.id}\\?done=retried$`));
    await waitFor('the retried job to fail again', async () => (await engine.jobs.attempts(failed.id)).length === 2);
    await page.goto(`/ui/jobs/${failed.id}`);
    await expect(page.locator('ol.timeline > li[data-attempt]').count()).resolves.toBe(2);
  });

  test('the list refreshes itself in place: new jobs appear, the page is not reloaded, typed filters survive', async () => {
    await page.goto('/ui/jobs');
    await page.evaluate(() => ((globalThis as unknown as { marker: number }).marker = 42));
    await page.fill('input[name="entity_id"]', 'half-typed');
    const job = await enqueue('live_1', { runAt: new Date(Date.now() + 3_600_000) });
    await page.locator(`tr[data-job-id="${job.id}"]`).waitFor({ timeout: 15_000 });
    expect(await page.evaluate(() => (globalThis as unknown as { marker?: number }).marker)).toBe(42);
    expect(await page.inputValue('input[name="entity_id"]')).toBe('half-typed');

    await page.goto('/ui/jobs?refresh=0');
    expect(await page.getAttribute('body', 'data-refresh')).toBeNull();
    expect(await page.textContent('#refresh-toggle')).toContain('off');
  });

  test('a hostile entity id and error message show as text: no element, no script, no dialog', async () => {
    const job = await enqueue(HOSTILE);
    await untilStatus(job.id, 'failed');
    const pages = ['/ui/jobs?refresh=0', `/ui/jobs?refresh=0&entity_id=${encodeURIComponent(HOSTILE)}`, `/ui/jobs/${job.id}`, '/ui/dead'];
    for (const path of pages) {
      await page.goto(path);
      expect(await page.textContent('body'), path).toContain(HOSTILE);
      expect(await page.locator('img').count(), path).toBe(0);
      expect(await page.locator('[onerror]').count(), path).toBe(0);
      const scripts = await page.locator('script').evaluateAll((ss) => ss.map((s) => s.getAttribute('src')));
      expect(scripts.length, path).toBe(1);
      expect(scripts[0], path).toMatch(/^\/ui\/static\/app\.js\?v=/);
    }
    await page.goto(`/ui/jobs/${job.id}`);
    expect(await page.textContent('dl.fields code.entity')).toBe(HOSTILE);
    expect(await page.textContent('.attempt-error .message')).toBe(`no customer ${HOSTILE} in CRM`);
    await page.goto(`/ui/jobs?refresh=0&entity_id=${encodeURIComponent(HOSTILE)}`);
    expect(await page.inputValue('input[name="entity_id"]')).toBe(HOSTILE);
    await page.waitForTimeout(300); // a late onerror would have fired by now
  });

  test('signing in with the token: a wrong one is refused, the right one returns to the page asked for, sign-out ends it', async () => {
    const fresh = await browser.newContext({ baseURL: server.url });
    fresh.setDefaultTimeout(10_000);
    try {
      const p = await fresh.newPage();
      const w = watchPage(p);
      await p.goto('/ui/dead');
      await p.waitForURL(/\/ui\/login\?next=%2Fui%2Fdead$/);
      await expect(p.title()).resolves.toBe('Sign in · SyncBridge');

      await p.fill('input[name="token"]', 'not-the-token');
      await p.click('button[type="submit"]');
      expect(await p.textContent('.flash-error')).toBe('invalid token');
      expect(await p.locator('input[name="token"]').inputValue()).toBe('');

      await p.fill('input[name="token"]', TOKEN);
      await p.click('button[type="submit"]');
      await p.waitForURL(/\/ui\/dead$/);
      expect(await p.textContent('h1')).toBe('Dead letters');
      const cookie = (await fresh.cookies()).find((c) => c.name === AUTH_COOKIE);
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });

      await p.click('text=Sign out');
      await p.waitForURL(/\/ui\/login$/);
      await p.goto('/ui/jobs');
      await p.waitForURL(/\/ui\/login\?next=%2Fui%2Fjobs$/);
      expect(w.dialogs).toEqual([]);
      expect(w.problems).toEqual([]);
    } finally {
      await fresh.close();
    }
  });
});
