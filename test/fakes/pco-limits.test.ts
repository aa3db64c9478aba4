/**
 * The rate limiter and injected faults as a plain fetch client sees them (reference §9, §10): rate headers on every
 * answer, the documented 429 body with Retry-After when a credential passes its limit (counted per credential, on
 * the injected clock), the stricter limit for deep offsets, a log that shows whether a client kept to the rate;
 * 429 storms, 500/502/503, timeouts that drop the socket, truncated bodies, and the same faults for the same seed.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { peakInWindow, startFakePco, type FakePco, type FakePcoOptions } from '../../src/fakes/pco/index.ts';

const START = Date.UTC(2026, 0, 15, 12, 0, 0);
const basic = (id = 'app-id') => `Basic ${Buffer.from(`${id}:secret`).toString('base64')}`;

async function api(fake: FakePco, path: string, init: { method?: string; body?: unknown; app?: string } = {}): Promise<{ status: number; headers: Headers; body: any; text: string }> {
  const res = await fetch(`${fake.url}${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: { authorization: basic(init.app), ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  const text = await res.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, headers: res.headers, body, text };
}

let fake: FakePco;
let clock: number;
async function start(options: FakePcoOptions = {}): Promise<FakePco> {
  await fake?.close();
  fake = await startFakePco({ now: () => clock, ...options });
  return fake;
}
beforeEach(async () => {
  clock = START;
  await start();
});
afterEach(() => fake.close());

describe('rate limit', () => {
  test("by default PCO's published limit: 100 per 20 seconds, counted in X-PCO-API-Request-Rate-* on every answer", async () => {
    for (let i = 1; i <= 3; i++) {
      const res = await api(fake, i === 2 ? '/people/v2/people/404' : '/people/v2/people');
      expect(res.headers.get('x-pco-api-request-rate-limit')).toBe('100');
      expect(res.headers.get('x-pco-api-request-rate-period')).toBe('20 seconds');
      expect(res.headers.get('x-pco-api-request-rate-count')).toBe(String(i));
    }
    expect(fake.requests.map((r) => r.rate)).toEqual([1, 2, 3].map((count) => ({ count, limit: 100, period_seconds: 20 })));
  });

  test('past the limit: 429 with Retry-After and the documented body; refused requests count; the window reopens on the clock', async () => {
    fake.rateLimit.set({ limit: 3, periodSeconds: 10, periodHeader: 'bare' });
    for (let i = 0; i < 3; i++) expect((await api(fake, '/people/v2/people')).status).toBe(200);
    clock += 4_000;
    const limited = await api(fake, '/people/v2/people');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('6');
    expect(limited.headers.get('x-pco-api-request-rate-period')).toBe('10');
    expect(limited.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(limited.body).toEqual({ errors: [{ code: '429', detail: 'Rate limit exceeded: 4 of 3 requests per 10 seconds' }] });
    expect((await api(fake, '/people/v2/people')).headers.get('x-pco-api-request-rate-count')).toBe('5');
    // Another credential has its own window.
    expect((await api(fake, '/people/v2/people', { app: 'other-app' })).status).toBe(200);
    clock += 6_000;
    const again = await api(fake, '/people/v2/people');
    expect(again.status).toBe(200);
    expect(again.headers.get('x-pco-api-request-rate-count')).toBe('1');
    expect(fake.requests.filter((r) => r.fault === 'rate_limiter').map((r) => r.retry_after)).toEqual([6, 6]);
  });

  test('requests above offset 30 000 meet the stricter 75 per 20 s', async () => {
    const deep = await api(fake, '/people/v2/people?offset=30001');
    expect(deep.headers.get('x-pco-api-request-rate-limit')).toBe('75');
    expect((await api(fake, '/people/v2/people?offset=30000')).headers.get('x-pco-api-request-rate-limit')).toBe('100');
  });

  test("the log shows a client that obeys Retry-After never passed the configured rate; a hasty one did", async () => {
    fake.rateLimit.set({ limit: 5, periodSeconds: 10 });
    // Obedient: on a 429, wait (move the clock) Retry-After seconds, then carry on.
    for (let done = 0; done < 12; ) {
      const res = await api(fake, '/people/v2/people');
      if (res.status === 429) clock += Number(res.headers.get('retry-after')) * 1000;
      else done++;
      clock += 100;
    }
    expect(peakInWindow(fake.requests, 10_000)).toBe(5);
    expect(fake.requests.filter((r) => r.fault === 'rate_limiter').length).toBeGreaterThan(0);
    // Hasty: ignores the 429s; counted with the refused requests it sent far more than 5 per 10 s.
    for (let i = 0; i < 10; i++) await api(fake, '/people/v2/people', { app: 'hasty' });
    expect(peakInWindow(fake.requests, 10_000, { credential: 'hasty', includeRefused: true })).toBe(10);
  });

  test('rateLimit: null turns the limiter and its headers off', async () => {
    await start({ rateLimit: null });
    const res = await api(fake, '/people/v2/people');
    expect(res.headers.get('x-pco-api-request-rate-limit')).toBeNull();
  });
});

describe('faults', () => {
  test('a 429 storm: the next n requests are 429 with Retry-After and the rate headers, then normal service', async () => {
    fake.faults.inject(3, 'rate_limit', { retryAfterSeconds: 7 });
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await api(fake, '/people/v2/people'));
    expect(answers.map((a) => a.status)).toEqual([429, 429, 429, 200]);
    expect(answers[0]!.headers.get('retry-after')).toBe('7');
    expect(answers[0]!.headers.get('x-pco-api-request-rate-limit')).toBe('100');
    expect(answers[0]!.body.errors[0]).toEqual({ code: '429', detail: 'Rate limit exceeded: 101 of 100 requests per 20 seconds' });
    expect(fake.requests.map((r) => r.fault)).toEqual(['rate_limit', 'rate_limit', 'rate_limit', undefined]);
  });

  test('500 and 503 carry JSON error bodies; 502 is the gateway HTML page; a faulted POST never runs', async () => {
    fake.faults.inject(1, 'server_error', { status: 500 });
    fake.faults.inject(1, 'server_error', { status: 502 });
    fake.faults.inject(1, 'server_error', { status: 503, method: 'POST' });
    const e500 = await api(fake, '/people/v2/people');
    expect(e500.status).toBe(500);
    expect(e500.body.errors[0]).toMatchObject({ status: '500', title: 'Internal Server Error' });
    const e502 = await api(fake, '/people/v2/people');
    expect(e502.status).toBe(502);
    expect(e502.headers.get('content-type')).toBe('text/html');
    expect(e502.text).toContain('502 Bad Gateway');
    const e503 = await api(fake, '/people/v2/people', { body: { data: { attributes: { first_name: 'Lost' } } } });
    expect(e503.status).toBe(503);
    expect(e503.body.errors[0].status).toBe('503');
    expect(fake.store.count('people')).toBe(0);
  });

  test('a timeout holds the request, then drops the socket with no answer; it never ran', async () => {
    fake.faults.set({ timeoutMs: 200 });
    fake.faults.inject({ kind: 'timeout', method: 'POST' });
    const started = Date.now();
    const err = await api(fake, '/people/v2/people', { body: { data: { attributes: { first_name: 'Lost' } } } }).then(
      () => null,
      (e: Error) => e,
    );
    expect(err).toBeInstanceOf(TypeError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(180);
    expect(fake.store.count('people')).toBe(0);
    expect(fake.requests[0]).toMatchObject({ method: 'POST', status: null, fault: 'timeout' });
  });

  test('close() does not wait for a held request', async () => {
    fake.faults.set({ timeoutMs: 60_000, timeoutRate: 1 });
    const hanging = fetch(`${fake.url}/people/v2/people`, { headers: { authorization: basic() } }).catch((e: Error) => e);
    while (fake.requests.length < 1) await new Promise((r) => setTimeout(r, 5));
    const started = Date.now();
    await fake.close();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await hanging).toBeInstanceOf(TypeError);
  });

  test('a truncated body announces its full length, stops halfway and fails to parse; the request did run', async () => {
    fake.store.seed({ people: 30 });
    fake.faults.inject(1, 'truncate');
    const res = await fetch(`${fake.url}/people/v2/people`, { headers: { authorization: basic() } });
    expect(res.status).toBe(200);
    expect(Number(res.headers.get('content-length'))).toBeGreaterThan(1000);
    await expect(res.text()).rejects.toThrow();
    expect(fake.requests[0]).toMatchObject({ status: 200, fault: 'truncate' });
  });

  test('random faults follow the seed: the same seed gives the same sequence', async () => {
    const run = async () => {
      await start({ faults: { rate429: 0.2, rate5xx: 0.2, statuses5xx: [500, 503], seed: 42 }, rateLimit: null });
      const statuses = [];
      for (let i = 0; i < 20; i++) statuses.push((await api(fake, '/people/v2/people')).status);
      return statuses;
    };
    const first = await run();
    expect(await run()).toEqual(first);
    expect(new Set(first)).toEqual(new Set([200, 429, 500, 503]));
  });
});
