/**
 * The fake Stripe's webhook sender: signatures match the reference's computed test vector and verify over the exact
 * bytes delivered (checked with stripe-node's algorithm re-implemented in the helper); deliveries are in order by
 * default and can be duplicated, reversed or shuffled on demand; failures stay pending (reference §13, §14).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { computeSignature, signatureHeader, startFakeStripe, type FakeStripe } from '../../src/fakes/stripe/index.ts';
import { api, manualClock, verifyStripeSignature } from './stripe-helpers.ts';

// Reference §14, computed with stripe-node's generateTestHeaderString.
const VECTOR = {
  secret: 'whsec_test_secret',
  timestamp: 1700000000,
  payload: '{"id":"evt_test_webhook","object":"event"}',
  v1: 'd95c6b7477fbd7e9f90b1b0ef5f9c7ac25abca5382460e0d988c2b2a5b71b990',
  header: 't=1700000000,v1=d95c6b7477fbd7e9f90b1b0ef5f9c7ac25abca5382460e0d988c2b2a5b71b990',
  secondSecretV1: '426f8293c7867427fa07c889e920a1cbc6a88b25c7bf176e9178d23d12df0166',
  prefixDroppedV1: '9a61facb110a7a0b8d9c2708494d20b0106824ae1ce6a08210268808700c151f',
};

interface Received {
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/** A real endpoint on loopback that keeps the raw bytes, answering `status()`. */
async function receiver(status: () => number = () => 200): Promise<{ url: string; got: Received[]; close(): Promise<void> }> {
  const got: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({ body: Buffer.concat(chunks).toString('utf8'), headers: req.headers });
      res.writeHead(status()).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/stripe/webhooks`,
    got,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let fake: FakeStripe;
let clock: ReturnType<typeof manualClock>;
beforeEach(async () => {
  clock = manualClock();
  fake = await startFakeStripe({ now: clock.now });
});
afterEach(() => fake.close());

describe('signatures', () => {
  test('the signer reproduces the reference test vector, one v1 per secret', () => {
    expect(computeSignature(VECTOR.payload, VECTOR.secret, VECTOR.timestamp)).toBe(VECTOR.v1);
    expect(signatureHeader(VECTOR.payload, [VECTOR.secret], VECTOR.timestamp)).toBe(VECTOR.header);
    expect(computeSignature(VECTOR.payload, 'whsec_second_secret', VECTOR.timestamp)).toBe(VECTOR.secondSecretV1);
    // The whsec_ prefix is part of the key.
    expect(computeSignature(VECTOR.payload, 'test_secret', VECTOR.timestamp)).toBe(VECTOR.prefixDroppedV1);
    expect(signatureHeader(VECTOR.payload, ['whsec_second_secret', VECTOR.secret], VECTOR.timestamp, 'abc')).toBe(
      `t=1700000000,v1=${VECTOR.secondSecretV1},v1=${VECTOR.v1},v0=abc`,
    );
  });

  test("the helper verifier agrees with the reference's accepted and rejected cases", () => {
    const verify = (header: string, secret = VECTOR.secret, now = VECTOR.timestamp) => verifyStripeSignature(VECTOR.payload, header, secret, now);
    expect(verify(VECTOR.header)).toBeNull();
    expect(verify(`t=1700000000,v1=${VECTOR.secondSecretV1},v1=${VECTOR.v1},v0=abc`)).toBeNull();
    expect(verify(VECTOR.header, 'test_secret')).toMatch(/No signatures found matching/);
    expect(verify(VECTOR.header, VECTOR.secret, VECTOR.timestamp + 300)).toBeNull();
    expect(verify(VECTOR.header, VECTOR.secret, VECTOR.timestamp + 301)).toBe('Timestamp outside the tolerance zone');
    expect(verify(VECTOR.header, VECTOR.secret, VECTOR.timestamp - 10_000)).toBeNull();
    expect(verify(`t=1700000000, v1=${VECTOR.v1}`)).toBe('No signatures found with expected scheme');
  });
});

describe('delivery', () => {
  test('each event is POSTed as raw JSON whose signature verifies over the bytes received, then counts as delivered', async () => {
    const endpoint = await receiver();
    try {
      const secret = 'whsec_endpoint_secret';
      fake.webhooks.register(endpoint.url, secret);
      const created = await api(fake, '/v1/customers', { form: { email: 'hook@example.com' } });
      await fake.webhooks.idle();

      expect(endpoint.got).toHaveLength(1);
      const [delivery] = endpoint.got;
      const header = String(delivery!.headers['stripe-signature']);
      expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64},v0=[0-9a-f]{64}$/);
      expect(Number(header.slice(2, header.indexOf(',')))).toBe(clock.seconds());
      expect(verifyStripeSignature(delivery!.body, header, secret, clock.seconds())).toBeNull();
      expect(verifyStripeSignature(delivery!.body, header, 'whsec_wrong', clock.seconds())).not.toBeNull();
      // One changed byte in the body and the signature no longer verifies.
      expect(verifyStripeSignature(delivery!.body.replace('hook@', 'hooK@'), header, secret, clock.seconds())).not.toBeNull();
      expect(delivery!.headers['content-type']).toBe('application/json; charset=utf-8');

      const event = JSON.parse(delivery!.body);
      expect(event).toMatchObject({ object: 'event', type: 'customer.created', data: { object: created.body }, pending_webhooks: 1 });
      // Acknowledged with a 2xx: no longer pending, and not listed as undelivered.
      const fetched = await api(fake, `/v1/events/${event.id}`);
      expect(fetched.body.pending_webhooks).toBe(0);
      expect((await api(fake, '/v1/events?delivery_success=false')).body.data).toEqual([]);
    } finally {
      await endpoint.close();
    }
  });

  test('a rolling secret gives one v1 per secret; either secret verifies', async () => {
    const endpoint = await receiver();
    try {
      fake.webhooks.register(endpoint.url, ['whsec_new', 'whsec_old'], { includeV0: false });
      fake.store.create('customers', {});
      await fake.webhooks.idle();
      const { body, headers } = endpoint.got[0]!;
      const header = String(headers['stripe-signature']);
      expect(header.split(',').filter((p) => p.startsWith('v1='))).toHaveLength(2);
      expect(header).not.toContain('v0=');
      expect(verifyStripeSignature(body, header, 'whsec_new', clock.seconds())).toBeNull();
      expect(verifyStripeSignature(body, header, 'whsec_old', clock.seconds())).toBeNull();
    } finally {
      await endpoint.close();
    }
  });

  test('events reach an endpoint in the order they were recorded by default', async () => {
    const endpoint = await receiver();
    try {
      fake.webhooks.register(endpoint.url, 'whsec_x');
      const c = fake.store.create('customers', {});
      for (let i = 0; i < 8; i++) fake.store.update('customers', c.id, { name: `n${i}` });
      await fake.webhooks.idle();
      const recorded = fake.store.events.all().reverse().map((e) => e.id);
      expect(endpoint.got.map((g) => JSON.parse(g.body).id)).toEqual(recorded);
    } finally {
      await endpoint.close();
    }
  });

  test('paused deliveries can be flushed reversed and duplicated; duplicates are flagged in the log', async () => {
    const endpoint = await receiver();
    try {
      fake.webhooks.register(endpoint.url, 'whsec_x');
      fake.webhooks.pause();
      const c = fake.store.create('customers', {});
      fake.store.update('customers', c.id, { name: 'a' });
      fake.store.delete('customers', c.id);
      await fake.webhooks.idle();
      expect(endpoint.got).toEqual([]);
      await fake.webhooks.flush({ order: 'reverse', duplicates: 1 });
      const types = endpoint.got.map((g) => JSON.parse(g.body).type);
      expect(types).toEqual(['customer.deleted', 'customer.updated', 'customer.created', 'customer.deleted', 'customer.updated', 'customer.created']);
      expect(fake.webhooks.deliveries.map((d) => d.duplicate)).toEqual([false, false, false, true, true, true]);
      expect(new Set(endpoint.got.map((g) => JSON.parse(g.body).id)).size).toBe(3);
    } finally {
      await endpoint.close();
    }
  });

  test('a shuffled flush is a reproducible permutation for a given seed', async () => {
    const order = async (seed: number) => {
      const f = await startFakeStripe({ seed, now: clock.now });
      const endpoint = await receiver();
      try {
        f.webhooks.register(endpoint.url, 'whsec_x');
        f.webhooks.pause();
        for (let i = 0; i < 10; i++) f.store.create('customers', { name: `c${i}` });
        await f.webhooks.flush({ order: 'shuffle' });
        return endpoint.got.map((g) => JSON.parse(g.body).data.object.name as string);
      } finally {
        await endpoint.close();
        await f.close();
      }
    };
    const first = await order(11);
    expect([...first].sort()).toEqual(Array.from({ length: 10 }, (_, i) => `c${i}`).sort());
    expect(first).not.toEqual(Array.from({ length: 10 }, (_, i) => `c${i}`));
    expect(await order(11)).toEqual(first);
  });

  test('redeliver sends a stored event again, freshly signed', async () => {
    const endpoint = await receiver();
    try {
      fake.webhooks.register(endpoint.url, 'whsec_x');
      fake.store.create('customers', {});
      await fake.webhooks.idle();
      clock.advance(5000);
      const eventId = fake.store.events.all()[0]!.id;
      const [again] = await fake.webhooks.redeliver(eventId);
      expect(again!.duplicate).toBe(true);
      expect(endpoint.got.map((g) => JSON.parse(g.body).id)).toEqual([eventId, eventId]);
      const [first, second] = endpoint.got.map((g) => String(g.headers['stripe-signature']));
      expect(second).not.toBe(first);
      expect(verifyStripeSignature(endpoint.got[1]!.body, second!, 'whsec_x', clock.seconds())).toBeNull();
    } finally {
      await endpoint.close();
    }
  });

  test('a failing endpoint leaves the event pending and listed by delivery_success=false until a retry succeeds', async () => {
    let status = 500;
    const endpoint = await receiver(() => status);
    try {
      fake.webhooks.register(endpoint.url, 'whsec_x');
      fake.store.create('customers', {});
      await fake.webhooks.idle();
      const [event] = (await api(fake, '/v1/events?delivery_success=false')).body.data;
      expect(event).toMatchObject({ type: 'customer.created', pending_webhooks: 1 });
      expect(fake.webhooks.deliveries.map((d) => d.status)).toEqual([500]);
      status = 200;
      await fake.webhooks.retryFailed();
      expect(fake.webhooks.deliveries.map((d) => d.status)).toEqual([500, 200]);
      expect((await api(fake, '/v1/events?delivery_success=false')).body.data).toEqual([]);
      expect((await api(fake, '/v1/events?delivery_success=true')).body.data.map((e: any) => e.id)).toEqual([event.id]);
    } finally {
      await endpoint.close();
    }
  });
});
