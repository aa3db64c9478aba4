/**
 * The admin UI as HTML, without a browser: pages render the engine's jobs, filters narrow them, the
 * controls redirect or explain a refusal, data is always escaped, bad URLs are 404 pages, the token
 * login works, and cross-site POSTs are refused. Runs on Postgres and PGlite.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { NotFound, UpstreamUnavailable } from '../../src/protocol/errors.ts';
import { testBackends } from '../helpers/backends.ts';
import { waitFor } from '../helpers/engine.ts';
import { testApp, type TestApp } from '../helpers/http.ts';
import { startWorker } from '../helpers/workers.ts';

const HOSTILE_IMG = '<img src=x onerror=alert(1)>';
const HOSTILE_SCRIPT = '"><script>alert(1)</script>';
const ESCAPED_IMG = '&lt;img src=x onerror=alert(1)&gt;';
const ESCAPED_SCRIPT = '&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;';

/** The job rows of a rendered table, in page order. */
function rows(text: string): { id: number; status: string }[] {
  return [...text.matchAll(/<tr data-job-id="(\d+)" data-status="(\w+)"/g)].map((m) => ({ id: Number(m[1]), status: m[2]! }));
}

function chipCount(text: string, status: string): number {
  const m = new RegExp(`data-status-chip="${status}"[^>]*>[^<]*<span class="count">(\\d+)</span>`).exec(text);
  if (!m) throw new Error(`no chip for ${status}`);
  return Number(m[1]);
}

const form = (fields: Record<string, string>) => new URLSearchParams(fields);

/** A worker whose customer handler succeeds, fails for `missing*` and is unavailable for `down*`. */
function failingWorker(t: TestApp) {
  return startWorker(t.engine, {
    handlers: {
      customer: (job) => {
        if (job.entity_id.startsWith('missing')) throw new NotFound(`no customer ${job.entity_id} in CRM`, { detail: { status: 404 } });
        if (job.entity_id.startsWith('down')) throw new UpstreamUnavailable('CRM 503', { detail: { status: 503 } });
      },
    },
  });
}

async function untilStatus(t: TestApp, id: number, status: string) {
  return waitFor(`job ${id} to be ${status}`, async () => (await t.engine.jobs.get(id))?.status === status);
}

describe.each(testBackends())('admin UI pages (%s)', (backend) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await testApp(backend);
  });
  afterEach(() => t.close());

  test('/ui redirects to the jobs list', async () => {
    const res = await t.request('/ui');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/ui/jobs');
  });

  test('the jobs list shows jobs newest first with counts per status, and filters narrow it', async () => {
    const jobs = t.engine.jobs;
    const a = (await jobs.enqueue({ jobType: 'customer', entityId: 'c_1' })).job;
    const b = (await jobs.enqueue({ jobType: 'customer', entityId: 'c_2' })).job;
    const c = (await jobs.enqueue({ jobType: 'invoice', entityId: 'c_1' })).job;
    await jobs.cancel(b.id);

    const all = await t.request('/ui/jobs');
    expect(all.status).toBe(200);
    expect(all.headers.get('content-type')).toMatch(/^text\/html/);
    expect(all.text).toContain('<title>Jobs · SyncBridge</title>');
    expect(rows(all.text)).toEqual([
      { id: c.id, status: 'pending' },
      { id: b.id, status: 'cancelled' },
      { id: a.id, status: 'pending' },
    ]);
    expect(all.text).toContain(`href="/ui/jobs/${a.id}"`);
    expect(all.text).toContain('<span class="badge badge-cancelled">cancelled</span>');
    expect(chipCount(all.text, 'pending')).toBe(2);
    expect(chipCount(all.text, 'cancelled')).toBe(1);
    expect(chipCount(all.text, 'all')).toBe(3);
    // Inline controls where they apply: cancel for pending, replay for cancelled.
    expect(all.text).toContain(`action="/ui/jobs/${a.id}/cancel"`);
    expect(all.text).toContain(`action="/ui/jobs/${b.id}/replay"`);
    expect(all.text).not.toContain(`action="/ui/jobs/${b.id}/cancel"`);
    // Auto-refresh is on by default and can be paused.
    expect(all.text).toContain('data-refresh="5"');
    expect(all.text).toContain('<meta http-equiv="refresh" content="5">');
    expect((await t.request('/ui/jobs?refresh=0')).text).not.toContain('data-refresh=');

    expect(rows((await t.request('/ui/jobs?status=cancelled')).text)).toEqual([{ id: b.id, status: 'cancelled' }]);
    expect(rows((await t.request('/ui/jobs?job_type=invoice')).text).map((r) => r.id)).toEqual([c.id]);
    expect(rows((await t.request('/ui/jobs?entity_id=c_1')).text).map((r) => r.id)).toEqual([c.id, a.id]);
    expect(rows((await t.request('/ui/jobs?entity_id=c_1&job_type=customer&status=pending')).text).map((r) => r.id)).toEqual([a.id]);
    const typed = await t.request('/ui/jobs?job_type=customer');
    expect(chipCount(typed.text, 'pending')).toBe(1); // counts follow the type filter
    expect(typed.text).toContain('href="/ui/jobs?status=cancelled&amp;job_type=customer"'); // chips keep the other filters
    const none = await t.request('/ui/jobs?status=dead');
    expect(rows(none.text)).toEqual([]);
    expect(none.text).toContain('No jobs match these filters.');
  });

  test('the list pages with a keyset cursor like the API', async () => {
    await t.engine.jobs.enqueueMany(Array.from({ length: 53 }, (_, i) => ({ jobType: 'noop', entityId: `e_${i}` })));
    const first = await t.request('/ui/jobs?refresh=0');
    const page1 = rows(first.text);
    expect(page1).toHaveLength(50);
    const cursor = page1.at(-1)!.id;
    expect(first.text).toContain(`href="/ui/jobs?cursor=${cursor}&amp;refresh=0" rel="next"`);
    const second = rows((await t.request(`/ui/jobs?cursor=${cursor}&refresh=0`)).text);
    expect(second).toHaveLength(3);
    expect(Math.max(...second.map((r) => r.id))).toBeLessThan(cursor);
  });

  test('a job page shows its fields, payload and attempt timeline, with the controls its state allows', async () => {
    await failingWorker(t);
    const { job } = await t.engine.jobs.enqueue({ jobType: 'customer', entityId: 'missing_7', payload: { source: 'crm', ids: [1, 2] } });
    await untilStatus(t, job.id, 'failed');
    const res = await t.request(`/ui/jobs/${job.id}`);
    expect(res.status).toBe(200);
    expect(res.text).toContain(`<title>Job ${job.id} · SyncBridge</title>`);
    expect(res.text).toContain('<span class="badge badge-failed">failed</span>');
    expect(res.text).toContain('&quot;source&quot;: &quot;crm&quot;'); // pretty-printed, escaped JSON
    expect(res.text).toContain(job.correlation_id);
    expect(res.text).toContain('data-attempt="1"');
    expect(res.text).toContain('<span class="class">NotFound</span>');
    expect(res.text).toContain('no customer missing_7 in CRM');
    expect(res.text).toMatch(/&quot;status&quot;: 404/);
    expect(res.text).toMatch(/\d+(\.\d)? ms/);
    expect(res.text).toContain(`action="/ui/jobs/${job.id}/retry"`);
    expect(res.text).toContain(`action="/ui/jobs/${job.id}/replay"`);
    expect(res.text).not.toContain(`action="/ui/jobs/${job.id}/cancel"`);
    expect(res.text).not.toContain('data-refresh='); // finished: nothing to watch
  });

  test('controls redirect to the job (replay: to the new job); a refused control shows the reason with 409', async () => {
    await failingWorker(t);
    const { job } = await t.engine.jobs.enqueue({ jobType: 'customer', entityId: 'missing_1' });
    await untilStatus(t, job.id, 'failed');

    const replay = await t.request(`/ui/jobs/${job.id}/replay`, { method: 'POST' });
    expect(replay.status).toBe(303);
    const newId = Number(/^\/ui\/jobs\/(\d+)\?done=replayed$/.exec(replay.headers.get('location')!)?.[1]);
    expect(newId).toBeGreaterThan(job.id);
    const replayPage = await t.request(replay.headers.get('location')!);
    expect(replayPage.text).toContain(`<a class="replay-link" href="/ui/jobs/${job.id}">replay of job ${job.id}</a>`);
    expect(replayPage.text).toContain('Replay created');
    await untilStatus(t, newId, 'failed');

    const retry = await t.request(`/ui/jobs/${job.id}/retry`, { method: 'POST' });
    expect(retry.status).toBe(303);
    expect(retry.headers.get('location')).toBe(`/ui/jobs/${job.id}?done=retried`);
    await waitFor('the retry to fail again', async () => (await t.engine.jobs.attempts(job.id)).length === 2);

    const cancelFailed = await t.request(`/ui/jobs/${job.id}/cancel`, { method: 'POST' });
    expect(cancelFailed.status).toBe(409);
    expect(cancelFailed.headers.get('content-type')).toMatch(/^text\/html/);
    expect(cancelFailed.text).toContain('only pending or running jobs can be cancelled');
    expect(cancelFailed.text).toContain('class="flash flash-error"');

    const later = (await t.engine.jobs.enqueue({ jobType: 'customer', entityId: 'later', runAt: new Date(Date.now() + 3_600_000) })).job;
    const retryPending = await t.request(`/ui/jobs/${later.id}/retry`, { method: 'POST' });
    expect(retryPending.status).toBe(409);
    expect(retryPending.text).toContain('only failed jobs can be retried');
    expect(retryPending.text).not.toContain('data-refresh='); // the POST's URL must not be re-fetched
    expect((await t.request(`/ui/jobs/${later.id}`)).text).toContain('data-refresh="5"'); // an active job is watched
    const cancel = await t.request(`/ui/jobs/${later.id}/cancel`, { method: 'POST' });
    expect(cancel.status).toBe(303);
    expect(cancel.headers.get('location')).toBe(`/ui/jobs/${later.id}?done=cancelled`);
    expect((await t.engine.jobs.get(later.id))?.status).toBe('cancelled');
    expect((await t.request(cancel.headers.get('location')!)).text).toContain('Job cancelled.');

    expect((await t.request('/ui/jobs/987654321/retry', { method: 'POST' })).status).toBe(404);
    expect((await t.request(`/ui/jobs/${later.id}/explode`, { method: 'POST' })).status).toBe(404);
  });

  test('the dead-letter view lists dead and failed jobs only, with Retry for failed and Replay for both', async () => {
    await failingWorker(t);
    const failed = (await t.engine.jobs.enqueue({ jobType: 'customer', entityId: 'missing_d' })).job;
    const dead = (await t.engine.jobs.enqueue({ jobType: 'customer', entityId: 'down_d', maxRetries: 0 })).job;
    const ok = (await t.engine.jobs.enqueue({ jobType: 'customer', entityId: 'ok_d' })).job;
    await untilStatus(t, failed.id, 'failed');
    await untilStatus(t, dead.id, 'dead');
    await untilStatus(t, ok.id, 'succeeded');

    const res = await t.request('/ui/dead');
    expect(res.status).toBe(200);
    expect(rows(res.text)).toEqual([
      { id: dead.id, status: 'dead' },
      { id: failed.id, status: 'failed' },
    ]);
    expect(res.text).toContain(`action="/ui/jobs/${failed.id}/retry"`);
    expect(res.text).toContain(`action="/ui/jobs/${failed.id}/replay"`);
    expect(res.text).toContain(`action="/ui/jobs/${dead.id}/replay"`);
    expect(res.text).not.toContain(`action="/ui/jobs/${dead.id}/retry"`);
    expect(res.text).not.toContain('data-refresh='); // refresh is opt-in here
    expect(chipCount(res.text, 'dead')).toBe(1);
    expect(rows((await t.request('/ui/dead?status=dead')).text).map((r) => r.id)).toEqual([dead.id]);
    expect((await t.request('/ui/dead?status=succeeded')).status).toBe(400);
  });

  test('hostile entity ids, payloads and error messages appear only escaped, on every page', async () => {
    const worker = await startWorker(t.engine, {
      handlers: {
        customer: (job) => {
          throw new NotFound(`no such customer ${job.entity_id}`, { detail: { echoed: job.entity_id } });
        },
      },
    });
    const img = (await t.engine.jobs.enqueue({ jobType: 'customer', entityId: HOSTILE_IMG, payload: { note: HOSTILE_SCRIPT } })).job;
    const script = (await t.engine.jobs.enqueue({ jobType: 'customer', entityId: HOSTILE_SCRIPT })).job;
    await untilStatus(t, img.id, 'failed');
    await untilStatus(t, script.id, 'failed');
    await worker.stop(0);

    const pages = [
      '/ui/jobs',
      `/ui/jobs/${img.id}`,
      `/ui/jobs/${script.id}`,
      '/ui/dead',
      `/ui/jobs?entity_id=${encodeURIComponent(HOSTILE_SCRIPT)}`,
      `/ui/jobs?job_type=${encodeURIComponent(HOSTILE_IMG)}`,
    ];
    for (const path of pages) {
      const res = await t.request(path);
      expect(res.status, path).toBe(200);
      expect(res.text, path).not.toContain(HOSTILE_IMG);
      expect(res.text, path).not.toContain(HOSTILE_SCRIPT);
      expect(res.text, path).not.toContain('<script>');
      expect(res.text, path).toMatch(/&lt;img src=x onerror=alert\(1\)&gt;|&quot;&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    }
    const detail = await t.request(`/ui/jobs/${img.id}`);
    expect(detail.text).toContain(ESCAPED_IMG);
    expect(detail.text).toContain(`no such customer ${ESCAPED_IMG}`); // the error message, escaped
    const list = await t.request(`/ui/jobs?entity_id=${encodeURIComponent(HOSTILE_SCRIPT)}`);
    expect(list.text).toContain(`value="${ESCAPED_SCRIPT}"`); // the filter's own input
    expect(rows(list.text).map((r) => r.id)).toEqual([script.id]);
    // The refused control's message names the job's state only, and the page is still escaped.
    const refused = await t.request(`/ui/jobs/${img.id}/cancel`, { method: 'POST' });
    expect(refused.status).toBe(409);
    expect(refused.text).not.toContain(HOSTILE_IMG);
    // Even a missed escape could not run: the CSP allows only our own script file.
    expect(detail.headers.get('content-security-policy')).toContain("script-src 'self'");
  });

  test('malformed and unknown job ids are 404 pages, bad filters 400 pages — never a 500', async () => {
    for (const path of ['/ui/jobs/abc', '/ui/jobs/1%27%3B', "/ui/jobs/1';drop table jobs;--", '/ui/jobs/0', '/ui/jobs/-1', '/ui/jobs/99999999999999999999', '/ui/jobs/123456789', '/ui/nowhere', '/ui/jobs/1/2/3']) {
      const res = await t.request(path);
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type'), path).toMatch(/^text\/html/);
      expect(res.text, path).toContain('<!doctype html>');
    }
    for (const path of ['/ui/jobs/abc/cancel', '/ui/jobs/1%27%3B/retry', '/ui/jobs/0/replay']) {
      expect((await t.request(path, { method: 'POST' })).status, path).toBe(404);
    }
    for (const path of ['/ui/jobs?status=bogus', "/ui/jobs?cursor=1'--", `/ui/jobs?entity_id=${'x'.repeat(600)}`]) {
      const res = await t.request(path);
      expect(res.status, path).toBe(400);
      expect(res.text, path).toContain('Bad filter');
    }
  });

  test('a cross-site POST is refused with 403 and changes nothing; same-origin POSTs go through', async () => {
    const { job } = await t.engine.jobs.enqueue({ jobType: 'customer', entityId: 'csrf', runAt: new Date(Date.now() + 3_600_000) });
    const cancel = (headers: Record<string, string>) => t.request(`/ui/jobs/${job.id}/cancel`, { method: 'POST', headers });
    const refused: Record<string, string>[] = [
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
      { origin: 'https://evil.example' },
      { origin: 'null' },
      { 'sec-fetch-site': 'cross-site', origin: 'http://localhost' },
    ];
    for (const headers of refused) {
      const res = await cancel(headers);
      expect(res.status, JSON.stringify(headers)).toBe(403);
    }
    expect((await t.engine.jobs.get(job.id))?.status).toBe('pending');
    const ok = await cancel({ 'sec-fetch-site': 'same-origin', origin: 'http://localhost' });
    expect(ok.status).toBe(303);
    expect((await t.engine.jobs.get(job.id))?.status).toBe('cancelled');
  });

  test('static assets are served with their types; pages are not cached', async () => {
    const css = await t.request('/ui/static/app.css');
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    const js = await t.request('/ui/static/app.js');
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await t.request('/ui/static/nope.js')).status).toBe(404);
    const page = await t.request('/ui/jobs');
    expect(page.headers.get('cache-control')).toBe('no-store');
    const href = /href="(\/ui\/static\/app\.css\?v=[0-9a-f]+)"/.exec(page.text)![1]!;
    expect((await t.request(href)).headers.get('cache-control')).toContain('immutable');
  });
});

describe.each(testBackends())('admin UI sign-in (%s)', (backend) => {
  const TOKEN = 'ui-test-token-0123456789';
  let t: TestApp;
  beforeEach(async () => {
    t = await testApp(backend, { apiToken: TOKEN });
  });
  afterEach(() => t.close());

  const login = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
    t.request('/ui/login', { method: 'POST', body: form(fields), headers });

  function cookieFrom(res: { headers: Headers }): string {
    const set = res.headers.get('set-cookie') ?? '';
    return set.split(';')[0]!;
  }

  test('signed out, UI pages redirect to the login page; its assets stay reachable', async () => {
    const res = await t.request('/ui/jobs');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/ui/login?next=%2Fui%2Fjobs');
    const page = await t.request('/ui/login?next=%2Fui%2Fdead');
    expect(page.status).toBe(200);
    expect(page.text).toContain('type="password" name="token"');
    expect(page.text).toContain('name="next" value="/ui/dead"');
    expect(page.text).not.toContain('Sign out');
    expect((await t.request('/ui/static/app.css')).status).toBe(200);
  });

  test('a wrong token is refused with 401 and no cookie', async () => {
    const res = await login({ token: 'wrong', next: '/ui/jobs' });
    expect(res.status).toBe(401);
    expect(res.text).toContain('invalid token');
    expect(res.text).not.toContain('wrong');
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  test('the right token sets an httpOnly SameSite=Strict cookie that grants access, and sign-out removes it', async () => {
    const res = await login({ token: TOKEN, next: '/ui/dead?status=dead' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/ui/dead?status=dead');
    const setCookie = res.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^syncbridge_token=/);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    expect(setCookie).toMatch(/Path=\//);
    const cookie = cookieFrom(res);

    const page = await t.request('/ui/jobs', { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(page.text).toContain('Sign out');
    expect((await t.request('/api/jobs', { headers: { cookie } })).status).toBe(200);

    const out = await t.request('/ui/logout', { method: 'POST', headers: { cookie } });
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toBe('/ui/login');
    expect(out.headers.get('set-cookie')).toMatch(/syncbridge_token=;.*Max-Age=0/i);
  });

  test('next must be a path under /ui: anything else returns to the jobs list', async () => {
    for (const next of ['https://evil.example/ui', '//evil.example', '/\\evil.example', '/uix', '/api/jobs', 'javascript:alert(1)', '/ui/login']) {
      const res = await login({ token: TOKEN, next });
      expect(res.headers.get('location'), next).toBe('/ui/jobs');
    }
  });

  test('cross-site POSTs are refused even with a valid cookie, and so is a cross-site login', async () => {
    const cookie = cookieFrom(await login({ token: TOKEN }));
    const { job } = await t.engine.jobs.enqueue({ jobType: 'customer', entityId: 'x', runAt: new Date(Date.now() + 3_600_000) });
    const res = await t.request(`/ui/jobs/${job.id}/cancel`, { method: 'POST', headers: { cookie, 'sec-fetch-site': 'cross-site' } });
    expect(res.status).toBe(403);
    expect((await t.engine.jobs.get(job.id))?.status).toBe('pending');
    expect((await login({ token: TOKEN }, { origin: 'https://evil.example' })).status).toBe(403);
  });
});
