import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { LeaseLost } from '../../src/jobs/errors.ts';
import { testBackends } from '../helpers/backends.ts';
import { ManualClock, testEngine, waitFor, type TestEngine } from '../helpers/engine.ts';
import { startWorker } from '../helpers/workers.ts';

describe.each(testBackends())('transactional completion (%s)', (backend) => {
  let e: TestEngine;
  let clock: ManualClock;
  beforeEach(async () => {
    clock = new ManualClock();
    e = await testEngine(backend, { clock });
    await e.db.query(`create table ${e.jobs.sql.s}.ledger (job_id bigint, note text, primary key (job_id, note))`);
  });
  afterEach(() => e.close());

  test("a handler's writes and the job's success commit together", async () => {
    await startWorker(e, {
      handlers: {
        t: (job, ctx) =>
          ctx.completeInTransaction(async (tx) => {
            await tx.query(`insert into ${e.jobs.sql.s}.ledger values ($1, $2)`, [job.id, job.entity_id]);
          }, { written: 1 }),
      },
    });
    const { job } = await e.jobs.enqueue({ jobType: 't', entityId: 'x' });
    const done = await waitFor('success', async () => {
      const j = await e.jobs.getWithAttempts(job.id);
      return j.status === 'succeeded' && j;
    });
    expect(done.result).toEqual({ written: 1 });
    expect(done.attempts.map((a) => a.outcome)).toEqual(['succeeded']);
    const { rows } = await e.db.query(`select * from ${e.jobs.sql.s}.ledger`);
    expect(rows).toEqual([{ job_id: job.id, note: 'x' }]);
  });

  test('when the lease was taken over, the handler gets LeaseLost and its writes do not happen', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let seen: unknown;
    await startWorker(e, {
      leaseMs: 1000,
      heartbeatMs: 100_000,
      reclaimIntervalMs: 100_000,
      handlers: {
        t: async (job, ctx) => {
          if (ctx.attempt === 1) await gate;
          try {
            await ctx.completeInTransaction(async (tx) => {
              await tx.query(`insert into ${e.jobs.sql.s}.ledger values ($1, $2)`, [job.id, `attempt ${ctx.attempt}`]);
            });
          } catch (err) {
            seen = err;
            throw err;
          }
        },
      },
    });
    const { job } = await e.jobs.enqueue({ jobType: 't', entityId: 'x' });
    await waitFor('running', async () => (await e.jobs.get(job.id))!.status === 'running');
    clock.advance(2000);
    await e.jobs.reclaimExpiredLeases();
    await waitFor('attempt 2 to succeed', async () => (await e.jobs.get(job.id))!.status === 'succeeded');
    release();
    await waitFor('attempt 1 to be refused', () => seen !== undefined);
    expect(seen).toBeInstanceOf(LeaseLost);
    const { rows } = await e.db.query(`select * from ${e.jobs.sql.s}.ledger`);
    expect(rows).toEqual([{ job_id: job.id, note: 'attempt 2' }]);
  });

  test('a handler that throws inside the transaction leaves no writes and a retry', async () => {
    let calls = 0;
    await startWorker(e, {
      handlers: {
        t: (job, ctx) =>
          ctx.completeInTransaction(async (tx) => {
            await tx.query(`insert into ${e.jobs.sql.s}.ledger values ($1, 'x')`, [job.id]);
            if (++calls === 1) throw new Error('after the write');
          }),
      },
    });
    const { job } = await e.jobs.enqueue({ jobType: 't', entityId: 'x' });
    await waitFor('first attempt recorded', async () => (await e.jobs.attempts(job.id)).length === 1);
    const { rows } = await e.db.query(`select * from ${e.jobs.sql.s}.ledger`);
    expect(rows).toEqual([]);
    clock.advance(2000);
    await waitFor('success', async () => (await e.jobs.get(job.id))!.status === 'succeeded');
    expect((await e.db.query(`select * from ${e.jobs.sql.s}.ledger`)).rows).toHaveLength(1);
  });
});
