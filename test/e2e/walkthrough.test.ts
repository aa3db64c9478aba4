/**
 * The README walkthrough, end to end: `npm start` as a subprocess on a fresh data directory, driven
 * over HTTP exactly as a newcomer would with curl.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { waitFor } from '../helpers/engine.ts';
import { freePort, spawnInGroup, type Spawned } from '../helpers/processes.ts';

const ROOT = resolve(import.meta.dirname, '../..');

describe('the README walkthrough against `npm start`', () => {
  let app: Spawned;
  let dataDir: string;
  let base: string;
  let billing: string;

  const api = async (path: string, init: { method?: string; json?: unknown } = {}) => {
    const res = await fetch(`${base}${path}`, {
      method: init.method ?? 'GET',
      ...(init.json !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(init.json) } : {}),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const enqueue = (type: string, entity: string) => api(`/api/jobs/${type}`, { method: 'POST', json: { entity_id: entity } });
  const settled = (id: number, status?: string) =>
    waitFor(`job ${id} to finish`, async () => {
      const r = await api(`/api/jobs/${id}`);
      const done = !['pending', 'running'].includes(r.body.status);
      return done && (!status || r.body.status === status) && r.body;
    }, 30_000, 100);

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'syncbridge-e2e-'));
    const [port, crmPort, billingPort] = [await freePort(), await freePort(), await freePort()];
    base = `http://127.0.0.1:${port}`;
    billing = `http://127.0.0.1:${billingPort}`;
    app = spawnInGroup('npm', ['start'], {
      SYNCBRIDGE_DATA_DIR: dataDir,
      PORT: String(port),
      DEMO_CRM_PORT: String(crmPort),
      DEMO_BILLING_PORT: String(billingPort),
      // Shorter than the defaults so the test is quick; Retry-After (1 s) then outlasts the backoff.
      SYNCBRIDGE_JOB_BACKOFF_SECONDS_BASE: '0.2',
      SYNCBRIDGE_DEMO_TIMEOUT_MS: '500',
      LOG_LEVEL: 'warn',
    }, ROOT);
    await waitFor('the server to answer /healthz', async () => {
      if (app.child.exitCode !== null) throw new Error(`npm start exited early:\n${app.output()}`);
      return fetch(`${base}/healthz`).then((r) => r.ok, () => false);
    }, 60_000, 200);
  }, 90_000);

  afterAll(async () => {
    const code = await app?.stop('SIGINT');
    await rm(dataDir, { recursive: true, force: true });
    // npm itself reports the SIGINT it forwarded; the server under it shuts down gracefully.
    expect(code === 0 || app.child.signalCode === 'SIGINT', app.output()).toBe(true);
    expect(app.output()).not.toMatch(/"event":"(http\.unhandled_error|worker\.(claim|complete|reclaim)_failed)"/);
  });

  test('c_1001 succeeds in one attempt and lands in Billing', async () => {
    const created = await enqueue('customer', 'c_1001');
    expect(created.status).toBe(201);
    const job = await settled(created.body.id, 'succeeded');
    expect(job.attempts).toHaveLength(1);
    expect(job.attempts[0]).toMatchObject({ number: 1, outcome: 'succeeded' });
  });

  test('a duplicate enqueue returns the same active job', async () => {
    const first = await enqueue('customer', 'c_flaky');
    const second = await enqueue('customer', 'c_flaky');
    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    expect(second.body.id).toBe(first.body.id);
  });

  test('c_flaky shows three attempts and succeeds', async () => {
    const { body } = await api('/api/jobs?entity_id=c_flaky&job_type=customer');
    const job = await settled(body.data[0].id, 'succeeded');
    expect(job.attempts.map((a: any) => [a.outcome, a.error_class])).toEqual([
      ['retry', 'UpstreamUnavailable'],
      ['retry', 'UpstreamUnavailable'],
      ['succeeded', null],
    ]);
  });

  test("c_1002 waits for Billing's Retry-After and succeeds", async () => {
    const created = await enqueue('customer', 'c_1002');
    const job = await settled(created.body.id, 'succeeded');
    expect(job.attempts.map((a: any) => [a.outcome, a.error_class])).toEqual([
      ['retry', 'UpstreamRateLimited'],
      ['succeeded', null],
    ]);
    const gap = Date.parse(job.attempts[1].started_at) - Date.parse(job.attempts[0].finished_at);
    expect(gap).toBeGreaterThanOrEqual(950);
  });

  test('c_missing fails after exactly one attempt with NotFound', async () => {
    const created = await enqueue('customer', 'c_missing');
    const job = await settled(created.body.id, 'failed');
    expect(job.attempt_count).toBe(1);
    expect(job.attempts).toEqual([expect.objectContaining({ outcome: 'failed', error_class: 'NotFound' })]);
    expect(job.last_error).toMatchObject({ class: 'NotFound', retryable: false });
  });

  test('cancel, retry and replay behave as documented', async () => {
    const missing = (await api('/api/jobs?entity_id=c_missing')).body.data[0];
    expect((await api(`/api/jobs/${missing.id}/cancel`, { method: 'POST' })).status).toBe(409);
    const retried = await api(`/api/jobs/${missing.id}/retry`, { method: 'POST' });
    expect(retried.status).toBe(200);
    const again = await settled(missing.id, 'failed');
    expect(again.attempts.map((a: any) => a.number)).toEqual([1, 2]);

    const replay = await api(`/api/jobs/${missing.id}/replay`, { method: 'POST' });
    expect(replay.status).toBe(201);
    expect(replay.body).toMatchObject({ replay_of_job_id: missing.id, replay_of_attempt_id: again.attempts[1].id, status: 'pending' });
    expect((await api(`/api/jobs/${missing.id}`)).body).toEqual(again);

    const slow = await enqueue('customer', 'c_slow');
    await waitFor('c_slow to be running', async () => (await api(`/api/jobs/${slow.body.id}`)).body.status === 'running', 10_000, 20);
    const cancelled = await api(`/api/jobs/${slow.body.id}/cancel`, { method: 'POST' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    expect((await api(`/api/jobs/${slow.body.id}/retry`, { method: 'POST' })).status).toBe(409);
  });

  test('/metrics agrees with the jobs', async () => {
    const all = (await api('/api/jobs?limit=500')).body.data as any[];
    const m = (await api('/metrics')).body;
    expect(m.total_jobs).toBe(all.length);
    const count = (s: string) => all.filter((j) => j.status === s).length;
    for (const s of ['pending', 'running', 'succeeded', 'failed', 'dead', 'cancelled']) expect(m.by_status[s]).toBe(count(s));
    expect(m.finished_jobs).toBe(count('succeeded') + count('failed') + count('dead') + count('cancelled'));
    expect(m.retry_count).toBe(all.reduce((n, j) => n + Math.max(0, j.attempt_count - 1), 0));
  });

  test('Billing holds exactly one record per customer, even after a replay', async () => {
    const c1001 = (await api('/api/jobs?entity_id=c_1001')).body.data[0];
    const replay = await api(`/api/jobs/${c1001.id}/replay`, { method: 'POST' });
    await settled(replay.body.id, 'succeeded');
    const res = await fetch(`${billing}/customers`);
    const customers = ((await res.json()) as { data: { id: string }[] }).data.map((c) => c.id).sort();
    expect(customers).toEqual(['c_1001', 'c_1002', 'c_flaky']);
  });
});
