/**
 * Faults as a plain fetch client sees them: 429 bodies and headers (no Retry-After unless asked, reference §11),
 * 5xx api_error bodies, timeouts that drop the socket, truncated bodies that fail to parse, the per-key rate
 * limiter, and the same fault sequence for the same seed.
 */
import { connect } from 'node:net';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { startFakeStripe, type FakeStripe } from '../../src/fakes/stripe/index.ts';
import { api, KEY, manualClock } from './stripe-helpers.ts';

let fake: FakeStripe;
let clock: ReturnType<typeof manualClock>;
beforeEach(async () => {
  clock = manualClock();
  fake = await startFakeStripe({ now: clock.now });
});
afterEach(() => fake.close());

describe('429', () => {
  test("an injected rate limit is a 429 with code rate_limit and, as Stripe documents, no Retry-After", async () => {
    fake.faults.inject({ kind: 'rate_limit', path: '/v1/customers' });
    const limited = await api(fake, '/v1/customers');
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({
      error: { type: 'invalid_request_error', code: 'rate_limit', doc_url: 'https://stripe.com/docs/error-codes/rate-limit', message: 'Request rate limit exceeded' },
    });
    expect(limited.headers.get('retry-after')).toBeNull();
    expect(limited.headers.get('stripe-should-retry')).toBeNull();
    expect(limited.headers.get('request-id')).toMatch(/^req_/);
    expect((await api(fake, '/v1/customers')).status).toBe(200);
    expect(fake.requests.map((r) => [r.status, r.fault])).toEqual([
      [429, 'rate_limit'],
      [200, undefined],
    ]);
  });

  test('Retry-After and Stripe-Should-Retry are sent when configured', async () => {
    fake.faults.set({ rate429: 1, retryAfterHeader: true, retryAfterSeconds: 3, shouldRetry: true });
    const res = await api(fake, '/v1/customers');
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('3');
    expect(res.headers.get('stripe-should-retry')).toBe('true');
  });

  test('lock contention is a 429 with code lock_timeout', async () => {
    fake.faults.set({ rateLockTimeout: 1 });
    const res = await api(fake, '/v1/customers', { form: { name: 'x' } });
    expect(res.status).toBe(429);
    expect(res.body.error).toMatchObject({ type: 'invalid_request_error', code: 'lock_timeout' });
    expect(fake.store.count('customers')).toBe(0);
  });

  test('a client that honours Retry-After: the log shows the retry came no earlier than allowed', async () => {
    const real = await startFakeStripe({ faults: { retryAfterHeader: true, retryAfterSeconds: 1 } });
    try {
      real.faults.inject({ kind: 'rate_limit' });
      let res = await api(real, '/v1/customers');
      while (res.status === 429) {
        await new Promise((r) => setTimeout(r, Number(res.headers.get('retry-after')) * 1000));
        res = await api(real, '/v1/customers');
      }
      const [limited, retry] = real.requests;
      expect(limited!.fault).toBe('rate_limit');
      expect(retry!.at - limited!.at).toBeGreaterThanOrEqual(1000);
    } finally {
      await real.close();
    }
  });
});

describe('5xx', () => {
  test('500 and 503 carry an api_error body', async () => {
    fake.faults.inject({ kind: 'server_error', status: 500 });
    fake.faults.inject({ kind: 'server_error', status: 503 });
    for (const status of [500, 503]) {
      const res = await api(fake, '/v1/customers');
      expect(res.status).toBe(status);
      expect(res.body).toEqual({ error: { type: 'api_error', message: expect.any(String) } });
    }
    expect(fake.requests.map((r) => r.fault)).toEqual(['server_error', 'server_error']);
  });

  test('a 5xx fault on a POST does not run it', async () => {
    fake.faults.set({ rate5xx: 1 });
    expect((await api(fake, '/v1/customers', { form: { name: 'x' } })).status).toBeGreaterThanOrEqual(500);
    expect(fake.store.count('customers')).toBe(0);
  });
});

describe('timeouts', () => {
  test('the request is held for timeoutMs, then the socket is dropped without a response; it never ran', async () => {
    fake.faults.set({ timeoutMs: 300 });
    fake.faults.inject({ kind: 'timeout', method: 'POST' });
    const started = Date.now();
    const err = await api(fake, '/v1/customers', { form: { name: 'lost' } }).then(
      () => null,
      (e: Error) => e,
    );
    expect(err).toBeInstanceOf(TypeError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect(fake.store.count('customers')).toBe(0);
    expect(fake.requests[0]).toMatchObject({ method: 'POST', status: null, fault: 'timeout' });
  });

  test("a client with a shorter timeout gives up first; close() does not wait for the hold", async () => {
    fake.faults.set({ timeoutMs: 60_000, timeoutRate: 1 });
    const res = fetch(`${fake.url}/v1/customers`, { headers: { authorization: `Bearer ${KEY}` }, signal: AbortSignal.timeout(150) });
    await expect(res).rejects.toMatchObject({ name: 'TimeoutError' });
    const hanging = fetch(`${fake.url}/v1/customers`, { headers: { authorization: `Bearer ${KEY}` } }).catch((e: Error) => e);
    while (fake.requests.length < 2) await new Promise((r) => setTimeout(r, 10));
    const started = Date.now();
    await fake.close();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await hanging).toBeInstanceOf(TypeError);
  });
});

describe('truncated bodies', () => {
  test('a full Content-Length is announced, half the body arrives, the socket closes: JSON parsing fails', async () => {
    fake.store.seed({ customers: 20 });
    fake.faults.inject({ kind: 'truncate' });
    const res = await fetch(`${fake.url}/v1/customers?limit=20`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(res.status).toBe(200);
    expect(Number(res.headers.get('content-length'))).toBeGreaterThan(1000);
    expect(res.headers.get('request-id')).toMatch(/^req_/);
    await expect(res.json()).rejects.toThrow();
    expect(fake.requests[0]).toMatchObject({ status: 200, fault: 'truncate' });
  });

  test('on the wire: fewer bytes than Content-Length, then the connection ends', async () => {
    fake.store.seed({ customers: 5 });
    fake.faults.inject({ kind: 'truncate' });
    const { port } = new URL(fake.url);
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write(`GET /v1/customers HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${KEY}\r\n\r\n`);
      });
      const chunks: Buffer[] = [];
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
      socket.on('error', reject);
    });
    const [head, body] = raw.split('\r\n\r\n') as [string, string];
    const announced = Number(/content-length: (\d+)/i.exec(head)![1]);
    expect(Buffer.byteLength(body)).toBe(Math.floor(announced / 2));
    expect(() => JSON.parse(body)).toThrow(SyntaxError);
  });

  test('a truncated POST did run: the object exists although the client saw a broken answer', async () => {
    fake.faults.inject({ kind: 'truncate', method: 'POST' });
    const res = await fetch(`${fake.url}/v1/customers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'name=ran',
    });
    await expect(res.text()).rejects.toThrow();
    expect(fake.store.all('customers').map((c) => c.name)).toEqual(['ran']);
  });
});

describe('reproducibility', () => {
  const run = async (f: FakeStripe, n: number) => {
    const from = f.requests.length;
    for (let i = 0; i < n; i++) {
      await fetch(`${f.url}/v1/customers`, { headers: { authorization: `Bearer ${KEY}` } })
        .then((r) => r.text())
        .catch(() => 'truncated');
    }
    return f.requests.slice(from).map((r) => r.fault ?? String(r.status));
  };

  test('the same seed gives the same fault sequence; another seed another one', async () => {
    fake.faults.set({ rate429: 0.2, rate5xx: 0.2, truncateRate: 0.1, statuses5xx: [500, 502, 503], seed: 7 });
    const first = await run(fake, 60);
    expect(new Set(first)).toEqual(new Set(['200', 'rate_limit', 'server_error', 'truncate']));
    fake.faults.set({ seed: 7 });
    expect(await run(fake, 60)).toEqual(first);
    const statuses = fake.requests.filter((r) => r.fault === 'server_error').map((r) => r.status);
    expect(new Set(statuses).size).toBeGreaterThan(1);
    fake.faults.set({ seed: 8 });
    expect(await run(fake, 60)).not.toEqual(first);

    // A fresh server with the same seed in its options replays it too.
    const twin = await startFakeStripe({ faults: { rate429: 0.2, rate5xx: 0.2, truncateRate: 0.1, statuses5xx: [500, 502, 503], seed: 7 } });
    try {
      expect(await run(twin, 60)).toEqual(first);
    } finally {
      await twin.close();
    }
  });

  test('rates are validated', () => {
    expect(() => fake.faults.set({ rate429: 1.5 })).toThrow(/between 0 and 1/);
    expect(() => fake.faults.set({ rate429: 0.6, rate5xx: 0.6 })).toThrow(/at most 1/);
  });

  test('reset() removes every fault and the limiter', async () => {
    fake.faults.set({ rate5xx: 1, rateLimit: { readsPerSecond: 1, writesPerSecond: 1 } });
    fake.faults.reset();
    for (let i = 0; i < 5; i++) expect((await api(fake, '/v1/customers')).status).toBe(200);
  });
});

describe('rate limiter', () => {
  test('reads and writes are counted per key and per second on the fake clock; the excess is a 429 rate_limit', async () => {
    fake.faults.set({ rateLimit: { readsPerSecond: 5, writesPerSecond: 2 } });
    const reads = [];
    for (let i = 0; i < 6; i++) reads.push((await api(fake, '/v1/customers')).status);
    expect(reads).toEqual([200, 200, 200, 200, 200, 429]);
    const limited = fake.requests.at(-1)!;
    expect(limited.fault).toBe('rate_limiter');
    const writes = [];
    for (let i = 0; i < 3; i++) writes.push((await api(fake, '/v1/customers', { form: { name: `w${i}` } })).status);
    expect(writes).toEqual([200, 200, 429]);
    expect(fake.store.count('customers')).toBe(2);
    // Another key has its own budget.
    expect((await api(fake, '/v1/customers', { key: 'sk_test_other_account' })).status).toBe(200);
    // A fifth of a second refills one read.
    clock.advance(200);
    expect((await api(fake, '/v1/customers')).status).toBe(200);
    const body = (await api(fake, '/v1/customers')).body;
    expect(body.error).toMatchObject({ code: 'rate_limit' });
    clock.advance(1000);
    for (let i = 0; i < 5; i++) expect((await api(fake, '/v1/customers')).status).toBe(200);
  });

  test("Stripe's documented test-mode limit is 25 reads per second", async () => {
    const limited = await startFakeStripe({ now: clock.now, rateLimit: { readsPerSecond: 25, writesPerSecond: 25 } });
    try {
      const statuses = [];
      for (let i = 0; i < 26; i++) statuses.push((await api(limited, '/v1/customers')).status);
      expect(statuses.filter((s) => s === 200)).toHaveLength(25);
      expect(statuses.at(-1)).toBe(429);
    } finally {
      await limited.close();
    }
  });
});
