/**
 * A Stripe pipeline run under a faulty API, on both backends, through the engine (run job, stream jobs,
 * worker, the engine's own database): the fake answers 20% of requests with a 5xx, 10% with a 429 carrying
 * Retry-After, and holds 5% past the source's timeout. The run still ends `succeeded` with the destination
 * equal to the fake's data, no page is fetched twice with success, and no request comes before a
 * Retry-After allowed it.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { startFakeStripe, type FakeStripe } from '../../src/fakes/stripe/index.ts';
import { testBackends } from '../helpers/backends.ts';
import { testEngine, type TestEngine } from '../helpers/engine.ts';
import { startWorker } from '../helpers/workers.ts';
import { compareWithFake, runToEnd, STRIPE_KEY, stripePipeline } from './stripe-pipeline-helpers.ts';

const RETRY_AFTER_SECONDS = 1;
/** The fake's clock and the client's are the same process clock, and the client adds a margin: none needed. */
const TOLERANCE_MS = 0;

describe.each(testBackends())('stripe pipeline under faults (%s)', (backend) => {
  let e: TestEngine;
  let fake: FakeStripe;
  let dest: string;
  beforeEach(async () => {
    fake = await startFakeStripe({ seed: 7 });
    fake.store.seed({ customers: 2_000, products: 1_000 });
    e = await testEngine(backend, { runPollMs: 100 });
    dest = `${e.schema}_dest`;
  });
  afterEach(async () => {
    await fake.close();
    await e.db.query(`drop schema if exists "${dest}" cascade`).catch(() => {});
    await e.close();
  });

  test('20% 5xx, 10% 429 with Retry-After and 5% timeouts: the run succeeds, the destination equals the fake, Retry-After is honoured', async () => {
    await e.pipelines.create(stripePipeline({ name: 'stripe-faulty', fake, dest, streams: ['customers', 'products'], source: { timeout_ms: 300 } }));
    fake.faults.set({ rate5xx: 0.2, rate429: 0.1, retryAfterHeader: true, retryAfterSeconds: RETRY_AFTER_SECONDS, timeoutRate: 0.05, timeoutMs: 1_500 });
    // One slot: the stream jobs read one after the other, so the log's next request of the key is the same client's.
    await startWorker(e, { handlers: {}, concurrency: 1 });
    const run = await runToEnd(e, 'stripe-faulty', 55_000);
    expect(run.status).toBe('succeeded');
    expect(run.counts).toMatchObject({ records: 3_000 });

    expect(await compareWithFake(e.db, dest, fake, 'customers')).toMatchObject({ problems: [], live: 2_000, rows: 2_000 });
    expect(await compareWithFake(e.db, dest, fake, 'products')).toMatchObject({ problems: [], live: 1_000, rows: 1_000 });

    const log = fake.requests;
    // Every kind of fault really happened.
    expect(log.filter((r) => r.fault === 'rate_limit').length).toBeGreaterThan(0);
    expect(log.filter((r) => r.fault === 'server_error').length).toBeGreaterThan(0);
    expect(log.filter((r) => r.fault === 'timeout').length).toBeGreaterThan(0);
    expect(log.every((r) => r.api_key === STRIPE_KEY)).toBe(true);

    // Retries repeat failed requests only: no list page was answered 200 twice.
    const okPages = log.filter((r) => r.path !== '/v1/events' && r.status === 200).map((r) => `${r.path}?${JSON.stringify(r.query)}`);
    expect(okPages.filter((q, i) => okPages.indexOf(q) !== i)).toEqual([]);

    // After a 429 with Retry-After R at T, the client's next request comes at T + R or later.
    const early: string[] = [];
    let limited = 0;
    for (const [i, r] of log.entries()) {
      if (r.status !== 429) continue;
      limited++;
      const next = log.slice(i + 1).find((n) => n.api_key === r.api_key);
      if (next && next.at - r.at < RETRY_AFTER_SECONDS * 1000 - TOLERANCE_MS) early.push(`${next.request_id} ${next.at - r.at} ms after 429 ${r.request_id}`);
    }
    expect(limited).toBeGreaterThan(0);
    expect(early).toEqual([]);
  });
});
