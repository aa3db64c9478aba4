import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { NotFound, UpstreamRateLimited, UpstreamUnavailable } from '../../src/protocol/errors.ts';
import { testBackends } from '../helpers/backends.ts';
import { ManualClock, testEngine, waitFor, type TestEngine } from '../helpers/engine.ts';
import { startWorker } from '../helpers/workers.ts';

describe.each(testBackends())('retry policy (%s)', (backend) => {
  let e: TestEngine;
  let clock: ManualClock;
  beforeEach(async () => {
    clock = new ManualClock();
    e = await testEngine(backend, { clock, defaults: { maxRetries: 3, backoff: { baseSeconds: 2, capSeconds: 3600, jitter: 0 } } });
  });
  afterEach(() => e.close());

  const attemptsOf = async (id: number, n: number) =>
    waitFor(`${n} attempts of job ${id}`, async () => {
      const j = await e.jobs.getWithAttempts(id);
      return j.attempts.length === n && j.status !== 'running' && j;
    });

  test('retryable failures back off by base * 2^(attempt-1), then the job is dead with the error snapshot', async () => {
    await startWorker(e, {
      handlers: {
        t: () => {
          throw new UpstreamUnavailable('CRM answered 503', { detail: { status: 503 } });
        },
      },
    });
    const { job } = await e.jobs.enqueue({ jobType: 't', entityId: 'c_flaky' });
    const delays: number[] = [];
    for (let n = 1; n <= 3; n++) {
      const j = await attemptsOf(job.id, n);
      expect(j.status).toBe('pending');
      delays.push((j.run_at.getTime() - clock.now().getTime()) / 1000);
      clock.advance(j.run_at.getTime() - clock.now().getTime());
    }
    expect(delays).toEqual([2, 4, 8]);
    const dead = await attemptsOf(job.id, 4);
    expect(dead.status).toBe('dead');
    expect(dead.finished_at).toEqual(clock.now());
    expect(dead.attempts.map((a) => a.outcome)).toEqual(['retry', 'retry', 'retry', 'dead']);
    expect(dead.attempts.every((a) => a.error_class === 'UpstreamUnavailable' && a.error_message === 'CRM answered 503')).toBe(true);
    expect(dead.attempts[3]!.error_detail).toEqual({ status: 503 });
    expect(dead.last_error).toMatchObject({ class: 'UpstreamUnavailable', code: 'upstream_unavailable', message: 'CRM answered 503', retryable: true });
  });

  test("the upstream's Retry-After is honoured when it is later than the backoff", async () => {
    let calls = 0;
    await startWorker(e, {
      handlers: {
        t: () => {
          if (++calls === 1) throw new UpstreamRateLimited('429', { retryAt: new Date(clock.now().getTime() + 30_000) });
        },
      },
    });
    const { job } = await e.jobs.enqueue({ jobType: 't', entityId: 'c_1002' });
    const j = await attemptsOf(job.id, 1);
    expect(j.run_at.getTime() - clock.now().getTime()).toBe(30_000);
    expect(j.last_error).toMatchObject({ class: 'UpstreamRateLimited', retry_at: j.run_at.toISOString() });
    clock.advance(29_000);
    await new Promise((r) => setTimeout(r, 150));
    expect((await e.jobs.get(job.id))!.status).toBe('pending');
    clock.advance(1_000);
    const done = await attemptsOf(job.id, 2);
    expect(done.status).toBe('succeeded');
  });

  test('a non-retryable error fails the job after exactly one attempt', async () => {
    await startWorker(e, {
      handlers: {
        t: () => {
          throw new NotFound('customer c_missing not found in CRM');
        },
      },
    });
    const { job } = await e.jobs.enqueue({ jobType: 't', entityId: 'c_missing' });
    const j = await attemptsOf(job.id, 1);
    expect(j).toMatchObject({ status: 'failed', attempt_count: 1, last_error: { class: 'NotFound', retryable: false } });
    expect(j.attempts[0]).toMatchObject({ outcome: 'failed', error_class: 'NotFound' });
    clock.advance(3_600_000);
    await new Promise((r) => setTimeout(r, 150));
    expect((await e.jobs.get(job.id))!.attempt_count).toBe(1);
  });

  test('an unknown exception is recorded with its class and retried up to the limit', async () => {
    class WeirdBug extends Error {}
    await startWorker(e, {
      handlers: {
        t: () => {
          throw new WeirdBug('boom');
        },
      },
    });
    const { job } = await e.jobs.enqueue({ jobType: 't', entityId: 'x', maxRetries: 1 });
    await attemptsOf(job.id, 1);
    clock.advance(2_000);
    const dead = await attemptsOf(job.id, 2);
    expect(dead.status).toBe('dead');
    expect(dead.attempts.map((a) => [a.outcome, a.error_class])).toEqual([
      ['retry', 'WeirdBug'],
      ['dead', 'WeirdBug'],
    ]);
  });

  test('max_retries 0 means a single attempt', async () => {
    await startWorker(e, {
      handlers: {
        t: () => {
          throw new UpstreamUnavailable('down');
        },
      },
    });
    const { job } = await e.jobs.enqueue({ jobType: 't', entityId: 'x', maxRetries: 0 });
    expect((await attemptsOf(job.id, 1)).status).toBe('dead');
  });
});
