/**
 * The shared token bucket (both backends): limiters over one database — as separate workers would
 * be — never let more than N requests through in any window of P seconds, whatever their interleaving,
 * yet a quiet connection may burst half its limit at once; an abort stops the wait.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { bucketOf, createRateLimiter } from '../../src/sync/manifest/rate-limiter.ts';
import { testBackends } from '../helpers/backends.ts';
import { testEngine, type TestEngine } from '../helpers/engine.ts';

/** Most timestamps falling in any window [t, t + periodMs). */
function peak(times: number[], periodMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[j]! >= periodMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

describe.each(testBackends())('rate limiter (%s)', (backend) => {
  let e: TestEngine;
  beforeEach(async () => {
    e = await testEngine(backend);
  });
  afterEach(() => e.close());

  test('two limiters sharing one bucket stay within N per period in every window', async () => {
    const limit = { key: 'conn-1', requests: 20, perSeconds: 1 };
    const a = createRateLimiter(e.db, e.schema);
    const b = createRateLimiter(e.db, e.schema);
    const times: number[] = [];
    const signal = new AbortController().signal;
    const take = async (l: typeof a, n: number) => {
      for (let i = 0; i < n; i++) {
        await l.acquire(limit, signal);
        times.push(performance.now());
      }
    };
    const started = performance.now();
    await Promise.all([take(a, 15), take(b, 15), take(a, 5)]);
    expect(times).toHaveLength(35);
    // Grants are timed by the database's clock; these times are when each caller saw its grant, which a busy
    // event loop can bunch by a few tens of ms. A 900 ms window leaves that room and still fails a limiter
    // that lets 2N through (a plain token bucket of N).
    expect(peak(times, 900)).toBeLessThanOrEqual(20);
    // It did not just stall: 35 requests at 20 per second (a bucket of 10) take about 1.3 s.
    expect(performance.now() - started).toBeLessThan(8000);
    // The first half-limit went at once (the burst).
    expect(times.filter((t) => t - started < 200).length).toBeGreaterThanOrEqual(bucketOf(limit).capacity);
  });

  test('buckets are per key, and an abort ends the wait with the reason', async () => {
    const limiter = createRateLimiter(e.db, e.schema);
    const tiny = { key: 'slow', requests: 2, perSeconds: 60 };
    const signal = new AbortController().signal;
    await limiter.acquire(tiny, signal);
    // Another key is not held up by this one.
    await limiter.acquire({ key: 'other', requests: 2, perSeconds: 60 }, signal);
    const controller = new AbortController();
    const waiting = limiter.acquire(tiny, controller.signal);
    setTimeout(() => controller.abort(new Error('stop waiting')), 50);
    await expect(waiting).rejects.toThrow('stop waiting');
  });
});
