/**
 * A 429 storm under a small rate limit, on both backends. The fake PCO enforces 20 requests per 2 s per credential
 * (its own limiter, which answers 429 `rate_limiter` when passed) and on top answers ~30 % of requests with an
 * injected 429 carrying `Retry-After: 1`; the pipeline's config declares the same 20 per 2 s as its `rate_limit`.
 * A run of 500 people with every entity:
 *   - succeeds (slower) and leaves the canonical tables equal to the fake, every child with its stored person;
 *   - never sent more than 20 requests in any 2 s window (`peakInWindow`, injected 429s included: each attempt
 *     takes a token from the engine's shared bucket), so the fake's own limiter never had to refuse one — the only
 *     429s in its log are the injected ones;
 *   - honoured every Retry-After: each refused request was sent again, unchanged, no sooner than a second later,
 *     and that retry was answered.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { peakInWindow, startFakePco, type FakePco } from '../../src/fakes/pco/index.ts';
import { testBackends } from '../helpers/backends.ts';
import { testEngine, type TestEngine } from '../helpers/engine.ts';
import { startWorker } from '../helpers/workers.ts';
import { ALL_STREAMS, compareAll, fakeCounts, PCO_APP_ID, PERSON_CHILDREN, pcoPipeline, personRefs, runToEnd } from './pco-pipeline-helpers.ts';

const LIMIT = 20;
const PERIOD_SECONDS = 2;
const PEOPLE = 500;

describe.each(testBackends())('pco pipeline: a 429 storm under a 20 per 2 s limit (%s)', (backend) => {
  let e: TestEngine;
  let fake: FakePco;

  beforeEach(async () => {
    fake = await startFakePco({
      rateLimit: { limit: LIMIT, periodSeconds: PERIOD_SECONDS, highOffset: null },
      faults: { rate429: 0.3, retryAfterSeconds: 1, seed: 29 },
      seed: 29,
    });
    fake.store.seed({ people: PEOPLE, campuses: 3, seed: 29 });
    e = await testEngine(backend, { runPollMs: 100 });
  });
  afterEach(async () => {
    await fake.close();
    await e.close();
  });

  test('the run succeeds and matches the fake; never more than 20 requests in 2 s, so only the injected 429s appear, each retried after Retry-After', async () => {
    const counts = fakeCounts(fake);
    await e.pipelines.create(pcoPipeline({
      name: 'pco-storm',
      fake,
      // max_retries: a request meets a 429 with p = 0.3 each time; 10 retries make giving up (p ≈ 6e-6) a non-event.
      source: { rate_limit: { requests: LIMIT, per_seconds: PERIOD_SECONDS }, max_retries: 10 },
    }));
    await startWorker(e, { handlers: {}, concurrency: 6 });

    const started = Date.now();
    const run = await runToEnd(e, 'pco-storm', 55_000);
    const elapsed = Date.now() - started;
    expect(run.status).toBe('succeeded');

    const compared = await compareAll(e.db, e.schema, fake);
    for (const entity of ALL_STREAMS) expect(compared[entity], entity).toMatchObject({ problems: [], live: counts[entity], rows: counts[entity] });
    const refs = await personRefs(e.db, e.schema);
    for (const entity of PERSON_CHILDREN) expect(refs[entity], entity).toEqual({ rows: counts[entity], joined: counts[entity], right_person: counts[entity] });

    // Under the limit in every sliding window, refused requests counted too; the fake's own count agrees.
    const requests = fake.requests;
    expect(requests.every((r) => r.credential === PCO_APP_ID)).toBe(true);
    const peak = peakInWindow(requests, PERIOD_SECONDS * 1000, { credential: PCO_APP_ID, includeRefused: true });
    expect(peak).toBeLessThanOrEqual(LIMIT);
    expect(Math.max(...requests.map((r) => r.rate?.count ?? 0))).toBeLessThanOrEqual(LIMIT);
    // The only 429s are the injected ones: the fake's limiter never refused anything.
    expect(requests.filter((r) => r.fault === 'rate_limiter')).toEqual([]);
    const refused = requests.filter((r) => r.status === 429);
    expect(refused.every((r) => r.fault === 'rate_limit' && r.retry_after === 1)).toBe(true);
    expect(refused.length).toBeGreaterThanOrEqual(5);
    expect(requests.filter((r) => r.status !== 200 && r.status !== 429)).toEqual([]);

    // Each refused request was sent again unchanged, a Retry-After (1 s) later at the soonest, and answered.
    const key = (r: (typeof requests)[number]) => `${r.path}?${JSON.stringify(r.query)}`;
    for (const r of refused) {
      const i = requests.indexOf(r);
      const retry = requests.slice(i + 1).find((q) => key(q) === key(r));
      expect(retry, `no retry of ${key(r)}`).toBeDefined();
      expect(retry!.at - r.at, key(r)).toBeGreaterThanOrEqual(1_000);
    }
    const answered = new Set(requests.filter((r) => r.status === 200).map(key));
    for (const r of refused) expect(answered.has(key(r)), key(r)).toBe(true);
    // The limit, not the data, set the pace: the bucket lets 10 through at once, then 5 a second.
    expect(elapsed).toBeGreaterThanOrEqual(((requests.length - LIMIT / 2) / (LIMIT / PERIOD_SECONDS / 2)) * 1000 * 0.8);
    console.info(`[pco-pipeline-rate ${backend}] ${requests.length} requests (${refused.length} injected 429s), peak ${peak} per ${PERIOD_SECONDS} s, ${elapsed} ms`);
  });
});
