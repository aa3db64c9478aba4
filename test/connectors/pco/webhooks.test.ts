/**
 * Webhook verification on the raw body (the reference's test vectors, any of several secrets, tampering refused,
 * nothing parsed before the signature holds) and touched() for every People event family, on deliveries the fake
 * PCO really POSTs to a local endpoint.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { computeAuthenticity, EVENT_NAMES, type FakePco } from '../../../src/fakes/pco/index.ts';
import { pcoAdapter, PcoConfig } from '../../../src/connectors/pco/index.ts';
import { AuthError, ValidationError } from '../../../src/protocol/errors.ts';
import { configFor, FIXTURES, startFake } from './helpers.ts';

const withFixtures = test;
const FIXTURE_SECRET = '4b6f7a2e9d1c3a5f8e0b7d2c6a9f1e3d5c7b9a0e2f4d6c8b1a3e5f7d9c0b2a4e';
const webhooks = pcoAdapter.webhooks!;
const config = (secrets?: string[]): PcoConfig => PcoConfig.parse({ application_id: 'app', secret: 'app-secret', ...(secrets ? { webhook_secrets: secrets } : {}) });
const verify = (body: Buffer | string, signature: string | undefined, secrets?: string[]) =>
  webhooks.verify({ config: config(secrets), body: Buffer.isBuffer(body) ? body : Buffer.from(body), headers: signature === undefined ? {} : { 'x-pco-webhooks-authenticity': signature } });
const catchErr = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
};

describe('verify', () => {
  test('the reference’s first vector: the signature holds, then an empty data list is not a delivery', () => {
    const err = catchErr(() => verify('{"data":[]}', 'd976ceb98fadd5c35aa59d8c09acd91adb4305767112ada57b6ffd48a81e7266', ['pco-webhook-test-secret']));
    // A ValidationError, not an AuthError: the body was only judged after the signature matched.
    expect(err).toBeInstanceOf(ValidationError);
    expect(catchErr(() => verify('{"data":[]}', 'd976ceb98fadd5c35aa59d8c09acd91adb4305767112ada57b6ffd48a81e7266', ['another-secret']))).toBeInstanceOf(AuthError);
  });

  withFixtures('the fixture deliveries verify against their vectors, named by delivery id and event name', () => {
    const updated = readFileSync(resolve(FIXTURES, 'webhook.person-updated.json'));
    expect(updated.length).toBe(1917);
    const delivery = verify(updated, '16f9455099f6aec36e02effa1dbc159d33a94986448e6d929c6043ff12036d17', [FIXTURE_SECRET]);
    expect(delivery).toMatchObject({ id: '0d6e3f52-9b1a-4c7e-8f24-6a5b3c2d1e0f', type: 'people.v2.events.person.updated' });
    expect(webhooks.touched({ config: config(), delivery })).toEqual([{ entity: 'person', id: '900101' }]);

    const destroyed = readFileSync(resolve(FIXTURES, 'webhook.person-destroyed.json'));
    const gone = verify(destroyed, 'fe02a258a117e2fec762f41c62a005ea8caad0ff7aff87fd91b612d6feecf0e1', [FIXTURE_SECRET]);
    expect(gone).toMatchObject({ id: 'a7c4e1b9-2f60-4d83-b5e7-19c0d8f3a624', type: 'people.v2.events.person.destroyed' });
    expect(webhooks.touched({ config: config(), delivery: gone })).toEqual([{ entity: 'person', id: '900102' }]);
  });

  withFixtures('any one of several secrets may match (one subscription per event name, each with its own secret)', () => {
    const body = readFileSync(resolve(FIXTURES, 'webhook.person-updated.json'));
    const signature = '16f9455099f6aec36e02effa1dbc159d33a94986448e6d929c6043ff12036d17';
    expect(verify(body, signature, ['a'.repeat(64), FIXTURE_SECRET, 'b'.repeat(64)]).type).toBe('people.v2.events.person.updated');
    expect(verify(body, signature.toUpperCase(), [FIXTURE_SECRET]).type).toBe('people.v2.events.person.updated');
    expect(catchErr(() => verify(body, signature, ['a'.repeat(64), 'b'.repeat(64)]))).toBeInstanceOf(AuthError);
  });

  withFixtures('a tampered body, a re-serialised body or a truncated signature is refused', () => {
    const body = readFileSync(resolve(FIXTURES, 'webhook.person-updated.json'));
    const signature = '16f9455099f6aec36e02effa1dbc159d33a94986448e6d929c6043ff12036d17';
    const tampered = Buffer.from(body.toString('utf8').replace('"attempt":1', '"attempt":2'));
    expect(catchErr(() => verify(tampered, signature, [FIXTURE_SECRET]))).toBeInstanceOf(AuthError);
    // The same JSON, formatted differently, is different bytes: the HMAC is over the bytes received.
    const reformatted = Buffer.from(JSON.stringify(JSON.parse(body.toString('utf8')), null, 2));
    expect(catchErr(() => verify(reformatted, signature, [FIXTURE_SECRET]))).toBeInstanceOf(AuthError);
    expect(catchErr(() => verify(body, signature.slice(0, 63), [FIXTURE_SECRET]))).toBeInstanceOf(AuthError);
    expect(catchErr(() => verify(body, undefined, [FIXTURE_SECRET]))).toBeInstanceOf(AuthError);
  });

  test('no configured secret is a ValidationError; a signed body that is not a delivery is one too', () => {
    expect(catchErr(() => verify('{"data":[]}', 'd976ceb98fadd5c35aa59d8c09acd91adb4305767112ada57b6ffd48a81e7266'))).toBeInstanceOf(ValidationError);
    const secret = 's3cret';
    for (const body of ['not json', '{"data":{}}', '{"data":[{"id":"x","type":"EventDelivery","attributes":{"name":"people.v2.events.person.updated","payload":"{oops"}}]}']) {
      expect(catchErr(() => verify(body, computeAuthenticity(body, secret), [secret]))).toBeInstanceOf(ValidationError);
    }
  });
});

describe('touched, on deliveries the fake PCO sends', () => {
  let fake: FakePco | undefined;
  let server: Server | undefined;
  afterEach(async () => {
    await fake?.close();
    await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
  });

  /** A local endpoint that keeps each delivery's raw body and headers, and answers 200. */
  async function receiver(): Promise<{ url: string; received: { body: Buffer; headers: Record<string, string | undefined> }[] }> {
    const received: { body: Buffer; headers: Record<string, string | undefined> }[] = [];
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ body: Buffer.concat(chunks), headers: req.headers as Record<string, string | undefined> });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((done) => server!.listen(0, '127.0.0.1', done));
    return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}/pco`, received };
  }

  test('each People event family names its entity and id; a merge names both people; other events nothing', async () => {
    fake = await startFake();
    const endpoint = await receiver();
    // One subscription per event name, each with its own secret, as on PCO.
    const subs = fake.webhooks.subscribe(endpoint.url, EVENT_NAMES);
    const cfg = configFor(fake, { webhook_secrets: subs.map((s) => s.authenticity_secret) });

    const alice = fake.store.create('people', { first_name: 'Alice' }).id;
    const bob = fake.store.create('people', { first_name: 'Bob' }).id;
    fake.store.update('people', alice, { nickname: 'Al' });
    const email = fake.store.create('emails', { person_id: alice, address: 'alice@example.com', location: 'Home' }).id;
    fake.store.update('emails', email, { location: 'Work' });
    const phone = fake.store.create('phone_numbers', { person_id: alice, number: '555-0100', location: 'Mobile' }).id;
    const address = fake.store.create('addresses', { person_id: alice, street_line_1: '1 Main St', city: 'Springfield' }).id;
    const household = fake.store.create('households', { name: 'A Household', person_ids: [alice, bob], primary_contact_id: alice }).id;
    fake.store.delete('emails', email);
    fake.store.delete('phone_numbers', phone);
    fake.store.delete('addresses', address);
    fake.store.update('households', household, { name: 'The Household' });
    fake.store.mergePeople(alice, bob);
    await fake.webhooks.flush();

    const seen = endpoint.received.map(({ body, headers }) => {
      const delivery = webhooks.verify({ config: cfg, body, headers });
      return [delivery.type, webhooks.touched({ config: cfg, delivery })];
    });
    const e = (entity: string, id: string) => [{ entity, id }];
    expect(seen).toEqual([
      ['people.v2.events.person.created', e('person', alice)],
      ['people.v2.events.person.created', e('person', bob)],
      ['people.v2.events.person.updated', e('person', alice)],
      ['people.v2.events.email.created', e('email', email)],
      ['people.v2.events.email.updated', e('email', email)],
      ['people.v2.events.phone_number.created', e('phone_number', phone)],
      ['people.v2.events.address.created', e('address', address)],
      ['people.v2.events.household.created', e('household', household)],
      ['people.v2.events.email.destroyed', e('email', email)],
      ['people.v2.events.phone_number.destroyed', e('phone_number', phone)],
      ['people.v2.events.address.destroyed', e('address', address)],
      ['people.v2.events.household.updated', e('household', household)],
      // Bob leaves the household in the merge: it is updated again.
      ['people.v2.events.household.updated', e('household', household)],
      ['people.v2.events.person_merger.created', [{ entity: 'person', id: alice }, { entity: 'person', id: bob }]],
    ]);
    // Every delivery type that touched something is one the manifest declares.
    const declared = new Set(Object.values(pcoAdapter.manifest.entities).flatMap((d) => Object.keys(d.webhookEvents ?? {})));
    for (const [type] of seen) expect(declared.has(type as string)).toBe(true);
  });

  test('an event of a resource the adapter does not sync touches nothing', () => {
    const secret = 'note-secret';
    const body = JSON.stringify({
      data: [{ id: 'd-1', type: 'EventDelivery', attributes: { name: 'people.v2.events.note.created', attempt: 1, payload: JSON.stringify({ data: { type: 'Note', id: '7' } }) } }],
    });
    const delivery = verify(body, computeAuthenticity(body, secret), [secret]);
    expect(delivery).toMatchObject({ id: 'd-1', type: 'people.v2.events.note.created' });
    expect(webhooks.touched({ config: config(), delivery })).toEqual([]);
  });
});
