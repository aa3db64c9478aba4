import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { claimUnkeyed } from '../../src/jobs/sql/claim.ts';
import { completeJobs } from '../../src/jobs/sql/complete.ts';
import { failJob } from '../../src/jobs/sql/fail.ts';
import { snapshotError } from '../../src/jobs/classify.ts';
import { testBackends } from '../helpers/backends.ts';
import { ManualClock, testEngine, waitFor, type TestEngine } from '../helpers/engine.ts';
import { startWorker } from '../helpers/workers.ts';

describe.each(testBackends())('leases (%s)', (backend) => {
  let e: TestEngine;
  let clock: ManualClock;
  beforeEach(async () => {
    clock = new ManualClock();
    e = await testEngine(backend, { clock, defaults: { leaseMs: 60_000 } });
  });
  afterEach(() => e.close());

  /** A worker that claims a job and then dies: nothing of it runs after the claim. */
  const claimAndDie = async (workerId: string) => {
    const [job] = await claimUnkeyed(e.db, e.jobs.sql, { workerId, limit: 1, leaseMs: 60_000, jobTypes: ['t'], now: clock.now() });
    return job!;
  };

  test("a killed worker's job is reclaimed after its lease expires and runs again", async () => {
    const { job } = await e.jobs.enqueue({ jobType: 't', entityId: 'x' });
    const claimed = await claimAndDie('dead-worker');
    expect(claimed).toMatchObject({ id: job.id, status: 'running', lease_owner: 'dead-worker', attempt_count: 1 });

    clock.advance(59_000);
    expect(await e.jobs.reclaimExpiredLeases()).toEqual([]);
    clock.advance(2_000);
    expect(await e.jobs.reclaimExpiredLeases()).toEqual([job.id]);

    const after = await e.jobs.getWithAttempts(job.id);
    expect(after).toMatchObject({ status: 'pending', lease_owner: null, last_error: { class: 'LeaseExpired' } });
    expect(after.attempts).toEqual([expect.objectContaining({ number: 1, worker_id: 'dead-worker', outcome: 'lease_lost', error_class: 'LeaseExpired' })]);

    await startWorker(e, { workerId: 'live-worker', handlers: { t: () => 'ok' } });
    const done = await waitFor('the job to run again', async () => {
      const j = await e.jobs.getWithAttempts(job.id);
      return j.status === 'succeeded' && j;
    });
    expect(done.attempts.map((a) => [a.number, a.worker_id, a.outcome])).toEqual([
      [1, 'dead-worker', 'lease_lost'],
      [2, 'live-worker', 'succeeded'],
    ]);
  });

  test("the stale worker's late completion is refused (fencing)", async () => {
    const { job } = await e.jobs.enqueue({ jobType: 't', entityId: 'x' });
    await claimAndDie('slow-worker');
    clock.advance(61_000);
    await e.jobs.reclaimExpiredLeases();
    // Another worker takes it over.
    const [again] = await claimUnkeyed(e.db, e.jobs.sql, { workerId: 'new-worker', limit: 1, leaseMs: 60_000, jobTypes: ['t'], now: clock.now() });
    expect(again).toMatchObject({ id: job.id, attempt_count: 2, lease_owner: 'new-worker' });

    const lateSuccess = await completeJobs(e.db, e.jobs.sql, 'slow-worker', [{ id: job.id, attempt: 1, duration_ms: 1, result: null }], clock.now());
    expect(lateSuccess.size).toBe(0);
    const lateFailure = await failJob(
      e.db,
      e.jobs.sql,
      'slow-worker',
      { id: job.id, attempt: 1, durationMs: 1, outcome: 'failed', runAt: undefined, error: snapshotError(new Error('late')) },
      clock.now(),
    );
    expect(lateFailure).toBe(false);
    // Even the same worker id cannot complete an attempt that is not the current one.
    expect((await completeJobs(e.db, e.jobs.sql, 'new-worker', [{ id: job.id, attempt: 1, duration_ms: 1, result: null }], clock.now())).size).toBe(0);

    const j = await e.jobs.getWithAttempts(job.id);
    expect(j).toMatchObject({ status: 'running', lease_owner: 'new-worker', attempt_count: 2 });
    expect(j.attempts.map((a) => a.outcome)).toEqual(['lease_lost']);
    expect((await completeJobs(e.db, e.jobs.sql, 'new-worker', [{ id: job.id, attempt: 2, duration_ms: 1, result: null }], clock.now())).size).toBe(1);
  });

  test('a lost lease past the retry budget makes the job dead', async () => {
    const { job } = await e.jobs.enqueue({ jobType: 't', entityId: 'x', maxRetries: 0 });
    await claimAndDie('w');
    clock.advance(61_000);
    await e.jobs.reclaimExpiredLeases();
    expect(await e.jobs.get(job.id)).toMatchObject({ status: 'dead', last_error: { class: 'LeaseExpired' } });
  });

  test('heartbeats keep the lease of a long-running handler alive', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const w = await startWorker(e, { leaseMs: 60_000, heartbeatMs: 20, handlers: { t: () => gate } });
    const { job } = await e.jobs.enqueue({ jobType: 't', entityId: 'x' });
    await waitFor('running', async () => (await e.jobs.get(job.id))!.status === 'running');
    // Time passes far beyond the original lease; the heartbeat keeps moving the expiry forward.
    for (let i = 0; i < 5; i++) {
      clock.advance(50_000);
      const before = clock.now().getTime();
      await waitFor('the lease to be renewed', async () => (await e.jobs.get(job.id))!.lease_expires_at!.getTime() > before);
      expect(await e.jobs.reclaimExpiredLeases()).toEqual([]);
    }
    release();
    await waitFor('success', async () => (await e.jobs.get(job.id))!.status === 'succeeded');
    expect(w.stats.refused).toBe(0);
  });

  test("a handler whose lease was taken over cannot record its outcome; the job's new attempt can", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const w = await startWorker(e, { leaseMs: 1_000, heartbeatMs: 100_000, reclaimIntervalMs: 100_000, handlers: { t: () => gate } });
    const { job } = await e.jobs.enqueue({ jobType: 't', entityId: 'x' });
    await waitFor('running', async () => (await e.jobs.get(job.id))!.status === 'running');
    clock.advance(2_000);
    expect(await e.jobs.reclaimExpiredLeases()).toEqual([job.id]);
    await waitFor('the second attempt', async () => (await e.jobs.get(job.id))!.attempt_count === 2);
    release();
    const done = await waitFor('success', async () => {
      const j = await e.jobs.getWithAttempts(job.id);
      return j.status === 'succeeded' && j;
    });
    expect(done.attempts.map((a) => [a.number, a.outcome])).toEqual([
      [1, 'lease_lost'],
      [2, 'succeeded'],
    ]);
    await waitFor('the refused outcome', () => w.stats.refused === 1);
  });

  test('a heartbeat that finds the lease gone aborts the handler', async () => {
    let signal: AbortSignal | undefined;
    await startWorker(e, {
      heartbeatMs: 30,
      handlers: {
        t: (_job, ctx) =>
          new Promise((_r, reject) => {
            signal = ctx.signal;
            ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason));
          }),
      },
    });
    const { job } = await e.jobs.enqueue({ jobType: 't', entityId: 'x' });
    await waitFor('running', async () => (await e.jobs.get(job.id))!.status === 'running');
    // Another worker took the job over (as after a reclaim and a new claim).
    await e.db.query(`update ${e.jobs.sql.s}.jobs set lease_owner = 'thief', attempt_count = attempt_count + 1 where id = $1`, [job.id]);
    await waitFor('the abort', () => signal?.aborted);
    expect(signal!.reason).toMatchObject({ name: 'LeaseLost' });
    expect(await e.jobs.get(job.id)).toMatchObject({ status: 'running', lease_owner: 'thief' });
  });

  test('cancelling a running job aborts its handler, records the attempt as cancelled and refuses its outcome', async () => {
    let signal: AbortSignal | undefined;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const w = await startWorker(e, {
      heartbeatMs: 100_000,
      handlers: {
        t: async (_job, ctx) => {
          signal = ctx.signal;
          await gate;
        },
      },
    });
    const { job } = await e.jobs.enqueue({ jobType: 't', entityId: 'x' });
    await waitFor('running', async () => (await e.jobs.get(job.id))!.status === 'running');
    const cancelled = await e.jobs.cancel(job.id, 'operator said stop');
    expect(cancelled).toMatchObject({ status: 'cancelled', lease_owner: null, last_error: { class: 'Cancelled', message: 'operator said stop' } });
    await waitFor('the abort signal', () => signal?.aborted);
    expect(signal!.reason).toMatchObject({ name: 'JobCancelled', code: 'cancelled' });
    release();
    await waitFor('the refused outcome', () => w.stats.refused === 1);
    const j = await e.jobs.getWithAttempts(job.id);
    expect(j.status).toBe('cancelled');
    expect(j.attempts.map((a) => a.outcome)).toEqual(['cancelled']);
  });

  test('graceful shutdown lets running jobs finish, then releases the leases of those that did not', async () => {
    // The quick job waits for the gate, so that both are seen running however slowly the second is
    // claimed (a bare 50 ms handler could finish first on a loaded machine), and finishes within the grace.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const w = await startWorker(e, {
      concurrency: 2,
      prefetch: 0,
      handlers: {
        quick: async () => {
          await gate;
          await new Promise((r) => setTimeout(r, 50));
        },
        stuck: (_job, ctx) => new Promise((_r, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason))),
      },
    });
    const quick = (await e.jobs.enqueue({ jobType: 'quick', entityId: 'q' })).job;
    const stuck = (await e.jobs.enqueue({ jobType: 'stuck', entityId: 's' })).job;
    await waitFor('both running', async () => (await e.jobs.list({ status: ['running'] })).length === 2);
    const stopping = w.stop(300);
    release();
    await stopping;

    expect((await e.jobs.get(quick.id))!.status).toBe('succeeded');
    const s = await e.jobs.getWithAttempts(stuck.id);
    expect(s).toMatchObject({ status: 'pending', lease_owner: null, lease_expires_at: null });
    expect(s.attempts).toEqual([expect.objectContaining({ outcome: 'released', error_class: 'WorkerShutdown' })]);
    expect((await e.jobs.list({ status: ['running'] })).length).toBe(0);
  });

  test('jobs claimed ahead but never started are handed back untouched on shutdown', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    await e.jobs.enqueueMany(Array.from({ length: 5 }, (_, i) => ({ jobType: 't', entityId: `e${i}` })));
    const w = await startWorker(e, { concurrency: 1, prefetch: 4, handlers: { t: () => gate } });
    await waitFor('all five claimed', async () => (await e.jobs.list({ status: ['running'] })).length === 5);
    const stopping = w.stop(5_000);
    release();
    await stopping;
    const jobs = await e.jobs.list({});
    expect(jobs.filter((j) => j.status === 'succeeded')).toHaveLength(1);
    const back = jobs.filter((j) => j.status === 'pending');
    expect(back).toHaveLength(4);
    expect(back.every((j) => j.attempt_count === 0 && j.lease_owner === null)).toBe(true);
  });
});
