/**
 * Failures as the adapter meets them over real HTTP from the fake PCO: 429 waits out Retry-After (the fake's log
 * shows no request before it allowed one), 5xx/502 pages/timeouts/cut bodies are retried with backoff, acquire() is
 * awaited before every attempt, 401 is an AuthError at once, and fetchOne reads one record or null on 404.
 */
import { afterEach, describe, expect, test } from 'vitest';
import type { FakePco } from '../../../src/fakes/pco/index.ts';
import { pcoAdapter } from '../../../src/connectors/pco/index.ts';
import { AuthError, UpstreamRateLimited, UpstreamUnavailable } from '../../../src/protocol/errors.ts';
import { configFor, countingContext, startFake, walk } from './helpers.ts';

let fake: FakePco;
afterEach(() => fake?.close());

const firstPage = (config: ReturnType<typeof configFor>, ctx = countingContext()) =>
  pcoAdapter.listPage({ config, entity: 'person', page: null, pageSize: 100, signal: ctx.signal, acquire: ctx.acquire });

describe('rate limits', () => {
  test('a 429 is retried only after its Retry-After, and acquire() precedes both attempts', async () => {
    fake = await startFake();
    fake.store.seed({ people: 5 });
    fake.faults.inject(1, 'rate_limit', { retryAfterSeconds: 1 });
    const ctx = countingContext();
    const page = await firstPage(configFor(fake), ctx);
    expect(page.records).toHaveLength(5);
    const [refused, retried] = fake.requests;
    expect(refused).toMatchObject({ status: 429, retry_after: 1 });
    expect(retried!.status).toBe(200);
    expect(retried!.at - refused!.at).toBeGreaterThanOrEqual(1000);
    expect(ctx.acquired).toBe(2);
  });

  test('under PCO’s own limiter a long walk never sends before Retry-After allows, and acquires once per request', async () => {
    fake = await startFake({ rateLimit: { limit: 3, periodSeconds: 1 } });
    fake.store.seed({ people: 40 });
    const ctx = countingContext();
    const { records } = await walk(configFor(fake), 'person', { pageSize: 5, ctx });
    expect(records.map((r) => r.id)).toEqual(fake.store.ids('people'));
    const refused = fake.requests.filter((r) => r.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) {
      const next = fake.requests[fake.requests.indexOf(r) + 1]!;
      expect(next.at - r.at).toBeGreaterThanOrEqual(r.retry_after! * 1000);
    }
    expect(ctx.acquired).toBe(fake.requests.length);
  });

  test('when retries run out the 429 reaches the engine with its retryAt', async () => {
    fake = await startFake();
    fake.faults.inject(3, 'rate_limit', { retryAfterSeconds: 1 });
    const before = Date.now();
    const err = await firstPage(configFor(fake, { max_retries: 0 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamRateLimited);
    expect((err as UpstreamRateLimited).retryAt!.getTime()).toBeGreaterThanOrEqual(before + 1000);
    expect(fake.requests).toHaveLength(1);
  });

  test('a Retry-After too long to sleep through in one request goes to the engine at once', async () => {
    fake = await startFake();
    fake.faults.inject(1, 'rate_limit', { retryAfterSeconds: 3600 });
    await expect(firstPage(configFor(fake))).rejects.toBeInstanceOf(UpstreamRateLimited);
    expect(fake.requests).toHaveLength(1);
  });
});

describe('transient failures', () => {
  test('500, nginx’s 502 page and 503 are retried with backoff, acquiring before each attempt', async () => {
    fake = await startFake();
    fake.store.seed({ people: 3 });
    fake.faults.inject({ kind: 'server_error', status: 500 });
    fake.faults.inject({ kind: 'server_error', status: 502 });
    fake.faults.inject({ kind: 'server_error', status: 503 });
    const ctx = countingContext();
    expect((await firstPage(configFor(fake), ctx)).records).toHaveLength(3);
    expect(fake.requests.map((r) => r.status)).toEqual([500, 502, 503, 200]);
    expect(ctx.acquired).toBe(4);
  });

  test('a timeout and a body cut halfway are retried', async () => {
    fake = await startFake({ faults: { timeoutMs: 2_000 } });
    fake.store.seed({ people: 3 });
    fake.faults.inject(1, 'timeout');
    fake.faults.inject(1, 'truncate');
    const ctx = countingContext();
    expect((await firstPage(configFor(fake, { timeout_ms: 300 }), ctx)).records).toHaveLength(3);
    expect(fake.requests.map((r) => r.fault ?? r.status)).toEqual(['timeout', 'truncate', 200]);
    expect(ctx.acquired).toBe(3);
  });

  test('after max_retries the last failure is thrown, typed', async () => {
    fake = await startFake();
    fake.faults.inject(10, 'server_error');
    await expect(firstPage(configFor(fake, { max_retries: 2 }))).rejects.toBeInstanceOf(UpstreamUnavailable);
    expect(fake.requests).toHaveLength(3);
  });

  test('an abort during a backoff ends the request with the abort, not a retry', async () => {
    fake = await startFake();
    fake.faults.inject(1, 'rate_limit', { retryAfterSeconds: 30 });
    const ctx = countingContext();
    const pending = firstPage(configFor(fake), ctx);
    setTimeout(() => ctx.controller.abort(new Error('lease lost')), 100);
    await expect(pending).rejects.toThrow('lease lost');
    expect(fake.requests).toHaveLength(1);
  });
});

describe('credentials', () => {
  test('a 401 is an AuthError at once, never retried, and names no secret', async () => {
    fake = await startFake({ apps: [{ id: 'app-id', secret: 'the-right-secret' }] });
    const err = await firstPage(configFor(fake, { secret: 'a-wrong-secret' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect(fake.requests).toHaveLength(1);
    expect(JSON.stringify({ message: (err as Error).message, detail: (err as AuthError).detail })).not.toContain('a-wrong-secret');
  });

  test('an expired OAuth token is an AuthError', async () => {
    fake = await startFake({ tokens: [{ token: 'old', expiresAt: 0 }] });
    await expect(firstPage(configFor(fake, { application_id: undefined, secret: undefined, access_token: 'old' }))).rejects.toBeInstanceOf(AuthError);
  });
});

describe('fetchOne', () => {
  test('reads one record, flattened; a deleted or unknown id is null', async () => {
    fake = await startFake();
    const { people, campuses } = fake.store.seed({ people: 4, campuses: 1 });
    const ctx = countingContext();
    const config = configFor(fake);
    const person = (await pcoAdapter.fetchOne({ config, entity: 'person', id: people[0]!, ...ctx })) as Record<string, unknown>;
    expect(person).toMatchObject({ id: people[0], primary_campus_id: campuses[0] });
    fake.store.delete('people', people[1]!);
    expect(await pcoAdapter.fetchOne({ config, entity: 'person', id: people[1]!, ...ctx })).toBeNull();
    expect(await pcoAdapter.fetchOne({ config, entity: 'email', id: '1', ...ctx })).toBeNull();
    expect(fake.requests.map((r) => [r.path, r.status])).toEqual([
      [`/people/v2/people/${people[0]}`, 200],
      [`/people/v2/people/${people[1]}`, 404],
      ['/people/v2/emails/1', 404],
    ]);
    expect(ctx.acquired).toBe(3);
  });

  test('an id cannot reach another path', async () => {
    fake = await startFake();
    fake.store.seed({ people: 1 });
    expect(await pcoAdapter.fetchOne({ config: configFor(fake), entity: 'person', id: '../campuses', ...countingContext() })).toBeNull();
    expect(fake.requests[0]!.path).toBe('/people/v2/people/..%2Fcampuses');
  });
});
