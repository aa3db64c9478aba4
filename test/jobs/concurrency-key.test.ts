import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { testBackends } from '../helpers/backends.ts';
import { testEngine, waitFor, type TestEngine } from '../helpers/engine.ts';
import { startWorker } from '../helpers/workers.ts';

describe.each(testBackends())('per-key concurrency limits (%s)', (backend) => {
  let e: TestEngine;
  beforeEach(async () => {
    e = await testEngine(backend);
  });
  afterEach(() => e.close());

  test('at most N jobs with one key run at once, across workers, while other keys proceed', async () => {
    const active = new Map<string, number>();
    const peak = new Map<string, number>();
    const handler = async (job: { concurrency_key: string | null }) => {
      const k = job.concurrency_key ?? 'none';
      active.set(k, (active.get(k) ?? 0) + 1);
      peak.set(k, Math.max(peak.get(k) ?? 0, active.get(k)!));
      await new Promise((r) => setTimeout(r, 15));
      active.set(k, active.get(k)! - 1);
    };
    await e.jobs.enqueueMany([
      ...Array.from({ length: 12 }, (_, i) => ({ jobType: 't', entityId: `a${i}`, concurrencyKey: 'tenant-a', concurrencyLimit: 2 })),
      ...Array.from({ length: 6 }, (_, i) => ({ jobType: 't', entityId: `b${i}`, concurrencyKey: 'tenant-b', concurrencyLimit: 1 })),
      ...Array.from({ length: 10 }, (_, i) => ({ jobType: 't', entityId: `n${i}` })),
    ]);
    await startWorker(e, { concurrency: 8, handlers: { t: handler } });
    await startWorker(e, { concurrency: 8, handlers: { t: handler } });
    await waitFor('all jobs', async () => (await e.jobs.metrics()).by_status.succeeded === 28);
    expect(peak.get('tenant-a')).toBe(2);
    expect(peak.get('tenant-b')).toBe(1);
    expect(peak.get('none')).toBeGreaterThan(2);
  });
});
