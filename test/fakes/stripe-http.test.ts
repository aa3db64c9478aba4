/**
 * The fake Stripe's HTTP surface: authentication, the headers every response carries, form-encoded mutations,
 * idempotent replays and the request log a connector test asserts on (reference §1, §6, §12).
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { startFakeStripe, type FakeStripe } from '../../src/fakes/stripe/index.ts';
import { api, KEY, manualClock } from './stripe-helpers.ts';

let fake: FakeStripe;
const clock = manualClock();
beforeEach(async () => {
  fake = await startFakeStripe({ now: clock.now });
});
afterEach(() => fake.close());

describe('authentication', () => {
  test('no key, a malformed key or a live key is a 401 with an invalid_request_error body', async () => {
    for (const [key, hint] of [
      [null, 'You did not provide an API key'],
      ['pk_test_publishable', 'Invalid API Key provided'],
      ['sk_live_realmoney123', 'Invalid API Key provided'],
    ] as const) {
      const res = await api(fake, '/v1/customers', { key });
      expect(res.status, String(key)).toBe(401);
      expect(res.body).toEqual({ error: { type: 'invalid_request_error', message: expect.stringContaining(hint) } });
      expect(res.headers.get('request-id')).toMatch(/^req_/);
      expect(res.text).not.toContain('realmoney');
    }
    expect(fake.requests.map((r) => r.status)).toEqual([401, 401, 401]);
  });

  test('Bearer and HTTP Basic (key as username, empty password) are both accepted', async () => {
    expect((await api(fake, '/v1/customers')).status).toBe(200);
    const basic = await fetch(`${fake.url}/v1/customers`, { headers: { authorization: `Basic ${Buffer.from(`${KEY}:`).toString('base64')}` } });
    expect(basic.status).toBe(200);
    expect(fake.requests.map((r) => r.api_key)).toEqual([KEY, KEY]);
  });

  test('apiKeys restricts the accepted keys', async () => {
    const strict = await startFakeStripe({ apiKeys: ['sk_test_only'] });
    try {
      expect((await api(strict, '/v1/customers', { key: 'sk_test_only' })).status).toBe(200);
      expect((await api(strict, '/v1/customers', { key: 'sk_test_other' })).status).toBe(401);
    } finally {
      await strict.close();
    }
  });
});

describe('headers and the request log', () => {
  test('every response has its own Request-Id; Idempotency-Key is echoed; Stripe-Version is recorded and echoed', async () => {
    const a = await api(fake, '/v1/customers', { headers: { 'stripe-version': '2024-06-20' } });
    const b = await api(fake, '/v1/customers', { form: { email: 'a@example.com' }, headers: { 'idempotency-key': 'key-1' } });
    const c = await api(fake, '/v1/nowhere');
    const ids = [a, b, c].map((r) => r.headers.get('request-id'));
    expect(ids.every((id) => /^req_[A-Za-z0-9]{14}$/.test(id!))).toBe(true);
    expect(new Set(ids).size).toBe(3);
    expect(b.headers.get('idempotency-key')).toBe('key-1');
    expect(a.headers.get('idempotency-key')).toBeNull();
    expect(a.headers.get('stripe-version')).toBe('2024-06-20');
    expect(b.headers.get('stripe-version')).toBe('2026-07-29.dahlia');
    expect(fake.requests.map((r) => [r.request_id, r.stripe_version, r.idempotency_key])).toEqual([
      [ids[0], '2024-06-20', null],
      [ids[1], null, 'key-1'],
      [ids[2], null, null],
    ]);
  });

  test('each request is logged with its time on the fake clock, method, path, decoded query and status', async () => {
    const start = clock.now();
    await api(fake, '/v1/events?limit=3&types[]=customer.created&types[]=customer.updated&created%5Bgte%5D=5');
    clock.advance(1500);
    await api(fake, '/v1/customers/cus_nope');
    expect(fake.requests).toEqual([
      {
        at: start,
        method: 'GET',
        path: '/v1/events',
        query: { limit: '3', 'types[]': ['customer.created', 'customer.updated'], 'created[gte]': '5' },
        status: 200,
        request_id: expect.stringMatching(/^req_/),
        api_key: KEY,
        stripe_version: null,
        stripe_account: null,
        idempotency_key: null,
        replayed: false,
      },
      expect.objectContaining({ at: start + 1500, method: 'GET', path: '/v1/customers/cus_nope', query: {}, status: 404 }),
    ]);
    expect(fake.requests[0]).not.toHaveProperty('fault');
  });
});

describe('mutations over HTTP', () => {
  test('create, update and delete a customer with form-encoded bodies', async () => {
    const created = await api(fake, '/v1/customers', { form: { email: 'ada@example.com', name: 'Ada', 'metadata[plan]': 'pro', 'address[city]': 'London' } });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({
      object: 'customer',
      email: 'ada@example.com',
      name: 'Ada',
      metadata: { plan: 'pro' },
      address: { city: 'London', country: null, line1: null, line2: null, postal_code: null, state: null },
      created: clock.seconds(),
      livemode: false,
    });
    const id = created.body.id as string;
    expect(id).toMatch(/^cus_[A-Za-z0-9]{14}$/);
    const updated = await api(fake, `/v1/customers/${id}`, { form: 'email=ada%40lovelace.org&metadata[plan]=&metadata[tier]=gold&balance=250&phone=' });
    expect(updated.body).toMatchObject({ email: 'ada@lovelace.org', metadata: { tier: 'gold' }, balance: 250, phone: null });
    expect(fake.store.get('customers', id)!.email).toBe('ada@lovelace.org');
    const deleted = await api(fake, `/v1/customers/${id}`, { method: 'DELETE' });
    expect(deleted.body).toEqual({ id, object: 'customer', deleted: true });
    expect(fake.store.count('customers')).toBe(0);
  });

  test('bad parameters are Stripe 400s: unknown field, created, bad integer, missing required, unknown reference', async () => {
    const c = fake.store.create('customers', {});
    expect((await api(fake, `/v1/customers/${c.id}`, { form: { colour: 'red' } })).body.error).toMatchObject({ code: 'parameter_unknown', param: 'colour' });
    expect((await api(fake, '/v1/customers', { form: { created: 5 } })).body.error.param).toBe('created');
    expect((await api(fake, `/v1/customers/${c.id}`, { form: { balance: 'lots' } })).body.error).toMatchObject({ param: 'balance' });
    expect((await api(fake, '/v1/products', { form: { active: 'true' } })).body.error).toMatchObject({ code: 'parameter_missing', param: 'name' });
    const orphan = await api(fake, '/v1/subscriptions', { form: { customer: 'cus_nobody', 'items[0][price]': 'price_x' } });
    expect(orphan.status).toBe(400);
    expect(orphan.body.error).toMatchObject({ code: 'resource_missing', param: 'customer', message: "No such customer: 'cus_nobody'" });
    expect((await api(fake, '/v1/customers/cus_nobody', { form: { name: 'x' } })).status).toBe(404);
  });

  test('a JSON body is refused: Stripe takes form encoding only', async () => {
    const res = await fetch(`${fake.url}/v1/customers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'a@b.c' }),
    });
    expect(res.status).toBe(400);
    expect(fake.store.count('customers')).toBe(0);
  });

  test('both array styles and nested brackets parse: items[0][price] and items[][price]', async () => {
    const product = fake.store.create('products', { name: 'P' });
    const price = fake.store.create('prices', { product: product.id, unit_amount: 900, recurring: { interval: 'month' } });
    const customer = fake.store.create('customers', {});
    const a = await api(fake, '/v1/subscriptions', { form: `customer=${customer.id}&items[0][price]=${price.id}&items[0][quantity]=2` });
    const b = await api(fake, '/v1/subscriptions', { form: `customer=${customer.id}&items%5B%5D%5Bprice%5D=${price.id}` });
    expect(a.body.items.data[0]).toMatchObject({ object: 'subscription_item', price: { id: price.id, unit_amount: 900 }, quantity: 2 });
    expect(b.body.items.data[0]).toMatchObject({ price: { id: price.id }, quantity: 1 });
    expect(a.body).toMatchObject({ status: 'active', customer: customer.id, currency: 'usd' });
  });

  test('DELETE of a subscription cancels it and returns it; deleting a customer cancels its subscriptions', async () => {
    fake.store.seed({ products: 1, prices: 1, customers: 2 });
    const [c1, c2] = fake.store.all('customers');
    const price = fake.store.all('prices')[0]!;
    const s1 = fake.store.create('subscriptions', { customer: c1!.id, items: [{ price: price.id }] });
    const s2 = fake.store.create('subscriptions', { customer: c2!.id, items: [{ price: price.id }] });
    clock.advance(60_000);
    const canceled = await api(fake, `/v1/subscriptions/${s1.id}`, { method: 'DELETE' });
    expect(canceled.body).toMatchObject({ id: s1.id, object: 'subscription', status: 'canceled', canceled_at: clock.seconds(), ended_at: clock.seconds() });
    expect((await api(fake, `/v1/subscriptions/${s1.id}`)).body.status).toBe('canceled');
    await api(fake, `/v1/customers/${c2!.id}`, { method: 'DELETE' });
    expect(fake.store.get('subscriptions', s2.id)!.status).toBe('canceled');
  });

  test('a product with prices cannot be deleted; a non-draft invoice cannot be deleted', async () => {
    const product = fake.store.create('products', { name: 'P' });
    fake.store.create('prices', { product: product.id, unit_amount: 100 });
    expect((await api(fake, `/v1/products/${product.id}`, { method: 'DELETE' })).status).toBe(400);
    const customer = fake.store.create('customers', {});
    const draft = fake.store.create('invoices', { customer: customer.id });
    const paid = fake.store.create('invoices', { customer: customer.id, status: 'paid', amount_due: 1000 });
    expect((await api(fake, `/v1/invoices/${paid.id}`, { method: 'DELETE' })).status).toBe(400);
    expect((await api(fake, `/v1/invoices/${draft.id}`, { method: 'DELETE' })).body).toEqual({ id: draft.id, object: 'invoice', deleted: true });
  });

  test('a refund raises the charge amount_refunded and marks it refunded when whole', async () => {
    const charge = fake.store.create('charges', { amount: 1000 });
    const partial = await api(fake, '/v1/refunds', { form: { charge: charge.id, amount: 400 } });
    expect(partial.body).toMatchObject({ object: 'refund', charge: charge.id, amount: 400, status: 'succeeded' });
    expect(fake.store.get('charges', charge.id)).toMatchObject({ amount_refunded: 400, refunded: false });
    await api(fake, '/v1/refunds', { form: { charge: charge.id } });
    expect(fake.store.get('charges', charge.id)).toMatchObject({ amount_refunded: 1000, refunded: true });
  });
});

describe('idempotency', () => {
  test('the same key and params replay the first answer with Idempotent-Replayed; nothing is created twice', async () => {
    const headers = { 'idempotency-key': 'create-ada' };
    const first = await api(fake, '/v1/customers', { form: { email: 'ada@example.com' }, headers });
    const again = await api(fake, '/v1/customers', { form: { email: 'ada@example.com' }, headers });
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(fake.store.count('customers')).toBe(1);
    expect(fake.requests.map((r) => r.replayed)).toEqual([false, true]);
    const other = await api(fake, '/v1/customers', { form: { email: 'grace@example.com' }, headers });
    expect(other.status).toBe(400);
    expect(other.body.error.type).toBe('idempotency_error');
  });

  test('a request refused by validation stores nothing, so a corrected retry with the key runs', async () => {
    const headers = { 'idempotency-key': 'k2' };
    expect((await api(fake, '/v1/products', { form: { name: '' }, headers })).status).toBe(400);
    // Different params with the same key are fine because nothing was stored.
    expect((await api(fake, '/v1/products', { form: { name: 'Shirt' }, headers })).status).toBe(200);
  });
});
