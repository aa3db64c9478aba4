/**
 * The fake PCO over HTTP apart from lists: authentication and its 401 hints (reference §3, §10), dated versions and
 * `X-PCO-API-Processed-As-Version` (§2), error bodies, and writes — POST 201 / PATCH 200 / DELETE 204 with
 * created_at/updated_at kept by the clock, cascades, household membership, merges — plus the Webhooks product's
 * subscription endpoints, whose path depends on the version (§11).
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { startFakePco, type FakePco, type FakePcoOptions } from '../../src/fakes/pco/index.ts';

const BASIC = `Basic ${Buffer.from('app-id:app-secret').toString('base64')}`;
const START = Date.UTC(2026, 0, 15, 12, 0, 0);

interface Init {
  method?: string;
  body?: unknown;
  /** The Authorization header; null sends none. */
  auth?: string | null;
  version?: string;
}

async function api(fake: FakePco, path: string, init: Init = {}): Promise<{ status: number; headers: Headers; body: any; text: string }> {
  const headers: Record<string, string> = {};
  const auth = init.auth === undefined ? BASIC : init.auth;
  if (auth !== null) headers.authorization = auth;
  if (init.version) headers['x-pco-api-version'] = init.version;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${fake.url}${path}`, { method: init.method ?? (init.body === undefined ? 'GET' : 'POST'), headers, ...(init.body !== undefined ? { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) } : {}) });
  const text = await res.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, headers: res.headers, body, text };
}

const person = (attributes: Record<string, unknown>, relationships?: Record<string, unknown>) => ({ data: { type: 'Person', attributes, ...(relationships ? { relationships } : {}) } });

let fake: FakePco;
let clock: number;
async function start(options: FakePcoOptions = {}): Promise<FakePco> {
  await fake?.close();
  fake = await startFakePco({ rateLimit: null, now: () => clock, ...options });
  return fake;
}
beforeEach(async () => {
  clock = START;
  await start();
});
afterEach(() => fake.close());

describe('authentication', () => {
  test('no credentials: 401 with the body issue #901 quotes, as application/json', async () => {
    const res = await api(fake, '/people/v2/people', { auth: null });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.body).toEqual({ errors: [{ code: 'unauthorized', title: 'Unauthorized', status: '401', detail: 'This request could not be authenticated.' }] });
    expect(fake.requests[0]).toMatchObject({ status: 401, credential: null });
  });

  test('Basic with a registered app id and secret passes; a wrong secret is a 401 with hint CHINCHILLA', async () => {
    await start({ apps: [{ id: 'app-id', secret: 'app-secret' }] });
    const ok = await api(fake, '/people/v2/people');
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-pco-api-auth-method')).toBe('HTTPBasic');
    const wrong = await api(fake, '/people/v2/people', { auth: `Basic ${Buffer.from('app-id:nope').toString('base64')}` });
    expect(wrong.status).toBe(401);
    expect(wrong.body.errors[0].detail).toBe('This request could not be authenticated. Error Code Hint: (CHINCHILLA)');
    expect(fake.requests.map((r) => r.credential)).toEqual(['app-id', null]);
  });

  test('Bearer tokens: accepted, then expired (BABOON), revoked (CAPUCHIN), or lacking the product scope (PELICAN)', async () => {
    await start({ tokens: [{ token: 'tok-1', expiresAt: START + 7_200_000 }, { token: 'tok-2', scopes: ['webhooks'] }, 'tok-3'] });
    const hint = async (token: string, path = '/people/v2/people') => {
      const res = await api(fake, path, { auth: `Bearer ${token}` });
      return res.status === 200 ? 'ok' : /\((\w+)\)/.exec(res.body.errors[0].detail)?.[1] ?? String(res.status);
    };
    expect(await hint('tok-1')).toBe('ok');
    clock = START + 7_200_000;
    expect(await hint('tok-1')).toBe('BABOON');
    expect(await hint('tok-2')).toBe('PELICAN');
    expect(await hint('tok-2', '/webhooks/v2/available_events')).toBe('ok');
    fake.auth.revoke('tok-3');
    expect(await hint('tok-3')).toBe('CAPUCHIN');
    expect(await hint('unknown')).toBe('401');
  });
});

describe('versions and errors', () => {
  test('no header runs as 2018-08-01; a date picks the newest version on or before it; LATEST the newest; older is a 400', async () => {
    const processed = async (version?: string) => (await api(fake, '/people/v2', version ? { version } : {})).headers.get('x-pco-api-processed-as-version');
    expect(await processed()).toBe('2018-08-01');
    expect(await processed('2025-01-01')).toBe('2024-09-12');
    expect(await processed('2025-11-10')).toBe('2025-11-10');
    expect(await processed('LATEST')).toBe('2025-11-10');
    const old = await api(fake, '/people/v2', { version: '2017-01-01' });
    expect(old.status).toBe(400);
    expect(old.body.errors[0]).toMatchObject({ status: '400', code: 'unsupported_version_error' });
  });

  test('an unknown URL and an unknown id are the recorded 404 body', async () => {
    const body = { errors: [{ status: '404', title: 'Not Found', detail: 'The resource you requested could not be found' }] };
    expect(await api(fake, '/bogus')).toMatchObject({ status: 404, body });
    expect(await api(fake, '/people/v2/people/123')).toMatchObject({ status: 404, body });
  });

  test('GET /people/v2 is the organisation', async () => {
    const { body } = await api(fake, '/people/v2');
    expect(body.data).toMatchObject({ type: 'Organization', id: '700001', attributes: { time_zone: 'America/Los_Angeles' } });
  });
});

describe('writes', () => {
  test('POST creates (201, JSON:API media type) with created_at = updated_at = now; PATCH moves only updated_at; a no-op PATCH moves nothing', async () => {
    const created = await api(fake, '/people/v2/people', { body: person({ first_name: 'Ada', last_name: 'Lovelace' }) });
    expect(created.status).toBe(201);
    expect(created.headers.get('content-type')).toBe('application/vnd.api+json; charset=utf-8');
    expect(created.body.data.attributes).toMatchObject({ name: 'Ada Lovelace', created_at: '2026-01-15T12:00:00Z', updated_at: '2026-01-15T12:00:00Z', status: 'active' });
    const id = created.body.data.id;
    clock = START + 90_500;
    const patched = await api(fake, `/people/v2/people/${id}`, { method: 'PATCH', body: person({ nickname: 'Countess' }) });
    expect(patched.status).toBe(200);
    expect(patched.body.data.attributes).toMatchObject({ nickname: 'Countess', created_at: '2026-01-15T12:00:00Z', updated_at: '2026-01-15T12:01:30Z' });
    clock = START + 600_000;
    const same = await api(fake, `/people/v2/people/${id}`, { method: 'PATCH', body: person({ nickname: 'Countess' }) });
    expect(same.body.data.attributes.updated_at).toBe('2026-01-15T12:01:30Z');
  });

  test('DELETE is a 204 with no body; the record is then a 404 and its children are gone too', async () => {
    const id = fake.store.create('people', { first_name: 'Gone' }).id;
    const email = await api(fake, `/people/v2/people/${id}/emails`, { body: { data: { type: 'Email', attributes: { address: 'gone@example.com', location: 'Home' } } } });
    expect(email.status).toBe(201);
    const del = await api(fake, `/people/v2/people/${id}`, { method: 'DELETE' });
    expect(del.status).toBe(204);
    expect(del.text).toBe('');
    expect((await api(fake, `/people/v2/people/${id}`)).status).toBe(404);
    expect((await api(fake, `/people/v2/emails/${email.body.data.id}`)).status).toBe(404);
  });

  test('bad payloads: {} is the recorded 400, data as an array too; an unassignable attribute is a 422', async () => {
    const empty = await api(fake, '/people/v2/people', { body: {} });
    expect(empty.status).toBe(400);
    expect(empty.body).toEqual({ errors: [{ status: '400', title: 'Bad Request', code: 'invalid_resource_payload', detail: "The payload given does not contain a 'data' key." }] });
    expect((await api(fake, '/people/v2/people', { body: { data: [] } })).body.errors[0].code).toBe('invalid_resource_payload');
    const bad = await api(fake, '/people/v2/people', { body: person({ created_at: '2020-01-01T00:00:00Z' }) });
    expect(bad.status).toBe(422);
    expect(bad.body.errors[0]).toMatchObject({ status: '422', title: 'Validation Error', source: { parameter: 'created_at' }, meta: { resource: 'Person' } });
  });

  test("children are created under their person and changed at the top level; the person's updated_at stays unless configured", async () => {
    const id = fake.store.create('people', { first_name: 'Kid' }).id;
    clock = START + 60_000;
    const phone = await api(fake, `/people/v2/people/${id}/phone_numbers`, { body: { data: { type: 'PhoneNumber', attributes: { number: '(555) 123-4567', location: 'Mobile' } } } });
    expect(phone.body.data.attributes).toMatchObject({ e164: '+15551234567', national: '(555) 123-4567', updated_at: '2026-01-15T12:01:00Z' });
    expect(phone.body.data.relationships.person.data).toEqual({ type: 'Person', id });
    expect((await api(fake, `/people/v2/people/${id}/phone_numbers`, { body: { data: { attributes: { number: '1' } } } })).status).toBe(422);
    const moved = await api(fake, `/people/v2/phone_numbers/${phone.body.data.id}`, { method: 'PATCH', body: { data: { attributes: { location: 'Work' } } } });
    expect(moved.body.data.attributes.location).toBe('Work');
    expect(fake.store.get('people', id)!.attributes!.updated_at).toBe('2026-01-15T12:00:00Z');

    await start({ touchPersonOnChildChange: true });
    const other = fake.store.create('people', { first_name: 'Kid' }).id;
    clock = START + 120_000;
    await api(fake, `/people/v2/people/${other}/emails`, { body: { data: { attributes: { address: 'kid@example.com' } } } });
    expect(fake.store.get('people', other)!.attributes!.updated_at).toBe('2026-01-15T12:02:00Z');
  });

  test('status inactive stamps inactivated_at; active clears it', async () => {
    const id = fake.store.create('people', { first_name: 'Ina' }).id;
    clock = START + 5_000;
    expect((await api(fake, `/people/v2/people/${id}`, { method: 'PATCH', body: person({ status: 'inactive' }) })).body.data.attributes).toMatchObject({ status: 'inactive', inactivated_at: '2026-01-15T12:00:05Z' });
    expect((await api(fake, `/people/v2/people/${id}`, { method: 'PATCH', body: person({ status: 'active' }) })).body.data.attributes).toMatchObject({ status: 'active', inactivated_at: null });
  });

  test('a household is created with its people and primary contact; memberships add and remove members', async () => {
    const campus = (await api(fake, '/people/v2/campuses', { body: { data: { attributes: { name: 'North' } } } })).body.data.id;
    const [a, b, c] = ['A', 'B', 'C'].map((n) => fake.store.create('people', { first_name: n, last_name: 'Home', primary_campus_id: campus }).id);
    const link = (id: string) => ({ type: 'Person', id });
    expect((await api(fake, '/people/v2/households', { body: { data: { attributes: { name: 'Home' }, relationships: { people: { data: [] } } } } })).status).toBe(422);
    const household = await api(fake, '/people/v2/households', { body: { data: { attributes: { name: 'Home' }, relationships: { people: { data: [link(a!), link(b!)] }, primary_contact: { data: link(a!) } } } } });
    expect(household.status).toBe(201);
    const hid = household.body.data.id;
    expect(household.body.data.attributes).toMatchObject({ member_count: 2, primary_contact_id: a, primary_contact_name: 'A Home' });
    const added = await api(fake, `/people/v2/households/${hid}/household_memberships`, { body: { data: { attributes: { person_id: c } } } });
    expect(added.status).toBe(201);
    expect(added.body.data.attributes).toEqual({ household_role: null, pending: false, person_name: 'C Home' });
    expect((await api(fake, `/people/v2/households/${hid}/household_memberships`, { body: { data: { attributes: { person_id: c } } } })).status).toBe(422);
    expect((await api(fake, `/people/v2/people/${c}/households`)).body.data.map((h: any) => h.id)).toEqual([hid]);
    await api(fake, `/people/v2/people/${a}`, { method: 'DELETE' });
    const after = (await api(fake, `/people/v2/households/${hid}`)).body.data.attributes;
    expect(after).toMatchObject({ member_count: 2, primary_contact_id: b });
    expect((await api(fake, `/people/v2/people/${b}?include=primary_campus`)).body.included[0]).toMatchObject({ type: 'Campus', id: campus });
  });

  test('a merge removes one person (404), moves their emails, and is listed in person_mergers', async () => {
    const keep = fake.store.create('people', { first_name: 'Keep' }).id;
    const gone = fake.store.create('people', { first_name: 'Gone' }).id;
    fake.store.create('emails', { person_id: gone, address: 'gone@example.com' });
    const merger = fake.store.mergePeople(keep, gone);
    expect((await api(fake, `/people/v2/people/${gone}`)).status).toBe(404);
    expect((await api(fake, `/people/v2/people/${keep}/emails`)).body.data).toHaveLength(1);
    const found = (await api(fake, `/people/v2/person_mergers?where[person_to_remove_id]=${gone}`)).body;
    expect(found.data).toEqual([expect.objectContaining({ id: merger.id, attributes: { created_at: '2026-01-15T12:00:00Z', person_to_keep_id: Number(keep), person_to_remove_id: Number(gone) } })]);
    expect(found.meta.can_order_by).toEqual(['created_at']);
  });
});

describe('webhook subscriptions API', () => {
  test('the default version serves /subscriptions (Subscription); 2022-10-20 serves /webhook_subscriptions (WebhookSubscription)', async () => {
    const body = { data: { attributes: { name: 'people.v2.events.person.updated', url: 'http://127.0.0.1:9/hook', active: true } } };
    const legacy = await api(fake, '/webhooks/v2/subscriptions', { body });
    expect(legacy.status).toBe(201);
    expect(legacy.body.data).toMatchObject({ type: 'Subscription', attributes: { name: 'people.v2.events.person.updated', active: true, application_id: 'app-id' } });
    expect(legacy.body.data.attributes.authenticity_secret).toMatch(/^[0-9a-f]{64}$/);
    expect((await api(fake, '/webhooks/v2/webhook_subscriptions')).status).toBe(404);
    const modern = await api(fake, '/webhooks/v2/webhook_subscriptions', { version: '2022-10-20' });
    expect(modern.body.data).toEqual([expect.objectContaining({ type: 'WebhookSubscription', id: legacy.body.data.id })]);
    expect((await api(fake, '/webhooks/v2/subscriptions', { version: '2022-10-20' })).status).toBe(404);
    const id = legacy.body.data.id;
    const rotated = await api(fake, `/webhooks/v2/subscriptions/${id}/rotate_secret`, { method: 'POST' });
    expect(rotated.body.data.attributes.authenticity_secret).not.toBe(legacy.body.data.attributes.authenticity_secret);
    expect((await api(fake, `/webhooks/v2/subscriptions/${id}`, { method: 'PATCH', body: { data: { attributes: { active: false } } } })).body.data.attributes.active).toBe(false);
    expect((await api(fake, `/webhooks/v2/subscriptions/${id}`, { method: 'PATCH', body: { data: { attributes: { url: 'http://x' } } } })).status).toBe(422);
    expect((await api(fake, '/webhooks/v2/subscriptions', { body: { data: { attributes: { name: 'people.v2.events.campus.created', url: 'http://x' } } } })).status).toBe(422);
    expect((await api(fake, `/webhooks/v2/subscriptions/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect(fake.webhooks.subscriptions).toEqual([]);
  });

  test('available_events lists what the fake emits, paged', async () => {
    const { body } = await api(fake, '/webhooks/v2/available_events?per_page=100');
    expect(body.meta.total_count).toBe(16);
    expect(body.data).toContainEqual({
      type: 'AvailableEvent',
      id: expect.stringMatching(/^[0-9a-f]{32}$/),
      attributes: { action: 'destroyed', app: 'people', name: 'people.v2.events.person.destroyed', resource: 'person', type: 'events', version: 'v2' },
    });
  });
});
