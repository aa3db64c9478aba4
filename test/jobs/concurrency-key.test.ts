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

  test('a worker claims keyed jobs only for slots it has free, so one busy worker never holds a key while another idles', async () => {
    const ran: { worker: string; start: number; end: number }[] = [];
    const handler = (name: string) => async () => {
      const start = performance.now();
      await new Promise((r) => setTimeout(r, 300));
      ran.push({ worker: name, start, end: performance.now() });
    };
    await e.jobs.enqueueMany(Array.from({ length: 2 }, (_, i) => ({ jobType: 'k', entityId: `run-1:${i}`, concurrencyKey: 'run-1', concurrencyLimit: 2 })));
    // One slot each: without the rule, the first worker claims both (one to run, one to buffer) and the
    // second never gets the key's other slot.
    await startWorker(e, { concurrency: 1, handlers: { k: handler('a') } });
    await startWorker(e, { concurrency: 1, handlers: { k: handler('b') } });
    await waitFor('both jobs', () => ran.length === 2);
    expect(new Set(ran.map((r) => r.worker))).toEqual(new Set(['a', 'b']));
    // And they ran at the same time: the key allows two.
    expect(Math.max(ran[0]!.start, ran[1]!.start)).toBeLessThan(Math.min(ran[0]!.end, ran[1]!.end));
  });
});
