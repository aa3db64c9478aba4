/**
 * The two-way sync pages in a real Chromium, over the two-way rig (engine and HTTP app on a loopback
 * port, a fake forge — GitHub, Gitea and GitLab in turn — sending signed webhooks, an API token): a title edited here and on the provider
 * before either heard of the other becomes a held conflict; the inbox shows base, local and remote side
 * by side with the remote's markup as text; a value typed in resolves it, the outbox pushes it to the
 * provider, and a stale form for the same conflict gets a message, not a 500. The issue page shows the
 * resolution in its sync log, the connections page the connection and Poll now. Every page is watched
 * for dialogs, script errors and CSP violations. Then, over plain HTTP: Replay of a dead outbox entry,
 * and the controls' refusals and bad addresses as pages with messages (never a 500). Postgres when the
 * run includes it, else PGlite.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { createHttpApp } from '../../src/http/app.ts';
import { testBackends, type Backend } from '../helpers/backends.ts';
import { launchChromium, watchPage, type PageWatch } from '../helpers/browser.ts';
import { waitFor } from '../helpers/engine.ts';
import { startWorker } from '../helpers/workers.ts';
import { PROVIDERS, startRig, type TwoWayRig } from '../twoway/forges.ts';

const TOKEN = 'browser-twoway-token-5d71c0';
const REMOTE_TITLE = 'Remote <b>title</b>';
const backend: Backend = testBackends().includes('pg') ? 'pg' : 'pglite';

describe.each(PROVIDERS)(`two-way sync pages in Chromium with %s (${backend})`, (provider) => {
  let browser: Browser;
  let rig: TwoWayRig;
  let context: BrowserContext;
  let page: Page;
  const watches: PageWatch[] = [];
  // A launch failure (no Chromium) is rethrown by every test: they must fail, never skip.
  let launchError: unknown;

  beforeAll(async () => {
    browser = await launchChromium().catch((err: unknown) => {
      launchError = err;
      return undefined as unknown as Browser;
    });
    // No worker yet: the test decides when jobs run, so both edits happen before any push.
    rig = await startRig(provider, backend, { worker: false, apiToken: TOKEN });
  });

  afterAll(async () => {
    await browser?.close();
    await rig?.close();
  });

  beforeEach(async () => {
    if (launchError) throw launchError;
    context = await browser.newContext({ baseURL: rig.server.url, viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(10_000);
    page = await context.newPage();
    watches.push(watchPage(page));
  });

  afterEach(async () => {
    if (launchError) return;
    await context?.close();
    for (const w of watches.splice(0)) {
      expect(w.dialogs).toEqual([]);
      expect(w.problems).toEqual([]);
    }
  });

  test('concurrent title edits: the inbox shows both sides as text, a typed value resolves the conflict and reaches the provider, a stale form gets a message', async () => {
    const r = rig;
    const twoway = r.engine.twoway;
    const created = r.forge.store.remoteCreate(r.repo, { title: 'Shared title', body: 'original' });
    const first = await startWorker(r.engine, { concurrency: 2, handlers: {} });
    await r.deliver();
    const row = await r.mirrorOf(created.number);
    await r.settle();
    await first.stop(0);

    // Both sides edit the title before either hears of the other; then jobs run and webhooks arrive.
    await twoway.updateIssue(row.id, { title: 'Local title' });
    r.remoteEdit(created.number, { title: REMOTE_TITLE });
    await startWorker(r.engine, { concurrency: 2, handlers: {} });
    await r.deliver();
    const [held] = await waitFor('one open conflict', async () => {
      const open = await twoway.listConflicts({ status: 'open' });
      return open.length === 1 ? open : undefined;
    });
    expect(held).toMatchObject({ issue_id: row.id, field: 'title', base_value: 'Shared title', local_value: 'Local title', remote_value: REMOTE_TITLE });

    // Signed out: the inbox sends us to sign in with the API token, then back.
    await page.goto('/ui/conflicts');
    await page.waitForURL(/\/ui\/login\?next=%2Fui%2Fconflicts$/);
    await page.fill('input[name="token"]', TOKEN);
    await page.click('button:text("Sign in")');
    await page.waitForURL(/\/ui\/conflicts$/);
    await expect(page.title()).resolves.toBe('Conflicts · SyncBridge');
    expect(await page.getAttribute('nav a:text("Conflicts")', 'aria-current')).toBe('page');
    expect(await page.locator('nav a:text("Issues")').count()).toBe(1);

    const card = page.locator(`#conflict-${held!.id}`);
    expect(await card.getAttribute('data-field')).toBe('title');
    expect(await card.locator(`a[href="/ui/issues/${row.id}"]`).first().textContent()).toBe('Local title');
    expect(await card.locator('[data-side="base"] pre').textContent()).toBe('Shared title');
    expect(await card.locator('[data-side="local"] pre').textContent()).toBe('Local title');
    // The remote's markup is text: the literal characters show, no <b> element exists.
    expect(await card.locator('[data-side="remote"] pre').textContent()).toBe(REMOTE_TITLE);
    expect(await card.locator('[data-side="remote"] b').count()).toBe(0);
    expect(await card.locator('[data-side="remote"] pre').innerHTML()).toBe('Remote &lt;b&gt;title&lt;/b&gt;');
    // Side by side: one row, base then local then remote from left to right.
    const [base, local, remote] = await Promise.all(['base', 'local', 'remote'].map((s) => card.locator(`td[data-side="${s}"]`).boundingBox()));
    expect(base!.y).toBe(local!.y);
    expect(local!.y).toBe(remote!.y);
    expect(base!.x).toBeLessThan(local!.x);
    expect(local!.x).toBeLessThan(remote!.x);
    expect(await card.locator('textarea[name="value"]').inputValue()).toBe('Local title');
    await page.screenshot({ path: '/tmp/ui-conflicts.png', fullPage: true });

    // A second tab keeps the same form open: it is stale once the first resolves the conflict.
    const stale = await context.newPage();
    watches.push(watchPage(stale));
    await stale.goto('/ui/conflicts');

    await card.locator('textarea[name="value"]').fill('Merged title');
    await card.locator('button[data-action="use-value"]').click();
    await page.waitForURL(/\/ui\/conflicts\?done=resolved$/);
    expect(await page.textContent('.flash-notice')).toContain('Conflict resolved');
    expect(await page.locator('[data-conflict-id]').count()).toBe(0);
    expect(await page.textContent('#conflict-list')).toContain('No open conflicts');

    const resolved = await twoway.getConflict(held!.id);
    expect(resolved).toMatchObject({ status: 'resolved', resolution: 'value', resolved_value: 'Merged title' });
    await waitFor('the provider to hold the resolved title', () => r.remote(created.number).title === 'Merged title');

    // The stale tab's Keep remote is refused with the service's message and 409; nothing changes.
    await stale.click(`#conflict-${held!.id} button[data-action="keep-remote"]`);
    await stale.waitForURL(new RegExp(`/ui/conflicts/${held!.id}/resolve$`));
    expect(await stale.textContent('.flash-error')).toContain(`conflict ${held!.id} is resolved`);
    expect(await stale.locator('[data-conflict-id]').count()).toBe(0);
    expect(await twoway.getConflict(held!.id)).toMatchObject({ status: 'resolved', resolved_value: 'Merged title' });

    // The echo of our push arrives and changes nothing; the issue is in sync on both sides.
    await r.deliver();
    await r.settle();
    const done = await twoway.getIssue(row.id);
    expect(done.issue).toMatchObject({ title: 'Merged title', sync_status: 'synced' });
    expect(r.remote(created.number).title).toBe('Merged title');

    // The issue page: fields, the conflict among the earlier ones, the sent outbox, the log's resolution.
    await page.goto(`/ui/issues/${row.id}`);
    expect(await page.textContent('h1')).toContain('Merged title');
    expect(await page.locator('#issue-conflicts article[data-conflict-id]').count()).toBe(0);
    expect(await page.getAttribute(`#issue-conflicts tr[data-conflict-id="${held!.id}"]`, 'data-status')).toBe('resolved');
    expect(await page.locator('#issue-outbox tr[data-outbox-id]').count()).toBeGreaterThan(0);
    expect(await page.locator('#issue-outbox tr[data-outbox-id]:not([data-status="sent"])').count()).toBe(0);
    const resolvedLog = page.locator('#issue-log tr[data-direction="local"][data-action="resolved"]');
    expect(await resolvedLog.count()).toBe(1);
    expect(await resolvedLog.locator('td').nth(3).textContent()).toContain('"title":"Local title"');
    expect(await resolvedLog.locator('td').nth(4).textContent()).toContain('"title":"Merged title"');
    expect(await page.locator('#issue-log tr[data-direction="local"][data-action="edited"]').count()).toBe(1);
    const pushed = page.locator('#issue-log tr[data-direction="outbound"][data-action="pushed"]');
    expect(await pushed.first().locator('td').nth(4).textContent()).toContain('"title":"Merged title"');
    await page.screenshot({ path: '/tmp/ui-issue.png', fullPage: true });

    // The issues list, filtered by sync status.
    await page.goto('/ui/issues?status=synced');
    const listed = page.locator(`tr[data-issue-id="${row.id}"]`);
    expect(await listed.getAttribute('data-sync-status')).toBe('synced');
    expect(await listed.textContent()).toContain('Merged title');
    expect(await listed.locator(`a[data-external-id="${created.number}"]`).getAttribute('href')).toBe(new URL(done.issue.url!).href);
    await page.goto('/ui/issues?status=conflict');
    expect(await page.locator('tr[data-issue-id]').count()).toBe(0);

    // The connections page, and Poll now.
    await page.click('nav a:text("Connections")');
    await page.waitForURL(/\/ui\/connections$/);
    const conn = page.locator(`tr[data-connection-id="${r.connection.id}"]`);
    expect(await conn.textContent()).toContain(r.connection.name);
    expect(await conn.textContent()).toContain(r.repo);
    expect(await conn.textContent()).toContain(r.connection.webhook_path);
    expect(await conn.locator('td[data-rejected]').getAttribute('data-rejected')).toBe('0');
    expect(await page.content()).not.toContain('whsec-');
    await conn.locator('button[data-action="poll"]').click();
    await page.waitForURL(/\/ui\/connections\?done=poll(ed|ing)$/);
    expect(await page.textContent('.flash-notice')).toMatch(/Poll queued|already queued or running/);
    await waitFor('the poll to run', async () => (await twoway.getConnection(r.connection.id)).last_polled_at !== null);
    await page.screenshot({ path: '/tmp/ui-connections.png', fullPage: true });
  });

  test('a dead outbox entry is replayed from the issue page; refused and malformed requests get a page and a message, never a 500; provider text is escaped', async () => {
    const r = rig;
    const send = (path: string, init: RequestInit = {}) =>
      fetch(`${r.server.url}${path}`, { redirect: 'manual', ...init, headers: { authorization: `Bearer ${TOKEN}`, ...init.headers } });
    const post = (path: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
      send(path, { method: 'POST', body: new URLSearchParams(form), headers });
    await startWorker(r.engine, { concurrency: 2, handlers: {} });
    const HOSTILE = '<img src=x onerror=alert(1)>';
    const created = r.forge.store.remoteCreate(r.repo, { title: HOSTILE, body: 'b' });
    await r.deliver();
    const row = await r.mirrorOf(created.number);
    await r.engine.twoway.updateIssue(row.id, { body: 'edited here' });
    const sent = await waitFor('the push', async () => (await r.engine.twoway.listOutbox({ issueId: row.id, status: 'sent' }))[0]);

    const list = await (await send('/ui/issues')).text();
    expect(list).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(list).not.toContain(HOSTILE);

    // A replay of an entry that is not dead: 409 on the issue's page with the service's message.
    const replay = await post(`/ui/issues/${row.id}/outbox/${sent.id}/replay`, {});
    expect(replay.status).toBe(409);
    expect(await replay.text()).toMatch(/class="flash flash-error"[^>]*>outbox entry \d+ is sent: only dead entries are replayed/);
    // The provider down past the retry limit: the entry is dead, the issue page offers Replay, and the replay delivers it.
    r.forge.faults.set({ rate5xx: 1 });
    await r.engine.twoway.updateIssue(row.id, { body: 'written during the outage' });
    const dead = await waitFor('the entry to be dead', async () => (await r.engine.twoway.listOutbox({ issueId: row.id, status: 'dead' }))[0], 15_000);
    const page = await (await send(`/ui/issues/${row.id}`)).text();
    expect(page).toContain(`action="/ui/issues/${row.id}/outbox/${dead.id}/replay"`);
    expect(page).toContain('<dt>Sync status</dt><dd><span class="badge badge-failed">error</span></dd>');
    r.forge.faults.set({ rate5xx: 0 });
    const replayed = await post(`/ui/issues/${row.id}/outbox/${dead.id}/replay`, {});
    expect(replayed.status).toBe(303);
    expect(replayed.headers.get('location')).toBe(`/ui/issues/${row.id}?done=replayed`);
    await waitFor('the replayed push', () => r.remote(created.number).body === 'written during the outage');

    // A resolution with neither a side nor a value, and one for a conflict that does not exist.
    const empty = await post('/ui/conflicts/1/resolve', { back: 'inbox' });
    expect(empty.status).toBe(400);
    expect(await empty.text()).toContain('choose Keep local or Keep remote, or enter a value');
    expect((await post('/ui/conflicts/999999/resolve', { choice: 'local' })).status).toBe(404);
    expect((await post('/ui/connections/999999/poll', {})).status).toBe(404);
    expect((await post(`/ui/issues/${row.id}/outbox/999999/replay`, {})).status).toBe(404);
    // Another site's form is refused before anything runs.
    expect((await post(`/ui/connections/${r.connection.id}/poll`, {}, { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    // Bad addresses and filters.
    for (const path of ['/ui/issues/abc', '/ui/issues/0', '/ui/issues/999999', '/ui/conflicts/abc/resolve']) {
      const res = path.endsWith('/resolve') ? await post(path, {}) : await send(path);
      expect(res.status, path).toBe(404);
    }
    expect((await send('/ui/conflicts?status=bogus')).status).toBe(400);
    expect((await send('/ui/issues?status=bogus')).status).toBe(400);
    expect((await send('/ui/issues?connection=x')).status).toBe(400);
    // ?done= picks a fixed message; it never supplies text.
    expect(await (await send('/ui/conflicts?done=%3Cscript%3E')).text()).not.toContain('flash-notice');
  });

  test('without a two-way service there are no two-way links or pages', async () => {
    const app = createHttpApp({ db: rig.engine.db, jobs: rig.engine.jobs, jobTypes: [] });
    const jobs = await (await app.request('/ui/jobs')).text();
    expect(jobs).toContain('href="/ui/jobs"');
    for (const path of ['/ui/issues', '/ui/conflicts', '/ui/connections']) {
      expect(jobs).not.toContain(`href="${path}"`);
      expect((await app.request(path)).status).toBe(404);
    }
  });
});
