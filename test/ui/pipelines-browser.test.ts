/**
 * The pipeline pages in a real Chromium over a real HTTP server (PGlite engine, a worker, an API token):
 * from the pipelines list to a pipeline, Run now, and on to the run, whose page refreshes in place until
 * every stream has succeeded with its row count; cancelling a running run; hostile stream names shown as
 * text. Every page is watched for dialogs, script errors and CSP violations.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { postgresDestination } from '../../src/connectors/postgres/index.ts';
import { createHttpApp } from '../../src/http/app.ts';
import { AUTH_COOKIE } from '../../src/http/middleware/auth.ts';
import { startHttpServer, type RunningServer } from '../../src/http/server.ts';
import { discardDestination, secretCounterSource } from '../fixtures/connectors/ui-connectors.ts';
import { launchChromium, watchPage, type PageWatch } from '../helpers/browser.ts';
import { testEngine, waitFor, type TestEngine } from '../helpers/engine.ts';
import { startWorker } from '../helpers/workers.ts';

const TOKEN = 'browser-pipelines-token-3e9b11';
const SECRET = 'tok_browser_secret_a41c7e';
const HOSTILE = '<img src=x onerror=alert(1)>"><script>alert(1)</script>';

describe('pipeline pages in Chromium', () => {
  let browser: Browser;
  let engine: TestEngine;
  let dest: string;
  let server: RunningServer;
  let context: BrowserContext;
  let page: Page;
  let watch: PageWatch;
  // A launch failure (no Chromium) is rethrown by every test: they must fail, never skip.
  let launchError: unknown;

  beforeAll(async () => {
    browser = await launchChromium().catch((err: unknown) => {
      launchError = err;
      return undefined as unknown as Browser;
    });
    engine = await testEngine('pglite', { connectors: { counter: secretCounterSource, postgres: postgresDestination, discard: discardDestination }, runPollMs: 100 });
    dest = `${engine.schema}_dest`;
    const app = createHttpApp({ db: engine.db, jobs: engine.jobs, pipelines: engine.pipelines, jobTypes: Object.keys(engine.handlers()), apiToken: TOKEN });
    server = await startHttpServer(app, { host: '127.0.0.1', port: 0, apiToken: TOKEN });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await engine?.db.query(`drop schema if exists "${dest}" cascade`).catch(() => {});
    await engine?.close();
  });

  beforeEach(async () => {
    if (launchError) throw launchError;
    await startWorker(engine, { handlers: {}, concurrency: 3 });
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

  const records = (stream: string) => page.getAttribute(`tr[data-stream="${stream}"] td[data-records]`, 'data-records').then(Number);

  test('from the list to a pipeline, Run now, and on to the run until every stream succeeded with its rows', async () => {
    const p = await engine.pipelines.create({
      name: 'counter-to-engine',
      source: { connector: 'counter', config: { token: SECRET, count: 200, page_size: 10, slow_ms: 120 } },
      destination: { connector: 'postgres', config: { schema: dest } },
      streams: ['alpha', 'beta'],
      mode: 'full_refresh',
    });

    await page.goto('/ui/jobs');
    await page.click('nav a:text("Pipelines")');
    await page.waitForURL(/\/ui\/pipelines$/);
    await expect(page.title()).resolves.toBe('Pipelines · SyncBridge');
    expect(await page.textContent(`tr[data-pipeline-id="${p.id}"]`)).toContain('never run');
    await page.screenshot({ path: '/tmp/ui-pipelines.png', fullPage: true });

    await page.click(`tr[data-pipeline-id="${p.id}"] a:text("counter-to-engine")`);
    await page.waitForURL(new RegExp(`/ui/pipelines/${p.id}$`));
    expect(await page.textContent('h1')).toContain('counter-to-engine');
    expect(await page.textContent('main')).toContain('"token": "********"');
    expect(await page.content()).not.toContain(SECRET);

    await page.click('button[data-action="run"]');
    await page.waitForURL(new RegExp(`/ui/pipelines/${p.id}\\?done=started$`));
    expect(await page.textContent('.flash-notice')).toContain('Run queued');
    // The worker starts the run; the runs table shows it without a reload.
    await page.evaluate(() => ((globalThis as unknown as { marker: number }).marker = 1));
    const runLink = page.locator('#pipeline-runs tr[data-run-id] td.num a');
    await runLink.waitFor({ timeout: 20_000 });
    expect(await page.evaluate(() => (globalThis as unknown as { marker?: number }).marker)).toBe(1);
    const runId = Number(await runLink.textContent());
    await page.screenshot({ path: '/tmp/ui-pipeline.png', fullPage: true });

    await runLink.click();
    await page.waitForURL(new RegExp(`/ui/runs/${runId}$`));
    await expect(page.title()).resolves.toBe(`Run ${runId} · SyncBridge`);
    await page.evaluate(() => ((globalThis as unknown as { marker: number }).marker = 2));
    // Watch the counts climb in place until both streams are done.
    const seen: number[] = [];
    await waitFor(
      'both streams to show succeeded',
      async () => {
        seen.push(await records('alpha'));
        return (await page.locator('tr[data-stream][data-status="succeeded"]').count()) === 2;
      },
      30_000,
      100,
    );
    expect(await page.evaluate(() => (globalThis as unknown as { marker?: number }).marker)).toBe(2); // refreshed in place, never reloaded
    expect(seen).toEqual([...seen].sort((a, b) => a - b)); // counts only ever grow
    await page.locator('#run[data-status="succeeded"]').waitFor({ timeout: 10_000 });
    expect(await records('alpha')).toBe(200);
    expect(await records('beta')).toBe(200);
    expect(await page.textContent('tr[data-stream="alpha"] td[data-records]')).toBe('200');
    expect(await page.textContent('[data-total-records]')).toBe('400');
    expect(await page.locator('button[data-action="cancel"]').count()).toBe(0);
    // Finished: the page stops refreshing itself.
    await waitFor('refreshing to stop', async () => (await page.getAttribute('body', 'data-refresh')) === null, 10_000);
    await page.screenshot({ path: '/tmp/ui-run.png', fullPage: true });

    // A stream's job is one click away.
    const jobHref = await page.getAttribute('tr[data-stream="beta"] a[href^="/ui/jobs/"]', 'href');
    await page.click('tr[data-stream="beta"] a[href^="/ui/jobs/"]');
    await page.waitForURL(new RegExp(`${jobHref}$`));
    expect(await page.textContent('h1')).toContain('pipeline_stream');
    const { rows } = await engine.db.query<{ n: number }>(`select count(*)::int as n from "${dest}".beta`);
    expect(rows[0]!.n).toBe(200);
  });

  test('a running run is cancelled from its page; hostile stream names show as text', async () => {
    const p = await engine.pipelines.create({
      name: 'slow-hostile',
      source: { connector: 'counter', config: { token: SECRET, count: 1_000_000, page_size: 5, slow_ms: 100, extra_streams: [HOSTILE] } },
      destination: { connector: 'discard', config: { password: 'pw' } },
      streams: [HOSTILE, 'alpha'],
      mode: 'full_refresh',
    });
    const { job } = await engine.pipelines.start(p.id);
    const run = await waitFor('the run to start', () => engine.pipelines.runOfJob(job.id), 20_000);

    await page.goto(`/ui/runs/${run.id}`);
    expect(await page.textContent('main')).toContain(HOSTILE);
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.locator('script').count()).toBe(1);
    await page.locator('tr[data-stream][data-status="running"]').first().waitFor({ timeout: 20_000 });
    expect(await page.getAttribute('body', 'data-refresh')).toBe('2');
    await page.screenshot({ path: '/tmp/ui-run-live.png', fullPage: true });

    await page.click('button[data-action="cancel"]');
    await page.waitForURL(new RegExp(`/ui/runs/${run.id}\\?done=cancelled$`));
    expect(await page.textContent('.flash-notice')).toContain('Run cancelled');
    expect(await page.getAttribute('#run', 'data-status')).toBe('cancelled');
    expect(await page.locator('button[data-action="cancel"]').count()).toBe(0);
    expect(await page.getAttribute('body', 'data-refresh')).toBeNull();
    await waitFor('the stream jobs to be cancelled', async () => (await engine.pipelines.run(run.id)).streams.every((s) => s.job_status === 'cancelled'));
    await page.waitForTimeout(300); // a late onerror would have fired by now
  });
});
