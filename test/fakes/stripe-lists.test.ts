/**
 * The fake Stripe's lists over real HTTP: cursor walks in both directions, `created` filters, `limit` bounds,
 * cursor errors, default filters and retrieve/404 — the behaviours a backfill depends on (reference §4–§6).
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { startFakeStripe, type FakeStripe } from '../../src/fakes/stripe/index.ts';
import { api, manualClock, walk } from './stripe-helpers.ts';

let fake: FakeStripe;
const clock = manualClock();
beforeEach(async () => {
  fake = await startFakeStripe({ now: clock.now });
});
afterEach(() => fake.close());

describe('pagination', () => {
  test('starting_after walks every object exactly once, newest first, equal seconds in one fixed order', async () => {
    fake.store.seed({ customers: 250 }, { spanDays: 1, tieEvery: 3 });
    const expected = fake.store.all('customers');
    const { ids, pages } = await walk(fake, '/v1/customers', { limit: 7 });
    expect(pages).toBe(Math.ceil(250 / 7));
    expect(ids).toEqual(expected.map((c) => c.id));
    expect(new Set(ids).size).toBe(250);
    const created = expected.map((c) => c.created);
    expect(created).toEqual([...created].sort((a, b) => b - a));
    // The seed really produced ties, and pages split some of them: the tiebreak is what kept the walk exact.
    expect(new Set(created).size).toBeLessThan(250);
    // No page was fetched twice.
    const cursors = fake.requests.map((r) => JSON.stringify(r.query));
    expect(new Set(cursors).size).toBe(cursors.length);
  });

  test('ending_before walks from the oldest object back to the newest, each page still newest-first', async () => {
    fake.store.seed({ customers: 101 }, { spanDays: 1, tieEvery: 2 });
    const expected = fake.store.all('customers').map((c) => c.id);
    const oldest = expected[expected.length - 1]!;
    const { ids } = await walk(fake, '/v1/customers', { limit: 10, direction: 'newer', from: oldest });
    expect([...ids, oldest]).toEqual(expected);
    const page = await api(fake, `/v1/customers?limit=3&ending_before=${oldest}`);
    expect(page.body.data.map((c: any) => c.id)).toEqual(expected.slice(-4, -1));
    expect(page.body.has_more).toBe(true);
  });

  test('a new object created during a walk lands before the first page, so the walk neither repeats nor skips', async () => {
    fake.store.seed({ customers: 30 });
    const first = await api(fake, '/v1/customers?limit=10');
    const created = fake.store.create('customers', { email: 'late@example.com' });
    const rest = await walk(fake, '/v1/customers', { limit: 10, from: first.body.data[9].id });
    const seen = [...first.body.data.map((c: any) => c.id), ...rest.ids];
    expect(seen).toHaveLength(30);
    expect(seen).not.toContain(created.id);
    expect((await api(fake, `/v1/customers?limit=1&ending_before=${first.body.data[0].id}`)).body.data[0].id).toBe(created.id);
  });

  test('the list envelope has exactly object, url, has_more and data', async () => {
    fake.store.seed({ products: 3 });
    const res = await api(fake, '/v1/products');
    expect(Object.keys(res.body).sort()).toEqual(['data', 'has_more', 'object', 'url']);
    expect(res.body).toMatchObject({ object: 'list', url: '/v1/products', has_more: false });
  });

  test('created[gt|gte|lt|lte] and an exact created select exactly the matching objects, across pages', async () => {
    const at = [1000, 1000, 1001, 1002, 1002, 1002, 1003, 1005];
    const made = at.map((created, i) => fake.store.create('customers', { created, email: `c${i}@example.com` }));
    const ids = async (q: string) => (await walk(fake, '/v1/customers', { limit: 2, params: q })).ids;
    const expectIds = (pred: (c: number) => boolean) =>
      made
        .filter((c) => pred(c.created))
        .reverse()
        .map((c) => c.id);
    expect(await ids('created[gt]=1001')).toEqual(expectIds((c) => c > 1001));
    expect(await ids('created[gte]=1001')).toEqual(expectIds((c) => c >= 1001));
    expect(await ids('created[lt]=1002')).toEqual(expectIds((c) => c < 1002));
    expect(await ids('created[lte]=1002&created[gt]=1000')).toEqual(expectIds((c) => c <= 1002 && c > 1000));
    expect(await ids('created=1002')).toEqual(expectIds((c) => c === 1002));
    // Brackets percent-encoded, as some clients send them.
    expect(await ids('created%5Bgte%5D=1003')).toEqual(expectIds((c) => c >= 1003));
    expect(await ids('created[gt]=1005')).toEqual([]);
    const bad = await api(fake, '/v1/customers?created[gte]=yesterday');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ type: 'invalid_request_error', param: 'created[gte]' });
  });

  test('created[gte]/created[lt] windows partition a list: each walked with starting_after, every object once, ties at a boundary included', async () => {
    // Months of 2025 in UTC, with objects on the exact boundary seconds and several sharing one second.
    const month = (m: number) => Date.UTC(2025, m, 1) / 1000;
    const at = [month(0) + 5, month(1) - 1, month(1), month(1), month(1), month(1) + 60, month(2) - 1, month(2) - 1, month(2), month(2) + 3_600];
    const made = at.map((created, i) => fake.store.create('customers', { created, email: `w${i}@example.com` }));
    const seen: string[] = [];
    for (let m = 2; m >= 0; m--) {
      const { ids } = await walk(fake, '/v1/customers', { limit: 2, params: `created[gte]=${month(m)}&created[lt]=${month(m + 1)}` });
      const expected = made.filter((c) => c.created >= month(m) && c.created < month(m + 1)).reverse().map((c) => c.id);
      expect(ids).toEqual(expected);
      seen.push(...ids);
    }
    expect(seen).toEqual(fake.store.all('customers').map((c) => c.id));
    // The newest object older than a window's start, in one request: how a backfill finds its next window.
    const probe = await api(fake, `/v1/customers?limit=1&created[lt]=${month(1)}`);
    expect(probe.body.data.map((c: any) => c.id)).toEqual([made[1]!.id]);
    expect(probe.body.has_more).toBe(true);
    expect((await api(fake, `/v1/customers?limit=1&created[lt]=${month(0) + 5}`)).body).toMatchObject({ data: [], has_more: false });
    // An empty range (gte past lt) is an empty list, not an error.
    expect((await api(fake, `/v1/customers?created[gte]=${month(2)}&created[lt]=${month(1)}`)).body).toMatchObject({ data: [], has_more: false });
    // Other filters combine with the range: inactive prices of one month only.
    const product = fake.store.create('products', { name: 'P' });
    const p1 = fake.store.create('prices', { created: month(1) + 10, product: product.id, currency: 'usd', unit_amount: 100 });
    const p2 = fake.store.create('prices', { created: month(1) + 20, product: product.id, currency: 'usd', unit_amount: 200 });
    fake.store.create('prices', { created: month(2) + 20, product: product.id, currency: 'usd', unit_amount: 300 });
    fake.store.update('prices', p1.id, { active: false });
    const inactive = await api(fake, `/v1/prices?active=false&created[gte]=${month(1)}&created[lt]=${month(2)}`);
    expect(inactive.body.data.map((c: any) => c.id)).toEqual([p1.id]);
    const active = await api(fake, `/v1/prices?created[gte]=${month(1)}&created[lt]=${month(2)}`);
    expect(active.body.data.map((c: any) => c.id)).toEqual([p2.id]);
  });
});

describe('limit and cursor errors', () => {
  test('limit defaults to 10, accepts 1–100 and answers 400 with param "limit" otherwise', async () => {
    fake.store.seed({ customers: 120 });
    expect((await api(fake, '/v1/customers')).body.data).toHaveLength(10);
    expect((await api(fake, '/v1/customers?limit=1')).body.data).toHaveLength(1);
    expect((await api(fake, '/v1/customers?limit=100')).body.data).toHaveLength(100);
    for (const limit of ['0', '101', '-1', 'ten']) {
      const res = await api(fake, `/v1/customers?limit=${limit}`);
      expect(res.status, `limit=${limit}`).toBe(400);
      expect(res.body).toEqual({ error: expect.objectContaining({ type: 'invalid_request_error', param: 'limit', message: expect.any(String) }) });
    }
  });

  test('starting_after with ending_before is a 400; an unknown cursor is invalid_request_error / resource_missing naming the param', async () => {
    fake.store.seed({ customers: 3 });
    const [a, b] = fake.store.all('customers');
    const both = await api(fake, `/v1/customers?starting_after=${a!.id}&ending_before=${b!.id}`);
    expect(both.status).toBe(400);
    expect(both.body.error.type).toBe('invalid_request_error');
    expect(both.body.error.message).toMatch(/^Received both starting_after/);

    const unknown = await api(fake, '/v1/customers?starting_after=cus_doesnotexist');
    expect(unknown.status).toBe(400);
    expect(unknown.body).toEqual({
      error: {
        type: 'invalid_request_error',
        code: 'resource_missing',
        doc_url: 'https://stripe.com/docs/error-codes/resource-missing',
        message: "No such customer: 'cus_doesnotexist'",
        param: 'starting_after',
      },
    });
    const before = await api(fake, '/v1/customers?ending_before=cus_doesnotexist');
    expect(before.body.error.param).toBe('ending_before');
    // An id of another resource is unknown here too.
    fake.store.seed({ products: 1 });
    expect((await api(fake, `/v1/customers?starting_after=${fake.store.all('products')[0]!.id}`)).status).toBe(400);
  });

  test('the unknown-cursor status is configurable to 404 (the reference leaves it unverified)', async () => {
    const strict = await startFakeStripe({ unknownCursorStatus: 404 });
    try {
      const res = await api(strict, '/v1/customers?starting_after=cus_nope');
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('resource_missing');
    } finally {
      await strict.close();
    }
  });

  test('a deleted object still works as a cursor: the walk resumes where it was', async () => {
    fake.store.seed({ customers: 20 });
    const all = fake.store.all('customers').map((c) => c.id);
    fake.store.delete('customers', all[9]!);
    const rest = await walk(fake, '/v1/customers', { limit: 100, from: all[9]! });
    expect(rest.ids).toEqual(all.slice(10));
  });

  test('unknown parameters are refused with parameter_unknown; expand[] is accepted', async () => {
    const res = await api(fake, '/v1/customers?colour=blue');
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'parameter_unknown', param: 'colour' });
    expect((await api(fake, '/v1/customers?expand[]=data.default_source&expand[0]=x')).status).toBe(200);
  });
});

describe('filters and default hiding', () => {
  test('customers by exact email', async () => {
    fake.store.create('customers', { email: 'Ada@example.com' });
    fake.store.create('customers', { email: 'ada@example.com' });
    const res = await api(fake, '/v1/customers?email=ada@example.com');
    expect(res.body.data.map((c: any) => c.email)).toEqual(['ada@example.com']);
  });

  test('subscriptions hide canceled ones unless status says otherwise; status=all shows every one', async () => {
    fake.store.seed({ products: 1, prices: 3, customers: 10, subscriptions: 40 });
    const all = fake.store.all('subscriptions');
    const canceled = all.filter((s) => s.status === 'canceled');
    expect(canceled.length).toBeGreaterThan(0);
    expect((await walk(fake, '/v1/subscriptions', { limit: 100 })).ids).toEqual(all.filter((s) => s.status !== 'canceled').map((s) => s.id));
    expect((await walk(fake, '/v1/subscriptions', { limit: 100, params: 'status=all' })).ids).toEqual(all.map((s) => s.id));
    expect((await walk(fake, '/v1/subscriptions', { limit: 100, params: 'status=canceled' })).ids).toEqual(canceled.map((s) => s.id));
    const customer = all[0]!.customer as string;
    const mine = await api(fake, `/v1/subscriptions?status=all&customer=${customer}&limit=100`);
    expect(mine.body.data.every((s: any) => s.customer === customer)).toBe(true);
    expect(mine.body.data.length).toBe(all.filter((s) => s.customer === customer).length);
  });

  test('prices list only active ones unless active is given', async () => {
    const product = fake.store.create('products', { name: 'Plan' });
    const on = fake.store.create('prices', { product: product.id, unit_amount: 1000, currency: 'usd', recurring: { interval: 'month' } });
    const off = fake.store.create('prices', { product: product.id, unit_amount: 500, currency: 'usd' });
    fake.store.update('prices', off.id, { active: false });
    expect((await api(fake, '/v1/prices')).body.data.map((p: any) => p.id)).toEqual([on.id]);
    expect((await api(fake, '/v1/prices?active=false')).body.data.map((p: any) => p.id)).toEqual([off.id]);
    expect((await api(fake, `/v1/prices?product=${product.id}&type=recurring`)).body.data.map((p: any) => p.id)).toEqual([on.id]);
  });
});

describe('retrieve', () => {
  test('an object by id; an unknown id is a 404 resource_missing with param id', async () => {
    const c = fake.store.create('customers', { email: 'x@example.com' });
    const res = await api(fake, `/v1/customers/${c.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(JSON.parse(JSON.stringify(c)));
    const missing = await api(fake, '/v1/customers/cus_missing');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({
      error: { type: 'invalid_request_error', code: 'resource_missing', doc_url: 'https://stripe.com/docs/error-codes/resource-missing', message: "No such customer: 'cus_missing'", param: 'id' },
    });
  });

  test('a deleted customer is retrievable as its stub; a deleted product is a 404', async () => {
    const c = fake.store.create('customers', {});
    const p = fake.store.create('products', { name: 'Gone' });
    expect((await api(fake, `/v1/customers/${c.id}`, { method: 'DELETE' })).body).toEqual({ id: c.id, object: 'customer', deleted: true });
    expect((await api(fake, `/v1/products/${p.id}`, { method: 'DELETE' })).body).toEqual({ id: p.id, object: 'product', deleted: true });
    expect(await api(fake, `/v1/customers/${c.id}`)).toMatchObject({ status: 200, body: { id: c.id, object: 'customer', deleted: true } });
    expect((await api(fake, `/v1/products/${p.id}`)).status).toBe(404);
    expect((await api(fake, '/v1/customers')).body.data).toEqual([]);
  });

  test('every resource has its id prefix, object name, created, livemode and metadata', async () => {
    fake.store.seed({ products: 2, prices: 3, plans: 2, customers: 3, subscriptions: 3, invoices: 3, payment_intents: 3, charges: 3, refunds: 2, disputes: 2 });
    const prefixes: Record<string, [string, string]> = {
      customers: ['cus_', 'customer'],
      products: ['prod_', 'product'],
      prices: ['price_', 'price'],
      plans: ['plan_', 'plan'],
      subscriptions: ['sub_', 'subscription'],
      invoices: ['in_', 'invoice'],
      charges: ['ch_', 'charge'],
      payment_intents: ['pi_', 'payment_intent'],
      refunds: ['re_', 'refund'],
      disputes: ['dp_', 'dispute'],
    };
    for (const [resource, [prefix, object]] of Object.entries(prefixes)) {
      const res = await api(fake, `/v1/${resource}?limit=100${resource === 'subscriptions' ? '&status=all' : ''}`);
      expect(res.status, resource).toBe(200);
      expect(res.body.data.length, resource).toBeGreaterThan(0);
      for (const obj of res.body.data) {
        expect(obj.id.startsWith(prefix), obj.id).toBe(true);
        expect(obj).toMatchObject({ object, created: expect.any(Number), metadata: {} });
        // Refunds are the one resource here without livemode in Stripe's API.
        if (resource !== 'refunds') expect(obj.livemode).toBe(false);
      }
      const one = await api(fake, `/v1/${resource}/${res.body.data[0].id}`);
      expect(one.body.id).toBe(res.body.data[0].id);
    }
  });

  test('an unknown route is a 404 "Unrecognized request URL"', async () => {
    const res = await api(fake, '/v1/widgets');
    expect(res.status).toBe(404);
    expect(res.body.error.message).toMatch(/^Unrecognized request URL \(GET: \/v1\/widgets\)/);
    expect((await api(fake, '/v1/charges/ch_x', { method: 'DELETE' })).status).toBe(404);
  });
});
