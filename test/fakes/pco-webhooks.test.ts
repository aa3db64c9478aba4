/**
 * The fake PCO's webhooks (reference §11): the signer reproduces the reference's test vectors (HMAC-SHA256, hex,
 * over the exact body bytes), deliveries are real POSTs whose signature verifies with an independent check, whose
 * body has the fixtures' EventDelivery shape with a string payload, one per subscription to the event's name;
 * flush() can reverse, shuffle and duplicate; only a 200 counts, retries raise `attempt`, a 410 deactivates.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { computeAuthenticity, EVENT_NAMES, startFakePco, type FakePco } from '../../src/fakes/pco/index.ts';

// Real recorded payloads (copied from the shared reference with their SOURCE.md).
const FIXTURES = resolve(import.meta.dirname, '../fixtures/planning-center');
const withFixtures = test;
const VECTOR_SECRET = '4b6f7a2e9d1c3a5f8e0b7d2c6a9f1e3d5c7b9a0e2f4d6c8b1a3e5f7d9c0b2a4e';
const BASIC = `Basic ${Buffer.from('app-id:app-secret').toString('base64')}`;
const START = Date.UTC(2026, 0, 15, 12, 0, 0);

interface Received {
  body: Buffer;
  headers: Record<string, string | string[] | undefined>;
}

/** A real endpoint on loopback keeping the raw bytes, answering `status()`. */
async function receiver(status: () => number = () => 200): Promise<{ url: string; got: Received[]; close(): Promise<void> }> {
  const got: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({ body: Buffer.concat(chunks), headers: req.headers });
      res.writeHead(status()).end();
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/pco/webhooks`,
    got,
    close: () =>
      new Promise((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

/** How a receiver should check: HMAC of the raw bytes with the secret, hex, compared in constant time. */
function verify(raw: Buffer, header: unknown, secret: string): boolean {
  if (typeof header !== 'string') return false;
  const expected = Buffer.from(createHmac('sha256', secret).update(raw).digest('hex'));
  const got = Buffer.from(header);
  return got.length === expected.length && timingSafeEqual(got, expected);
}

async function api(fake: FakePco, path: string, method = 'GET', body?: unknown): Promise<any> {
  const res = await fetch(`${fake.url}${path}`, { method, headers: { authorization: BASIC, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  return text ? JSON.parse(text) : null;
}

let fake: FakePco;
let clock: number;
let hook: Awaited<ReturnType<typeof receiver>>;
beforeEach(async () => {
  clock = START;
  fake = await startFakePco({ rateLimit: null, now: () => clock });
  hook = await receiver();
});
afterEach(async () => {
  await fake.close();
  await hook.close();
});

describe('signatures', () => {
  test('the signer reproduces the reference test vector', () => {
    expect(computeAuthenticity('{"data":[]}', 'pco-webhook-test-secret')).toBe('d976ceb98fadd5c35aa59d8c09acd91adb4305767112ada57b6ffd48a81e7266');
  });

  withFixtures('and the vectors over the fixture files, byte for byte', () => {
    const updated = readFileSync(resolve(FIXTURES, 'webhook.person-updated.json'));
    const destroyed = readFileSync(resolve(FIXTURES, 'webhook.person-destroyed.json'));
    expect(updated.length).toBe(1917);
    expect(computeAuthenticity(updated, VECTOR_SECRET)).toBe('16f9455099f6aec36e02effa1dbc159d33a94986448e6d929c6043ff12036d17');
    expect(computeAuthenticity(destroyed, VECTOR_SECRET)).toBe('fe02a258a117e2fec762f41c62a005ea8caad0ff7aff87fd91b612d6feecf0e1');
    expect(verify(updated, '16f9455099f6aec36e02effa1dbc159d33a94986448e6d929c6043ff12036d17', VECTOR_SECRET)).toBe(true);
  });
});

describe('deliveries', () => {
  test('an API update queues a delivery; flush POSTs it signed over the exact bytes, in the fixture shape', async () => {
    const [sub] = fake.webhooks.subscribe(hook.url, 'people.v2.events.person.updated');
    const id = fake.store.create('people', { first_name: 'Alice', last_name: 'Example' }).id;
    clock = START + 60_000;
    await api(fake, `/people/v2/people/${id}`, 'PATCH', { data: { attributes: { nickname: 'Al' } } });
    expect(fake.webhooks.pending).toHaveLength(1);
    expect(hook.got).toHaveLength(0);
    await fake.webhooks.flush();
    expect(hook.got).toHaveLength(1);
    const { body, headers } = hook.got[0]!;
    expect(verify(body, headers['x-pco-webhooks-authenticity'], sub!.authenticity_secret)).toBe(true);
    expect(verify(body, headers['x-pco-webhooks-authenticity'], 'another-secret')).toBe(false);
    const outer = JSON.parse(body.toString('utf8'));
    expect(outer.data).toHaveLength(1);
    expect(outer.data[0]).toMatchObject({ type: 'EventDelivery', attributes: { name: 'people.v2.events.person.updated', attempt: 1 }, relationships: { organization: { data: { id: '700001', type: 'Organization' } } } });
    const payload = JSON.parse(outer.data[0].attributes.payload);
    expect(payload.data).toMatchObject({ type: 'Person', id, attributes: { nickname: 'Al', updated_at: '2026-01-15T12:01:00Z' } });
    expect(payload.meta).toMatchObject({ parent: { id: '700001', type: 'Organization' }, event_time: '2026-01-15T12:01:00Z' });
    expect(fake.webhooks.deliveries[0]).toMatchObject({ status: 200, attempt: 1, duplicate: false });
  });

  withFixtures('updated and destroyed payloads have the key sets of the reference fixtures', async () => {
    fake.webhooks.subscribe(hook.url, ['people.v2.events.person.updated', 'people.v2.events.person.destroyed']);
    const id = fake.store.create('people', { first_name: 'Alice' }).id;
    fake.store.update('people', id, { last_name: 'Example' });
    fake.store.delete('people', id);
    await fake.webhooks.flush();
    const keys = (o: object) => Object.keys(o).sort();
    for (const [i, file] of ['webhook.person-updated.json', 'webhook.person-destroyed.json'].entries()) {
      const theirs = JSON.parse(readFileSync(resolve(FIXTURES, file), 'utf8'));
      const mine = JSON.parse(hook.got[i]!.body.toString('utf8'));
      expect(keys(mine.data[0])).toEqual(keys(theirs.data[0]));
      expect(keys(mine.data[0].attributes)).toEqual(keys(theirs.data[0].attributes));
      const [p, q] = [JSON.parse(mine.data[0].attributes.payload), JSON.parse(theirs.data[0].attributes.payload)];
      expect(keys(p)).toEqual(keys(q));
      expect(keys(p.data)).toEqual(keys(q.data));
      expect(keys(p.meta)).toEqual(keys(q.meta));
      if (p.data.attributes) expect(keys(p.data.attributes)).toEqual(keys(q.data.attributes));
    }
  });

  test('each subscription gets only its event; campus changes send nothing; every emitted name is an available event', async () => {
    fake.webhooks.subscribe(hook.url, ['people.v2.events.email.created', 'people.v2.events.address.destroyed']);
    const person = fake.store.create('people', { first_name: 'A' }).id;
    const email = fake.store.create('emails', { person_id: person, address: 'a@example.com' }).id;
    const address = fake.store.create('addresses', { person_id: person, city: 'X' }).id;
    fake.store.update('emails', email, { location: 'Work' });
    fake.store.delete('addresses', address);
    fake.store.create('campuses', { name: 'North' });
    await fake.webhooks.flush();
    expect(hook.got.map((g) => JSON.parse(g.body.toString()).data[0].attributes.name)).toEqual(['people.v2.events.email.created', 'people.v2.events.address.destroyed']);
    expect(fake.store.events.every((e) => EVENT_NAMES.includes(e.name))).toBe(true);
    expect(fake.store.events.some((e) => e.type === 'campuses')).toBe(false);
  });

  test('touch() records updated events with the new updated_at; a merge sends person_merger.created', async () => {
    fake.webhooks.subscribe(hook.url, ['people.v2.events.person.updated', 'people.v2.events.person_merger.created']);
    const [a, b] = ['A', 'B'].map((n) => fake.store.create('people', { first_name: n }).id);
    fake.store.touch('people', [a!, b!], { at: '2026-02-01T00:00:00Z' });
    fake.store.mergePeople(a!, b!);
    await fake.webhooks.flush();
    const payloads = hook.got.map((g) => JSON.parse(JSON.parse(g.body.toString()).data[0].attributes.payload));
    expect(payloads.map((p) => [p.data.type, p.data.attributes.updated_at ?? p.data.attributes.person_to_remove_id])).toEqual([
      ['Person', '2026-02-01T00:00:00Z'],
      ['Person', '2026-02-01T00:00:00Z'],
      ['PersonMerger', Number(b)],
    ]);
  });

  test('flush can reverse and duplicate: a duplicate repeats the same delivery id and bytes', async () => {
    fake.webhooks.subscribe(hook.url);
    const ids = ['A', 'B', 'C'].map((n) => fake.store.create('people', { first_name: n }).id);
    await fake.webhooks.flush({ order: 'reverse', duplicates: 1 });
    const got = hook.got.map((g) => JSON.parse(JSON.parse(g.body.toString()).data[0].attributes.payload).data.id);
    expect(got).toEqual([...ids].reverse().concat([...ids].reverse()));
    expect(hook.got[0]!.body.equals(hook.got[3]!.body)).toBe(true);
    expect(fake.webhooks.deliveries.map((d) => d.duplicate)).toEqual([false, false, false, true, true, true]);
  });

  test('anything but a 200 is a failure retried with attempt + 1; a 410 deactivates the subscription', async () => {
    const statuses = [204, 200];
    const flaky = await receiver(() => statuses.shift() ?? 410);
    try {
      const [sub] = fake.webhooks.subscribe(flaky.url, 'people.v2.events.person.created');
      fake.store.create('people', { first_name: 'Retry' });
      await fake.webhooks.flush();
      const [retry] = await fake.webhooks.retryFailed();
      expect(retry).toMatchObject({ attempt: 2, status: 200 });
      const attempts = flaky.got.map((g) => JSON.parse(g.body.toString()).data[0]);
      expect(attempts.map((a) => a.attributes.attempt)).toEqual([1, 2]);
      expect(attempts[0].id).toBe(attempts[1].id);
      expect(await fake.webhooks.retryFailed()).toEqual([]);
      fake.store.create('people', { first_name: 'Gone' });
      await fake.webhooks.flush();
      expect(sub!.active).toBe(false);
      fake.store.create('people', { first_name: 'Unsent' });
      expect(fake.webhooks.pending).toHaveLength(0);
    } finally {
      await flaky.close();
    }
  });

  test('with autoDeliverWebhooks, deliveries go out as changes happen, in order', async () => {
    await fake.close();
    fake = await startFakePco({ rateLimit: null, autoDeliverWebhooks: true });
    fake.webhooks.subscribe(hook.url, 'people.v2.events.person.created');
    for (const n of ['A', 'B', 'C']) await api(fake, '/people/v2/people', 'POST', { data: { attributes: { first_name: n } } });
    await fake.webhooks.idle();
    expect(hook.got.map((g) => JSON.parse(JSON.parse(g.body.toString()).data[0].attributes.payload).data.attributes.first_name)).toEqual(['A', 'B', 'C']);
  });
});
