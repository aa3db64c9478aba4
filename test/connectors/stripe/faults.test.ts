/**
 * Under injected 5xx, 429 (with and without Retry-After) and timeouts the read still completes with the same
 * data; no retry comes before a Retry-After allowed it, and the proactive cap holds in every rolling second.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { stripeSource } from '../../../src/connectors/stripe/index.ts';
import { startFakeStripe, type FakeStripe, type FaultSettings } from '../../../src/fakes/stripe/index.ts';
import { catalogOf, collect, configFor, recordIds } from './helpers.ts';

let fake: FakeStripe | undefined;
afterEach(() => fake?.close());

async function faultyRead(faults: Partial<FaultSettings>, extra: Record<string, unknown>) {
  fake = await startFakeStripe({ seed: 7 });
  fake.store.seed({ customers: 600 });
  const config = configFor(fake, { page_size: 20, ...extra });
  const catalog = catalogOf(['customers']);
  const clean = recordIds(await collect(stripeSource.read({ config, catalog })));
  fake.faults.set(faults);
  fake.requests.length = 0;
  const faulty = recordIds(await collect(stripeSource.read({ config, catalog })));
  return { clean, faulty, log: fake.requests };
}

function maxPerRollingSecond(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let max = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[j]! >= 1000) j++;
    max = Math.max(max, i - j + 1);
  }
  return max;
}

describe('stripe source under faults', () => {
  test('20% 5xx and 10% 429 with Retry-After: identical data, no retry before Retry-After allowed', async () => {
    const { clean, faulty, log } = await faultyRead({ rate5xx: 0.2, rate429: 0.1, retryAfterHeader: true, retryAfterSeconds: 1 }, {});
    expect(clean).toHaveLength(600);
    expect(faulty).toEqual(clean);
    const limited = log.map((r, i) => ({ r, i })).filter(({ r }) => r.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(log.some((r) => r.status !== null && r.status >= 500)).toBe(true);
    for (const { r, i } of limited) {
      const next = log[i + 1];
      if (next) expect(next.at - r.at, `retry ${next.request_id} came too early after 429 ${r.request_id}`).toBeGreaterThanOrEqual(1000);
    }
  });

  test('429 without Retry-After, 5xx and timeouts, with the fake limiting at 25/s: identical data, never over the configured 10/s', async () => {
    const { clean, faulty, log } = await faultyRead(
      { rate5xx: 0.2, rate429: 0.1, retryAfterHeader: false, timeoutRate: 0.05, timeoutMs: 2_000, rateLimit: { readsPerSecond: 25, writesPerSecond: 25 } },
      { requests_per_second: 10, timeout_ms: 300 },
    );
    expect(faulty).toEqual(clean);
    expect(log.some((r) => r.fault === 'timeout')).toBe(true);
    expect(log.some((r) => r.fault === 'rate_limit')).toBe(true);
    expect(log.filter((r) => r.fault === 'rate_limiter')).toEqual([]);
    expect(maxPerRollingSecond(log.map((r) => r.at))).toBeLessThanOrEqual(10);
  });

  test('a failure that outlasts the retries is thrown as its typed error', async () => {
    fake = await startFakeStripe();
    fake.store.seed({ customers: 10 });
    fake.faults.set({ rate5xx: 1 });
    const error = await collect(stripeSource.read({ config: configFor(fake, { max_retries: 2 }), catalog: catalogOf(['customers']) })).catch((e: unknown) => e);
    expect((error as Error).name).toBe('UpstreamUnavailable');
    expect(fake.requests).toHaveLength(3);
  });
});
