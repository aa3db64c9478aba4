/**
 * Snoozing (both backends): a handler that throws JobSnoozed runs again after the delay without
 * spending a retry — however often it snoozes, it can still fail its full budget afterwards; the
 * snooze is recorded under the lease guard like any outcome; runNow brings a snoozed job forward.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { JobSnoozed } from '../../src/jobs/errors.ts';
import { UpstreamUnavailable } from '../../src/protocol/errors.ts';
import { testBackends } from '../helpers/backends.ts';
import { ManualClock, testEngine, waitFor, type TestEngine } from '../helpers/engine.ts';
import { startWorker } from '../helpers/workers.ts';

describe.each(testBackends())('snooze (%s)', (backend) => {
  let e: TestEngine;
  let clock: ManualClock;
  beforeEach(async () => {
    clock = new ManualClock();
    e = await testEngine(backend, { clock, defaults: { maxRetries: 1, backoff: { baseSeconds: 2, capSeconds: 3600, jitter: 0 } } });
  });
  afterEach(() => e.close());

  const settled = (id: number, attempts: number) =>
    waitFor(`${attempts} attempts of job ${id}`, async () => {
      const j = await e.jobs.getWithAttempts(id);
      return j.attempts.length === attempts && j.status !== 'running' && j;
    });

  test('five snoozes then two failures: the job still gets its whole retry budget and dies only after it', async () => {
    let calls = 0;
    await startWorker(e, {
      handlers: {
        t: () => {
          calls++;
          if (calls <= 5) throw new JobSnoozed(10_000, 'waiting for children');
          throw new UpstreamUnavailable('503');
        },
      },
    });
    const { job } = await e.jobs.enqueue({ jobType: 't', entityId: 'parent' });
    for (let n = 1; n <= 5; n++) {
      const j = await settled(job.id, n);
      expect(j.status).toBe('pending');
      expect(j.run_at.getTime() - clock.now().getTime()).toBe(10_000);
      expect(j.attempts.at(-1)).toMatchObject({ outcome: 'snoozed', error_class: 'JobSnoozed' });
      expect(j.last_error).toBeNull();
      clock.advance(10_000);
    }
    const retried = await settled(job.id, 6);
    expect(retried.status).toBe('pending');
    expect(retried.attempts.at(-1)!.outcome).toBe('retry');
    clock.advance(retried.run_at.getTime() - clock.now().getTime());
    const dead = await settled(job.id, 7);
    expect(dead.status).toBe('dead');
    expect(dead.attempts.map((a) => a.outcome)).toEqual(['snoozed', 'snoozed', 'snoozed', 'snoozed', 'snoozed', 'retry', 'dead']);
  });

  test('runNow brings a snoozed job forward; it does nothing to a job that is not pending', async () => {
    let calls = 0;
    await startWorker(e, {
      handlers: {
        t: () => {
          if (++calls === 1) throw new JobSnoozed(3_600_000);
          return 'done';
        },
      },
    });
    const { job } = await e.jobs.enqueue({ jobType: 't', entityId: 'p' });
    await settled(job.id, 1);
    expect(await e.jobs.runNow(job.id)).toBe(true);
    const done = await settled(job.id, 2);
    expect(done.status).toBe('succeeded');
    expect(await e.jobs.runNow(job.id)).toBe(false);
  });

  test('a negative or non-finite delay is a programming error', () => {
    expect(() => new JobSnoozed(-1)).toThrow(RangeError);
    expect(() => new JobSnoozed(Number.NaN)).toThrow(RangeError);
  });
});
