import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createPgDb } from '../../src/db/pg-driver.ts';
import { createSyncBridge } from '../../src/syncbridge.ts';
import { TEST_DATABASE_URL, testBackends } from '../helpers/backends.ts';
import { newSchemaName, testEngine, waitFor, type TestEngine } from '../helpers/engine.ts';
import { startWorker } from '../helpers/workers.ts';

describe.each(testBackends())('worker (%s)', (backend) => {
  let e: TestEngine;
  beforeEach(async () => {
    e = await testEngine(backend);
  });
  afterEach(() => e.close());

  test('runs a job, hands the handler its correlation id, and records one succeeded attempt', async () => {
    const seen: unknown[] = [];
    await startWorker(e, {
      handlers: {
        customer: (job, ctx) => {
          seen.push({ entity: job.entity_id, correlation: ctx.correlationId, attempt: ctx.attempt });
          return { synced: job.entity_id };
        },
      },
    });
    const { job } = await e.jobs.enqueue({ jobType: 'customer', entityId: 'c_1001', correlationId: 'corr-1' });
    const done = await waitFor('job to succeed', async () => {
      const j = await e.jobs.getWithAttempts(job.id);
      return j.status === 'succeeded' && j;
    });
    expect(seen).toEqual([{ entity: 'c_1001', correlation: 'corr-1', attempt: 1 }]);
    expect(done).toMatchObject({ attempt_count: 1, lease_owner: null, result: { synced: 'c_1001' } });
    expect(done.finished_at).toBeInstanceOf(Date);
    expect(done.attempts).toHaveLength(1);
    expect(done.attempts[0]).toMatchObject({ number: 1, outcome: 'succeeded', error_class: null });
    expect(done.attempts[0]!.duration_ms).toBeGreaterThanOrEqual(0);
  });

  test('higher priority runs first; a future run_at waits', async () => {
    const order: string[] = [];
    const later = new Date(Date.now() + 60_000);
    await e.jobs.enqueueMany([
      { jobType: 't', entityId: 'low', priority: 0 },
      { jobType: 't', entityId: 'high', priority: 10 },
      { jobType: 't', entityId: 'future', priority: 100, runAt: later },
    ]);
    await startWorker(e, { concurrency: 1, prefetch: 0, handlers: { t: (job) => void order.push(job.entity_id) } });
    await waitFor('two jobs', () => order.length === 2);
    await new Promise((r) => setTimeout(r, 100));
    expect(order).toEqual(['high', 'low']);
    expect((await e.jobs.list({ status: ['pending'] })).map((j) => j.entity_id)).toEqual(['future']);
  });

  test('an idle worker is woken by NOTIFY, well before its poll interval', async () => {
    let ranAt = 0;
    const w = e.worker({ pollIntervalMs: 60_000, shutdownGraceMs: 0, handlers: { t: () => void (ranAt = Date.now()) } });
    await w.start();
    try {
      await new Promise((r) => setTimeout(r, 100));
      const t0 = Date.now();
      await e.jobs.enqueue({ jobType: 't', entityId: 'x' });
      await waitFor('the job to run', () => ranAt > 0, 5000, 5);
      expect(ranAt - t0).toBeLessThan(2000);
    } finally {
      await w.stop(0);
    }
  });

  test('never runs more handlers at once than its concurrency', async () => {
    let active = 0;
    let peak = 0;
    await e.jobs.enqueueMany(Array.from({ length: 40 }, (_, i) => ({ jobType: 't', entityId: `e${i}` })));
    await startWorker(e, {
      concurrency: 4,
      handlers: {
        t: async () => {
          peak = Math.max(peak, ++active);
          await new Promise((r) => setTimeout(r, 5));
          active--;
        },
      },
    });
    await waitFor('all jobs', async () => (await e.jobs.metrics()).by_status.succeeded === 40);
    expect(peak).toBe(4);
  });

  test('only claims job types it has handlers for', async () => {
    await e.jobs.enqueueMany([{ jobType: 'mine', entityId: '1' }, { jobType: 'theirs', entityId: '1' }]);
    await startWorker(e, { handlers: { mine: () => undefined } });
    await waitFor('mine to succeed', async () => (await e.jobs.metrics()).by_status.succeeded === 1);
    const theirs = await e.jobs.list({ jobType: ['theirs'] });
    expect(theirs[0]).toMatchObject({ status: 'pending', attempt_count: 0 });
  });
});

// Postgres only: a second process's worth of concurrency needs separate connections.
if (testBackends().includes('pg')) describe('several workers on one Postgres', () => {
  test('two workers never run one job at once: every job runs exactly once', async () => {
    const schema = newSchemaName();
    const engines = await Promise.all(
      [0, 1, 2, 3].map(async () => createSyncBridge({ db: createPgDb({ connectionString: TEST_DATABASE_URL, max: 6 }), schema })),
    );
    try {
      const runs = new Map<number, number>();
      let overlapping = 0;
      const active = new Set<number>();
      const handler = async (job: { id: number }) => {
        if (active.has(job.id)) overlapping++;
        active.add(job.id);
        runs.set(job.id, (runs.get(job.id) ?? 0) + 1);
        await new Promise((r) => setImmediate(r));
        active.delete(job.id);
      };
      const N = 2000;
      await engines[0]!.jobs.enqueueMany(Array.from({ length: N }, (_, i) => ({ jobType: 't', entityId: `e${i}` })));
      // A shallow fixed prefetch: the adaptive one lets a worker that has timed these instant handlers claim
      // 100 ms of them — all 2000 — in one statement, and the test is about claimers racing for each job.
      const workers = await Promise.all(engines.map((en) => startWorker(en, { concurrency: 8, prefetch: 8, handlers: { t: handler } })));
      await waitFor('all jobs to succeed', async () => (await engines[0]!.jobs.metrics()).by_status.succeeded === N, 60_000, 100);
      expect(runs.size).toBe(N);
      expect([...runs.values()].every((n) => n === 1)).toBe(true);
      expect(overlapping).toBe(0);
      // Work was actually shared.
      expect(workers.filter((w) => w.stats.claimed > 0).length).toBeGreaterThan(1);
      const { rows } = await engines[0]!.db.query<{ n: number }>(`select count(*)::integer as n from ${schema}.job_attempts`);
      expect(rows[0]!.n).toBe(N);
    } finally {
      for (const en of engines) await en.close();
      const db = createPgDb({ connectionString: TEST_DATABASE_URL });
      await db.query(`drop schema if exists ${schema} cascade`);
      await db.close();
    }
  });
});
