/**
 * The admin UI's pipeline pages as HTML, without a browser, on Postgres and PGlite: the pipelines list,
 * a pipeline with its redacted configs, Run now and its runs, a run with a row per stream and its
 * counts, live refresh while a run is active, Cancel, 404s, refused cross-site controls — and no page
 * ever shows a secret or an unescaped name.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { postgresDestination } from '../../src/connectors/postgres/index.ts';
import { createHttpApp } from '../../src/http/app.ts';
import { createPipeline } from '../../src/sync/pipeline-store.ts';
import { discardDestination, secretCounterSource } from '../fixtures/connectors/ui-connectors.ts';
import { testBackends } from '../helpers/backends.ts';
import { testEngine, waitFor, type TestEngine } from '../helpers/engine.ts';
import { testApp } from '../helpers/http.ts';
import { startWorker } from '../helpers/workers.ts';

const TOKEN_SECRET = 'tok_ui_very_secret_5f2a9c';
const PASSWORD_SECRET = 'pw_ui_very_secret_81d3e0';
const CONNECTION_SECRET = 'pg_conn_secret_c77b41';
const HOSTILE_IMG = '<img src=x onerror=alert(1)>';
const HOSTILE_SCRIPT = '"><script>alert(1)</script>';
const ESCAPED_IMG = '&lt;img src=x onerror=alert(1)&gt;';
const ESCAPED_SCRIPT = '&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;';

interface Res {
  status: number;
  headers: Headers;
  text: string;
}

/** The stream rows of a run page: name (as the attribute holds it), status and records. */
function streamRows(text: string): { stream: string; status: string; records: number }[] {
  return [...text.matchAll(/<tr data-stream="([^"]*)" data-status="(\w+)">[\s\S]*?data-records="(\d+)"/g)].map((m) => ({
    stream: m[1]!,
    status: m[2]!,
    records: Number(m[3]),
  }));
}

function runRows(text: string): { id: number; status: string }[] {
  return [...text.matchAll(/<tr data-run-id="(\d+)" data-status="(\w+)"/g)].map((m) => ({ id: Number(m[1]), status: m[2]! }));
}

describe.each(testBackends())('admin UI pipeline pages (%s)', (backend) => {
  let e: TestEngine;
  let dest: string;
  let request: (path: string, init?: RequestInit) => Promise<Res>;

  beforeEach(async () => {
    e = await testEngine(backend, {
      connectors: { counter: secretCounterSource, postgres: postgresDestination, discard: discardDestination, [HOSTILE_IMG]: discardDestination },
      runPollMs: 100,
    });
    dest = `${e.schema}_dest`;
    const app = createHttpApp({ db: e.db, jobs: e.jobs, pipelines: e.pipelines, jobTypes: Object.keys(e.handlers()) });
    request = async (path, init = {}) => {
      const res = await app.request(path, init);
      return { status: res.status, headers: res.headers, text: await res.text() };
    };
  });
  afterEach(async () => {
    await e.db.query(`drop schema if exists "${dest}" cascade`).catch(() => {});
    await e.close();
  });

  const counterPipeline = (over: Record<string, unknown> = {}) =>
    e.pipelines.create({
      name: 'counter-to-engine',
      source: { connector: 'counter', config: { token: TOKEN_SECRET, count: 30, page_size: 10 } },
      destination: { connector: 'postgres', config: { schema: dest } },
      streams: ['alpha', 'beta'],
      mode: 'full_refresh',
      ...over,
    });

  const runOf = async (jobId: number) => waitFor(`the run of job ${jobId}`, () => e.pipelines.runOfJob(jobId), 20_000);
  const untilRunIs = (runId: number, status: string) =>
    waitFor(`run ${runId} to be ${status}`, async () => (await e.pipelines.run(runId)).status === status, 20_000);

  test('the pipelines list shows connectors, streams, mode, schedule and the last run, linked from the navigation', async () => {
    const a = await counterPipeline();
    const b = await counterPipeline({ name: 'nightly', streams: ['beta'], mode: 'incremental', schedule: 'every 15m' });

    const list = await request('/ui/pipelines');
    expect(list.status).toBe(200);
    expect(list.text).toContain('<title>Pipelines · SyncBridge</title>');
    expect(list.text).toContain('<a href="/ui/pipelines" aria-current="page">Pipelines</a>');
    expect([...list.text.matchAll(/<tr data-pipeline-id="(\d+)"/g)].map((m) => Number(m[1]))).toEqual([a.id, b.id]);
    expect(list.text).toContain(`<a href="/ui/pipelines/${a.id}">counter-to-engine</a>`);
    expect(list.text).toContain('<code>counter</code> → <code>postgres</code>');
    expect(list.text).toContain('alpha, beta');
    expect(list.text).toContain('full_refresh');
    expect(list.text).toContain('<code>every 15m</code>');
    expect(list.text).toContain('on demand');
    expect(list.text).toContain('never run');
    expect(list.text).not.toContain('data-refresh='); // nothing running: nothing to watch
    // The other pages link to it too.
    expect((await request('/ui/jobs')).text).toContain('<a href="/ui/pipelines">Pipelines</a>');

    const { job } = await e.pipelines.start(a.id, 'api');
    await startWorker(e, { handlers: {}, concurrency: 2 });
    const run = await runOf(job.id);
    await untilRunIs(run.id, 'succeeded');
    const after = await request('/ui/pipelines');
    expect(after.text).toMatch(new RegExp(`<tr data-pipeline-id="${a.id}"[\\s\\S]*?data-last-run-status="succeeded"><a href="/ui/runs/${run.id}" class="badge-link"><span class="badge badge-succeeded">succeeded</span></a>`));
  });

  test('Run now queues a run; the pipeline page follows it to the end and the run page shows every stream with its row count', async () => {
    const p = await counterPipeline();
    const page = await request(`/ui/pipelines/${p.id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<title>Pipeline counter-to-engine · SyncBridge</title>');
    expect(page.text).toContain(`<form method="post" action="/ui/pipelines/${p.id}/run">`);
    expect(page.text).toContain('No runs yet.');
    expect((await request('/ui/pipelines/counter-to-engine')).text).toContain(`pipeline ${p.id}`); // by name too

    const run1 = await request(`/ui/pipelines/${p.id}/run`, { method: 'POST' });
    expect(run1.status).toBe(303);
    expect(run1.headers.get('location')).toBe(`/ui/pipelines/${p.id}?done=started`);
    const jobs = await e.jobs.list({ jobType: ['pipeline_run'] });
    expect(jobs).toHaveLength(1);
    const runJob = jobs[0]!;
    // Queued, with no worker yet: the job is shown, and the page watches for the run.
    const queued = await request(run1.headers.get('location')!);
    expect(queued.text).toContain('Run queued');
    expect(queued.text).toContain(`<tr data-queued-job="${runJob.id}"`);
    expect(queued.text).toContain(`<a href="/ui/jobs/${runJob.id}">job ${runJob.id}</a>`);
    expect(queued.text).toContain('data-refresh="2"');
    // A second press while it is queued starts nothing.
    const run2 = await request(`/ui/pipelines/${p.id}/run`, { method: 'POST' });
    expect(run2.headers.get('location')).toBe(`/ui/pipelines/${p.id}?done=active`);
    expect((await request(run2.headers.get('location')!)).text).toContain('already has a run queued or in progress');
    expect(await e.jobs.list({ jobType: ['pipeline_run'] })).toHaveLength(1);
    expect(runJob.payload).toMatchObject({ trigger: 'manual' });

    await startWorker(e, { handlers: {}, concurrency: 2 });
    const run = await runOf(runJob.id);
    await untilRunIs(run.id, 'succeeded');

    const done = await request(`/ui/pipelines/${p.id}`);
    expect(runRows(done.text)).toEqual([{ id: run.id, status: 'succeeded' }]);
    expect(done.text).not.toContain('data-queued-job');
    expect(done.text).toContain(`<a href="/ui/runs/${run.id}">${run.id}</a>`);
    expect(done.text).toMatch(/<td>manual<\/td>/);
    expect(done.text).toContain('data-records="60">60</td>');
    expect(done.text).not.toContain('data-refresh=');

    const runPage = await request(`/ui/runs/${run.id}`);
    expect(runPage.status).toBe(200);
    expect(runPage.text).toContain(`<title>Run ${run.id} · SyncBridge</title>`);
    expect(runPage.text).toContain('<span class="badge badge-succeeded">succeeded</span>');
    expect(streamRows(runPage.text)).toEqual([
      { stream: 'alpha', status: 'succeeded', records: 30 },
      { stream: 'beta', status: 'succeeded', records: 30 },
    ]);
    expect(runPage.text).toContain('data-pages="3"');
    expect(runPage.text).toContain('data-total-records="60"');
    expect(runPage.text).toContain('2 of 2 finished');
    expect(runPage.text).toContain(`<a href="/ui/pipelines/${p.id}">counter-to-engine</a>`);
    expect(runPage.text).toContain(`<a href="/ui/jobs/${runJob.id}">job ${runJob.id}</a>`);
    for (const s of await e.pipelines.run(run.id).then((r) => r.streams)) {
      expect(runPage.text).toContain(`<a href="/ui/jobs/${s.job_id}">job ${s.job_id}</a>`);
    }
    expect(runPage.text).not.toContain('action="/ui/runs/'); // finished: no Cancel
    expect(runPage.text).not.toContain('data-refresh=');
    // The rows really are in the destination.
    const { rows } = await e.db.query<{ n: number }>(`select count(*)::int as n from "${dest}".alpha`);
    expect(rows[0]!.n).toBe(30);
  });

  test('a running run refreshes in place with its progress and can be cancelled; cancelling again is refused with 409', async () => {
    const p = await counterPipeline({ source: { connector: 'counter', config: { token: TOKEN_SECRET, count: 100_000, page_size: 5, slow_ms: 50 } } });
    const { job } = await e.pipelines.start(p.id, 'manual');
    await startWorker(e, { handlers: {}, concurrency: 3 });
    const run = await runOf(job.id);
    await waitFor('records to be checkpointed', async () => (await e.pipelines.run(run.id)).streams.some((s) => Number(s.records) > 0), 20_000);

    const live = await request(`/ui/runs/${run.id}`);
    expect(live.text).toContain('data-refresh="2"');
    expect(live.text).toContain('<noscript><meta http-equiv="refresh" content="2"></noscript>');
    expect(live.text).toContain('<div id="run" data-live data-status="running">');
    expect(live.text).toContain(`<form method="post" action="/ui/runs/${run.id}/cancel">`);
    expect(live.text).toMatch(/<progress class="bar" aria-label="\w+: syncing"><\/progress>/); // indeterminate while it syncs
    expect(streamRows(live.text).some((s) => s.status === 'running' && s.records > 0)).toBe(true);
    expect(live.text).toMatch(/\d+(\.\d)? (ms|s) so far/);
    expect((await request(`/ui/pipelines/${p.id}`)).text).toContain('data-refresh="2"');
    expect((await request('/ui/pipelines')).text).toContain('data-refresh="5"');

    const cancel = await request(`/ui/runs/${run.id}/cancel`, { method: 'POST' });
    expect(cancel.status).toBe(303);
    expect(cancel.headers.get('location')).toBe(`/ui/runs/${run.id}?done=cancelled`);
    const after = await request(cancel.headers.get('location')!);
    expect(after.text).toContain('Run cancelled');
    expect(after.text).toContain('<div id="run" data-live data-status="cancelled">');
    expect(after.text).not.toContain(`action="/ui/runs/${run.id}/cancel"`);
    expect(after.text).not.toContain('data-refresh=');
    await waitFor('the stream jobs to be cancelled', async () => (await e.pipelines.run(run.id)).streams.every((s) => s.job_status === 'cancelled'));

    const again = await request(`/ui/runs/${run.id}/cancel`, { method: 'POST' });
    expect(again.status).toBe(409);
    expect(again.text).toContain('class="flash flash-error"');
    expect(again.text).toContain('This run is cancelled: only a pending or running run can be cancelled.');
    expect(again.text).not.toContain('data-refresh='); // the POST's URL must not be re-fetched
  });

  test('no page shows a secret: configs are shown redacted, as the service returns them', async () => {
    const p = await e.pipelines.create({
      name: 'secret-keeper',
      source: { connector: 'counter', config: { token: TOKEN_SECRET, count: 20, page_size: 10 } },
      destination: { connector: 'discard', config: { password: PASSWORD_SECRET, label: 'visible-label' } },
      streams: ['alpha'],
      mode: 'incremental',
    });
    const external = await e.pipelines.create({
      name: 'to-elsewhere',
      source: { connector: 'counter', config: { token: TOKEN_SECRET, count: 1, page_size: 1 } },
      destination: { connector: 'postgres', config: { schema: 'elsewhere', connection_string: `postgres://u:${CONNECTION_SECRET}@127.0.0.1:1/db` } },
      streams: ['alpha'],
      mode: 'incremental',
    });
    const { job } = await e.pipelines.start(p.id);
    await startWorker(e, { handlers: {}, concurrency: 2 });
    const run = await runOf(job.id);
    await untilRunIs(run.id, 'succeeded');
    const detail = await e.pipelines.run(run.id);

    const shown = await request(`/ui/pipelines/${p.id}`);
    expect(shown.text).toContain('&quot;token&quot;: &quot;********&quot;');
    expect(shown.text).toContain('&quot;password&quot;: &quot;********&quot;');
    expect(shown.text).toContain('&quot;label&quot;: &quot;visible-label&quot;'); // the rest is shown
    expect((await request(`/ui/pipelines/${external.id}`)).text).toContain('&quot;connection_string&quot;: &quot;********&quot;');

    const pages = [
      '/ui/pipelines',
      `/ui/pipelines/${p.id}`,
      '/ui/pipelines/secret-keeper',
      `/ui/pipelines/${external.id}`,
      `/ui/runs/${run.id}`,
      '/ui/jobs',
      `/ui/jobs/${job.id}`,
      ...detail.streams.map((s) => `/ui/jobs/${s.job_id}`),
      '/ui/dead',
    ];
    for (const path of pages) {
      const res = await request(path);
      expect(res.status, path).toBe(200);
      for (const secret of [TOKEN_SECRET, PASSWORD_SECRET, CONNECTION_SECRET]) expect(res.text, path).not.toContain(secret);
    }
  });

  test('hostile pipeline, connector and stream names appear only escaped, on every page', async () => {
    const hostile = await e.pipelines.create({
      name: 'hostile-streams',
      source: { connector: 'counter', config: { token: 't', count: 10, page_size: 5, extra_streams: [HOSTILE_IMG, HOSTILE_SCRIPT] } },
      destination: { connector: HOSTILE_IMG, config: { password: 'p', label: HOSTILE_SCRIPT } },
      streams: [HOSTILE_IMG, HOSTILE_SCRIPT],
      mode: 'full_refresh',
    });
    // The service only accepts tame names; a row written some other way must still render safely.
    const named = await createPipeline(e.db, e.schema, {
      name: HOSTILE_SCRIPT,
      source: { connector: 'counter', config: { token: 't', count: 1, page_size: 1, extra_streams: [HOSTILE_IMG] } },
      destination: { connector: 'discard', config: { password: 'p' } },
      streams: [HOSTILE_IMG],
      mode: 'incremental',
      schedule: HOSTILE_IMG,
    });
    const { job } = await e.pipelines.start(hostile.id);
    await startWorker(e, { handlers: {}, concurrency: 2 });
    const run = await runOf(job.id);
    await untilRunIs(run.id, 'succeeded');
    const namedRun = (await e.pipelines.start(named.id)).job;
    await untilRunIs((await runOf(namedRun.id)).id, 'succeeded');

    const pages = [
      '/ui/pipelines',
      `/ui/pipelines/${hostile.id}`,
      `/ui/pipelines/${named.id}`,
      `/ui/pipelines/${encodeURIComponent(HOSTILE_SCRIPT)}`,
      `/ui/runs/${run.id}`,
      `/ui/runs/${(await runOf(namedRun.id)).id}`,
    ];
    for (const path of pages) {
      const res = await request(path);
      expect(res.status, path).toBe(200);
      expect(res.text, path).not.toContain(HOSTILE_IMG);
      expect(res.text, path).not.toContain(HOSTILE_SCRIPT);
      expect(res.text, path).not.toContain('<script>');
      expect(res.text, path).toMatch(/&lt;img src=x onerror=alert\(1\)&gt;|&quot;&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    }
    const runPage = await request(`/ui/runs/${run.id}`);
    expect(streamRows(runPage.text)).toEqual([
      { stream: ESCAPED_SCRIPT, status: 'succeeded', records: 10 },
      { stream: ESCAPED_IMG, status: 'succeeded', records: 10 },
    ]);
    expect(runPage.text).toContain(`<code>${ESCAPED_IMG}</code>`);
    const list = await request('/ui/pipelines');
    expect(list.text).toContain(`<a href="/ui/pipelines/${named.id}">${ESCAPED_SCRIPT}</a>`);
    expect(list.text).toContain(`<code>counter</code> → <code>${ESCAPED_IMG}</code>`);
    expect(list.text).toContain(`<code>${ESCAPED_IMG}</code>`); // the schedule
    // An unknown name in the URL is echoed escaped on the 404 page.
    const missing = await request(`/ui/pipelines/${encodeURIComponent(HOSTILE_IMG)}`);
    expect(missing.status).toBe(404);
    expect(missing.text).toContain(`There is no pipeline ${ESCAPED_IMG}.`);
    expect(missing.text).not.toContain(HOSTILE_IMG);
  });

  test('unknown or malformed pipelines and runs are 404 pages, never a 500', async () => {
    const p = await counterPipeline();
    for (const path of ['/ui/pipelines/nope', '/ui/pipelines/987654', '/ui/pipelines/99999999999999999999', `/ui/pipelines/${'x'.repeat(300)}`, '/ui/runs/abc', '/ui/runs/0', '/ui/runs/-1', '/ui/runs/123456789', '/ui/runs/99999999999999999999', `/ui/pipelines/${p.id}/explode`, '/ui/runs']) {
      const res = await request(path);
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type'), path).toMatch(/^text\/html/);
      expect(res.text, path).toContain('<!doctype html>');
      expect(res.text, path).toContain('<h1>Not found</h1>');
    }
    expect((await request('/ui/pipelines/nope')).text).toContain('There is no pipeline nope.');
    expect((await request('/ui/runs/123456789')).text).toContain('There is no run 123456789.');
    for (const path of ['/ui/pipelines/nope/run', '/ui/pipelines/99999999999999999999/run', '/ui/runs/123456789/cancel', '/ui/runs/abc/cancel', `/ui/pipelines/${p.id}/explode`]) {
      expect((await request(path, { method: 'POST' })).status, path).toBe(404);
    }
    expect(await e.jobs.list({ jobType: ['pipeline_run'] })).toEqual([]);
  });

  test('a cross-site Run now or Cancel is refused with 403 and changes nothing', async () => {
    const p = await counterPipeline();
    for (const headers of [{ 'sec-fetch-site': 'cross-site' }, { origin: 'https://evil.example' }]) {
      const res = await request(`/ui/pipelines/${p.id}/run`, { method: 'POST', headers });
      expect(res.status, JSON.stringify(headers)).toBe(403);
    }
    expect(await e.jobs.list({ jobType: ['pipeline_run'] })).toEqual([]);
    const ok = await request(`/ui/pipelines/${p.id}/run`, { method: 'POST', headers: { 'sec-fetch-site': 'same-origin', origin: 'http://localhost' } });
    expect(ok.status).toBe(303);

    const slow = await counterPipeline({ name: 'slow', source: { connector: 'counter', config: { token: 't', count: 100_000, page_size: 5, slow_ms: 50 } } });
    const { job } = await e.pipelines.start(slow.id);
    await startWorker(e, { handlers: {}, concurrency: 3 });
    const run = await runOf(job.id);
    const refused = await request(`/ui/runs/${run.id}/cancel`, { method: 'POST', headers: { 'sec-fetch-site': 'cross-site' } });
    expect(refused.status).toBe(403);
    expect((await e.pipelines.run(run.id)).status).toBe('running');
    await e.pipelines.cancelRun(run.id);
  });
});

describe.each(testBackends())('admin UI without pipelines (%s)', (backend) => {
  test('an app given no PipelineService has no pipeline pages and no Pipelines link', async () => {
    const t = await testApp(backend);
    try {
      const jobs = await t.request('/ui/jobs');
      expect(jobs.text).not.toContain('/ui/pipelines');
      for (const path of ['/ui/pipelines', '/ui/pipelines/1', '/ui/runs/1']) expect((await t.request(path)).status, path).toBe(404);
    } finally {
      await t.close();
    }
  });

  test('with an API token the pipeline pages ask for sign-in first', async () => {
    const e = await testEngine(backend, { connectors: { counter: secretCounterSource, discard: discardDestination } });
    try {
      const app = createHttpApp({ db: e.db, jobs: e.jobs, pipelines: e.pipelines, jobTypes: [], apiToken: 'ui-token-123' });
      for (const path of ['/ui/pipelines', '/ui/runs/1']) {
        const res = await app.request(path);
        expect(res.status, path).toBe(303);
        expect(res.headers.get('location'), path).toBe(`/ui/login?next=${encodeURIComponent(path)}`);
      }
      const p = await e.pipelines.create({ name: 'p', source: { connector: 'counter', config: { token: 't', count: 1, page_size: 1 } }, destination: { connector: 'discard', config: { password: 'p' } }, streams: ['alpha'] });
      const post = await app.request(`/ui/pipelines/${p.id}/run`, { method: 'POST' });
      expect(post.status).toBe(303);
      expect(post.headers.get('location')).toMatch(/^\/ui\/login\?next=/);
      expect(await e.jobs.list({ jobType: ['pipeline_run'] })).toEqual([]);
    } finally {
      await e.close();
    }
  });
});
