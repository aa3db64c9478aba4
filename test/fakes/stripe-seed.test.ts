/**
 * Seeding and the runnable entry point: 100 000 objects land in the store (counted, not timed), seeds are
 * deterministic, seeded objects point at each other, and `node src/fakes/stripe/main.ts` serves a seeded account.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { startFakeStripe, type FakeStripe } from '../../src/fakes/stripe/index.ts';
import { api, KEY, manualClock } from './stripe-helpers.ts';

const opened: FakeStripe[] = [];
async function fake(options: Parameters<typeof startFakeStripe>[0] = {}): Promise<FakeStripe> {
  const f = await startFakeStripe(options);
  opened.push(f);
  return f;
}
afterEach(async () => {
  await Promise.all(opened.splice(0).map((f) => f.close()));
});

describe('seeding', () => {
  test('100 000 objects across resources, served by the API with the right counts', async () => {
    const f = await fake();
    const counts = { customers: 50_000, products: 100, prices: 300, subscriptions: 20_000, invoices: 20_000, payment_intents: 5_000, charges: 4_600 };
    const ids = f.store.seed(counts);
    for (const [resource, n] of Object.entries(counts)) {
      expect(f.store.count(resource as keyof typeof counts), resource).toBe(n);
      expect(new Set(ids[resource as keyof typeof counts]).size, resource).toBe(n);
    }
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(100_000);
    const page = await api(f, '/v1/customers?limit=100');
    expect(page.body.data).toHaveLength(100);
    expect(page.body.has_more).toBe(true);
    // The newest seeded customer comes first.
    expect(page.body.data[0].id).toBe(ids.customers.at(-1));
    // Seeding records no events: the account's history predates the event window.
    expect(f.store.events.size).toBe(0);
  });

  test('created is spread over the span, newest at endsAt, with some equal seconds', async () => {
    const clock = manualClock();
    const f = await fake({ now: clock.now });
    f.store.seed({ customers: 1000 }, { spanDays: 30, tieEvery: 4 });
    const created = f.store.all('customers').map((c) => c.created);
    expect(created[0]).toBe(clock.seconds());
    expect(created.at(-1)).toBe(clock.seconds() - 30 * 86_400);
    const distinct = new Set(created).size;
    expect(distinct).toBeLessThan(1000);
    expect(distinct).toBeGreaterThan(700);
  });

  test('the same seed gives the same ids and fields; another seed other ids', async () => {
    const clock = manualClock();
    const a = await fake({ seed: 42, now: clock.now });
    const b = await fake({ seed: 42, now: clock.now });
    const c = await fake({ seed: 43, now: clock.now });
    const counts = { customers: 200, products: 3, prices: 6, subscriptions: 50 };
    a.store.seed(counts);
    b.store.seed(counts);
    c.store.seed(counts);
    expect(JSON.stringify(b.store.all('subscriptions'))).toBe(JSON.stringify(a.store.all('subscriptions')));
    expect(JSON.stringify(b.store.all('customers'))).toBe(JSON.stringify(a.store.all('customers')));
    expect(c.store.all('customers')[0]!.id).not.toBe(a.store.all('customers')[0]!.id);
  });

  test('seeded objects refer to objects that exist', async () => {
    const f = await fake();
    f.store.seed({ products: 5, prices: 15, plans: 4, customers: 50, subscriptions: 80, invoices: 60, payment_intents: 40, charges: 50, refunds: 10, disputes: 5 });
    const exists = (resource: Parameters<typeof f.store.get>[0], id: unknown) => typeof id === 'string' && f.store.get(resource, id) !== undefined;
    for (const p of f.store.all('prices')) expect(exists('products', p.product)).toBe(true);
    for (const s of f.store.all('subscriptions')) {
      expect(exists('customers', s.customer)).toBe(true);
      const price = (s.items as any).data[0].price;
      expect(exists('prices', price.id)).toBe(true);
      expect(price.recurring).not.toBeNull();
    }
    for (const i of f.store.all('invoices')) {
      expect(exists('customers', i.customer)).toBe(true);
      if (i.subscription !== null) expect(f.store.get('subscriptions', i.subscription as string)!.customer).toBe(i.customer);
    }
    for (const ch of f.store.all('charges')) if (ch.payment_intent !== null) expect(exists('payment_intents', ch.payment_intent)).toBe(true);
    for (const r of f.store.all('refunds')) expect(exists('charges', r.charge)).toBe(true);
    for (const d of f.store.all('disputes')) expect(exists('charges', d.charge)).toBe(true);
  });

  test('seeding an unknown resource fails loudly', async () => {
    const f = await fake();
    expect(() => f.store.seed({ widgets: 3 } as never)).toThrow(/unknown resource "widgets"/);
  });
});

describe('main.ts', () => {
  test('node src/fakes/stripe/main.ts --port 0 --seed-customers 25 prints its URL and serves the seeded account', async () => {
    const child = spawn(process.execPath, [resolve(import.meta.dirname, '../../src/fakes/stripe/main.ts'), '--port', '0', '--seed-customers', '25', '--seed-payment-intents', '3'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const url = await new Promise<string>((resolveUrl, reject) => {
        let out = '';
        let err = '';
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          if (out.includes('\n')) resolveUrl(out.split('\n')[0]!);
        });
        child.stderr.on('data', (c: Buffer) => (err += c.toString()));
        child.on('exit', (code) => reject(new Error(`main.ts exited with ${code}: ${err}`)));
      });
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await fetch(`${url}/v1/customers?limit=100`, { headers: { authorization: `Bearer ${KEY}` } });
      expect(((await res.json()) as any).data).toHaveLength(25);
      const pis = await fetch(`${url}/v1/payment_intents`, { headers: { authorization: `Bearer ${KEY}` } });
      expect(((await pis.json()) as any).data).toHaveLength(3);
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  test('a bad flag exits with status 2 and says why', async () => {
    const child = spawn(process.execPath, [resolve(import.meta.dirname, '../../src/fakes/stripe/main.ts'), '--seed-customers', 'many'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(code).toBe(2);
    expect(err).toMatch(/--seed-customers must be a non-negative integer/);
  });
});
