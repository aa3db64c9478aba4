/**
 * The fake Stripe's Events API: every change records an event with a frozen snapshot, updates carry
 * previous_attributes, /v1/events filters and paginates like other lists, and only 30 days are served (reference §9).
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { EVENT_RETENTION_SECONDS, startFakeStripe, type FakeStripe } from '../../src/fakes/stripe/index.ts';
import { api, manualClock, walk } from './stripe-helpers.ts';

let fake: FakeStripe;
let clock: ReturnType<typeof manualClock>;
beforeEach(async () => {
  clock = manualClock();
  fake = await startFakeStripe({ now: clock.now });
});
afterEach(() => fake.close());

const events = async (q = '') => (await api(fake, `/v1/events?limit=100${q ? `&${q}` : ''}`)).body;

describe('events recorded for changes', () => {
  test('create, update and delete over HTTP record customer.created/updated/deleted, tied to the request', async () => {
    const created = await api(fake, '/v1/customers', { form: { email: 'old@example.com', 'metadata[plan]': 'free' }, headers: { 'idempotency-key': 'idem-1' } });
    const id = created.body.id;
    clock.advance(2000);
    const updated = await api(fake, `/v1/customers/${id}`, { form: { email: 'new@example.com', 'metadata[plan]': 'pro', 'metadata[seats]': '3' } });
    clock.advance(2000);
    const deleted = await api(fake, `/v1/customers/${id}`, { method: 'DELETE' });

    const list = await events();
    expect(list.data.map((e: any) => e.type)).toEqual(['customer.deleted', 'customer.updated', 'customer.created']);
    const [del, upd, cre] = list.data;
    expect(cre).toEqual({
      id: expect.stringMatching(/^evt_/),
      object: 'event',
      api_version: '2026-07-29.dahlia',
      created: clock.seconds() - 4,
      data: { object: created.body },
      livemode: false,
      pending_webhooks: 0,
      request: { id: created.headers.get('request-id'), idempotency_key: 'idem-1' },
      type: 'customer.created',
    });
    expect(upd.data.object).toEqual(updated.body);
    expect(upd.data.previous_attributes).toEqual({ email: 'old@example.com', metadata: { plan: 'free', seats: null } });
    expect(upd.request).toEqual({ id: updated.headers.get('request-id'), idempotency_key: null });
    expect(upd.created).toBe(clock.seconds() - 2);
    expect(del.data.object).toMatchObject({ id, object: 'customer', email: 'new@example.com' });
    expect(del.data).not.toHaveProperty('previous_attributes');
    expect(del.request.id).toBe(deleted.headers.get('request-id'));
  });

  test('in-process changes record events with a null request, like Stripe-initiated changes', () => {
    const c = fake.store.create('customers', { name: 'A' });
    fake.store.update('customers', c.id, { name: 'B' });
    expect(fake.store.events.all().map((e) => [e.type, e.request])).toEqual([
      ['customer.updated', { id: null, idempotency_key: null }],
      ['customer.created', { id: null, idempotency_key: null }],
    ]);
  });

  test('an update that changes nothing records no event', () => {
    const c = fake.store.create('customers', { name: 'A', metadata: { k: 'v' } });
    fake.store.update('customers', c.id, { name: 'A', metadata: { k: 'v' } });
    expect(fake.store.events.size).toBe(1);
  });

  test('an event snapshot never changes when the object changes later', async () => {
    const c = fake.store.create('customers', { name: 'First' });
    fake.store.update('customers', c.id, { name: 'Second' });
    const [, createdEvent] = (await events()).data;
    expect(createdEvent.data.object.name).toBe('First');
    expect((await api(fake, `/v1/events/${createdEvent.id}`)).body.data.object.name).toBe('First');
  });

  test('each resource names its events as Stripe does', () => {
    const product = fake.store.create('products', { name: 'P' });
    clock.advance(5000);
    fake.store.update('products', product.id, { name: 'P2' });
    const price = fake.store.create('prices', { product: product.id, unit_amount: 100, recurring: { interval: 'month' } });
    const customer = fake.store.create('customers', {});
    const sub = fake.store.create('subscriptions', { customer: customer.id, items: [{ price: price.id }] });
    fake.store.delete('subscriptions', sub.id);
    const pi = fake.store.create('payment_intents', { amount: 500, customer: customer.id, status: 'succeeded' });
    const charge = fake.store.create('charges', { amount: 500, payment_intent: pi.id });
    fake.store.create('charges', { amount: 500, status: 'failed' });
    fake.store.create('refunds', { charge: charge.id, amount: 100 });
    const dispute = fake.store.create('disputes', { charge: charge.id });
    fake.store.closeDispute(dispute.id);
    const invoice = fake.store.create('invoices', { customer: customer.id });
    fake.store.delete('invoices', invoice.id);
    fake.store.delete('prices', price.id);
    expect(
      fake.store.events
        .all()
        .reverse()
        .map((e) => e.type),
    ).toEqual([
      'product.created',
      'product.updated',
      'price.created',
      'customer.created',
      'customer.subscription.created',
      'customer.subscription.deleted',
      'payment_intent.created',
      'charge.succeeded',
      'charge.failed',
      'refund.created',
      'charge.refunded',
      'charge.dispute.created',
      'charge.dispute.closed',
      'invoice.created',
      'invoice.deleted',
      'price.deleted',
    ]);
    const productUpdate = fake.store.events.all().find((e) => e.type === 'product.updated')!;
    // A product's `updated` moves with each change and shows up in previous_attributes like any field.
    expect(productUpdate.data.previous_attributes).toEqual({ name: 'P', updated: product.created });
    expect(productUpdate.data.object.updated).toBe(product.created + 5);
  });
});

describe('GET /v1/events', () => {
  beforeEach(() => {
    const c = fake.store.create('customers', {});
    clock.advance(1000);
    fake.store.update('customers', c.id, { name: 'x' });
    clock.advance(1000);
    const p = fake.store.create('products', { name: 'p' });
    const price = fake.store.create('prices', { product: p.id, unit_amount: 1, recurring: { interval: 'month' } });
    clock.advance(1000);
    fake.store.create('subscriptions', { customer: c.id, items: [{ price: price.id }] });
  });

  test('type matches exactly or with * wildcards; types[] takes both array styles', async () => {
    expect((await events('type=customer.updated')).data.map((e: any) => e.type)).toEqual(['customer.updated']);
    expect((await events('type=customer.*')).data.map((e: any) => e.type)).toEqual(['customer.subscription.created', 'customer.updated', 'customer.created']);
    expect((await events('type=*.created')).data).toHaveLength(4);
    const want = ['product.created', 'customer.created'];
    expect((await events('types[]=product.created&types[]=customer.created')).data.map((e: any) => e.type)).toEqual(want);
    expect((await events('types[0]=product.created&types[1]=customer.created')).data.map((e: any) => e.type)).toEqual(want);
  });

  test('type with types[], or more than 20 types, is a 400', async () => {
    expect((await api(fake, '/v1/events?type=a&types[]=b')).status).toBe(400);
    const many = Array.from({ length: 21 }, (_, i) => `types[]=t${i}`).join('&');
    expect((await api(fake, `/v1/events?${many}`)).status).toBe(400);
  });

  test('created filters and pagination work as on every list, in both directions', async () => {
    const start = clock.seconds() - 3;
    expect((await events(`created[gte]=${start + 2}`)).data.map((e: any) => e.type)).toEqual(['customer.subscription.created', 'price.created', 'product.created']);
    const all = fake.store.events.all().map((e) => e.id);
    expect((await walk(fake, '/v1/events', { limit: 2 })).ids).toEqual(all);
    expect((await walk(fake, '/v1/events', { limit: 2, direction: 'newer', from: all[all.length - 1] })).ids).toEqual(all.slice(0, -1));
  });
});

describe('the 30-day window', () => {
  test('events older than 30 days leave the list, retrieve and cursors; newer ones stay', async () => {
    const old = fake.store.create('customers', { name: 'old' });
    const oldEvent = fake.store.events.all()[0]!;
    clock.advance(10 * 86_400_000);
    fake.store.update('customers', old.id, { name: 'newer' });
    const newerEvent = fake.store.events.all()[0]!;

    clock.advance((EVENT_RETENTION_SECONDS - 10 * 86_400) * 1000);
    // Exactly 30 days old: still served.
    expect((await events()).data.map((e: any) => e.id)).toEqual([newerEvent.id, oldEvent.id]);
    clock.advance(1000);
    expect((await events()).data.map((e: any) => e.id)).toEqual([newerEvent.id]);
    expect((await api(fake, `/v1/events/${oldEvent.id}`)).status).toBe(404);
    expect((await api(fake, `/v1/events/${newerEvent.id}`)).status).toBe(200);
    const cursor = await api(fake, `/v1/events?ending_before=${oldEvent.id}`);
    expect(cursor.status).toBe(400);
    expect(cursor.body.error).toMatchObject({ code: 'resource_missing', param: 'ending_before' });
    // The store keeps everything; only the API forgets.
    expect(fake.store.events.size).toBe(2);
    clock.advance(20 * 86_400_000);
    expect((await events()).data).toEqual([]);
  });
});
