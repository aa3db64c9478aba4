/**
 * No lost wake-up for keyed jobs: a NOTIFY that arrives while the worker's keyed claim is in flight
 * (that claim's snapshot predates the new job) must lead to another claim, not leave the job for the
 * next poll. Keyed jobs are enqueued one at a time, each just after the previous one's handler started
 * — when the worker is completing and claiming again — with a poll interval far longer than the wait
 * allowed per job: a lost wake-up shows as a job that does not start. (Found by bench:webhooks: every
 * two-way webhook job has a per-issue key.) And a job enqueued inside a transaction that skips the
 * in-transaction NOTIFY is woken by `wake()` after the commit.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { testBackends } from '../helpers/backends.ts';
import { testEngine, type TestEngine } from '../helpers/engine.ts';
import { startWorker } from '../helpers/workers.ts';

describe.each(testBackends())('keyed wake-ups (%s)', (backend) => {
  let e: TestEngine;
  beforeEach(async () => {
    e = await testEngine(backend);
  });
  afterEach(() => e.close());

  test('every keyed job enqueued while a keyed claim is in flight starts through its NOTIFY, never waiting for the poll', async () => {
    let started: (() => void) | undefined;
    await startWorker(e, { concurrency: 4, pollIntervalMs: 120_000, handlers: { probe: async () => started?.() } });
    const n = backend === 'pg' ? 300 : 100;
    const stalled: number[] = [];
    for (let i = 0; i < n; i++) {
      const start = new Promise<boolean>((resolve) => {
        started = () => resolve(true);
        setTimeout(() => resolve(false), 10_000).unref();
      });
      await e.jobs.enqueue({ jobType: 'probe', entityId: `e${i}`, concurrencyKey: `k${i % 7}`, concurrencyLimit: 1 });
      if (!(await start)) stalled.push(i);
      if (stalled.length > 0) break;
      await new Promise((r) => setTimeout(r, i % 4));
    }
    expect(stalled).toEqual([]);
  });

  test('a job enqueued in a transaction with wakeAfterCommit starts through wake() after the commit, not the poll', async () => {
    const started: string[] = [];
    await startWorker(e, { concurrency: 2, pollIntervalMs: 120_000, handlers: { probe: async (job) => void started.push(job.entity_id) } });
    for (let i = 0; i < 20; i++) {
      await e.db.transaction((tx) => e.jobs.enqueue({ jobType: 'probe', entityId: `t${i}`, concurrencyKey: `k${i % 3}`, concurrencyLimit: 1 }, tx, { wakeAfterCommit: true }));
      e.jobs.wake();
      const deadline = Date.now() + 10_000;
      while (!started.includes(`t${i}`) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      expect(started).toContain(`t${i}`);
    }
  });
});
