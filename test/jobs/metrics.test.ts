import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { NotFound, UpstreamUnavailable } from '../../src/protocol/errors.ts';
import { testBackends } from '../helpers/backends.ts';
import { ManualClock, testEngine, waitFor, type TestEngine } from '../helpers/engine.ts';
import { startWorker } from '../helpers/workers.ts';

describe.each(testBackends())('metrics (%s)', (backend) => {
  let e: TestEngine;
  let clock: ManualClock;
  beforeEach(async () => {
    clock = new ManualClock();
    e = await testEngine(backend, { clock });
  });
  afterEach(() => e.close());

  test('an empty queue reports zeros', async () => {
    const m = await e.jobs.metrics();
    expect(m).toMatchObject({ total_jobs: 0, finished_jobs: 0, success_rate: null, retry_count: 0, queue_lag_seconds: 0, oldest_pending_job: null });
  });

  test('totals, success rate, retries, durations, lag and the oldest pending job agree with the jobs', async () => {
    let flaky = 0;
    await startWorker(e, {
      handlers: {
        ok: () => undefined,
        bad: () => {
          throw new NotFound('x');
        },
        flaky: () => {
          if (++flaky === 1) throw new UpstreamUnavailable('503');
        },
      },
    });
    await e.jobs.enqueueMany([
      { jobType: 'ok', entityId: '1' },
      { jobType: 'ok', entityId: '2' },
      { jobType: 'bad', entityId: '1' },
      { jobType: 'flaky', entityId: '1' },
    ]);
    await waitFor('3 finished', async () => (await e.jobs.metrics()).finished_jobs === 3);
    clock.advance(2000);
    await waitFor('4 finished', async () => (await e.jobs.metrics()).finished_jobs === 4);
    const waiting = (await e.jobs.enqueue({ jobType: 'nobody-handles-this', entityId: '1' })).job;
    clock.advance(5000);

    const m = await e.jobs.metrics();
    expect(m.total_jobs).toBe(5);
    expect(m.finished_jobs).toBe(4);
    expect(m.succeeded_jobs).toBe(3);
    expect(m.success_rate).toBeCloseTo(3 / 4);
    expect(m.retry_count).toBe(1);
    expect(m.attempt_count).toBe(5);
    expect(m.avg_attempt_duration_ms).toBeGreaterThanOrEqual(0);
    expect(m.by_status).toEqual({ pending: 1, running: 0, succeeded: 3, failed: 1, dead: 0, cancelled: 0 });
    expect(m.by_type.ok).toEqual({ succeeded: 2 });
    expect(m.queue_lag_seconds).toBe(5);
    expect(m.oldest_pending_job).toMatchObject({ id: waiting.id, job_type: 'nobody-handles-this' });
  });
});
