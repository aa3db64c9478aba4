/**
 * The fake PCO's lists as a plain fetch client sees them (reference §4–§6): offset paging that walks every record
 * exactly once by `links.next` or by `offset`, PCO's canonical links, `order` with a stable tie-break, `where` on
 * times (instants and org-zone days), equal updated_at across a page boundary, `include` building a de-duplicated
 * `included` whose shape matches the recorded fixtures, nested lists, and what unknown parameters do.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { startFakePco, type FakePco, type FakePcoOptions } from '../../src/fakes/pco/index.ts';

// Real recorded payloads (copied from the shared reference with their SOURCE.md).
const FIXTURES = resolve(import.meta.dirname, '../fixtures/planning-center');
const BASIC = `Basic ${Buffer.from('app-id:app-secret').toString('base64')}`;
const START = Date.UTC(2026, 0, 15, 12, 0, 0);
const withFixtures = test;

async function get(fake: FakePco, path: string, version?: string): Promise<{ status: number; headers: Headers; body: any }> {
  const res = await fetch(path.startsWith('http') ? path : `${fake.url}${path}`, { headers: { authorization: BASIC, ...(version ? { 'x-pco-api-version': version } : {}) } });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}

/** Follows links.next from `path`; returns ids in order and the pages seen. */
async function walkLinks(fake: FakePco, path: string, version?: string): Promise<{ ids: string[]; pages: any[] }> {
  const ids: string[] = [];
  const pages: any[] = [];
  let next: string | undefined = path;
  while (next) {
    const res = await get(fake, next, version);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    pages.push(res.body);
    ids.push(...res.body.data.map((d: { id: string }) => d.id));
    next = res.body.links.next;
  }
  return { ids, pages };
}

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

describe('paging', () => {
  test('links.next walks every person exactly once, in id order; the last page has no next anywhere', async () => {
    fake.store.seed({ people: 237, seed: 3 });
    const { ids, pages } = await walkLinks(fake, '/people/v2/people');
    expect(ids).toEqual(fake.store.ids('people'));
    expect(pages).toHaveLength(10);
    expect(pages.map((p) => p.meta.count)).toEqual([25, 25, 25, 25, 25, 25, 25, 25, 25, 12]);
    expect(pages.every((p) => p.meta.total_count === 237)).toBe(true);
    const last = pages.at(-1);
    expect(Object.keys(last.links)).toEqual(['self', 'prev']);
    expect(last.meta.next).toBeUndefined();
    expect(last.meta.prev).toEqual({ offset: 200 });
    expect(pages[0].links.prev).toBeUndefined();
    expect(pages[0].meta.next).toEqual({ offset: 25 });
  });

  test('offset paging by meta.next.offset gives the same sequence; past the end is an empty page', async () => {
    fake.store.seed({ people: 250, seed: 3 });
    const ids: string[] = [];
    let offset: number | undefined = 0;
    while (offset !== undefined) {
      const { body } = await get(fake, `/people/v2/people?per_page=100&offset=${offset}`);
      ids.push(...body.data.map((d: { id: string }) => d.id));
      offset = body.meta.next?.offset;
    }
    expect(ids).toEqual(fake.store.ids('people'));
    const beyond = await get(fake, '/people/v2/people?per_page=100&offset=300');
    expect(beyond.body.data).toEqual([]);
    expect(beyond.body.meta).toMatchObject({ total_count: 250, count: 0, prev: { offset: 200 } });
  });

  test('per_page defaults to 25 and is clamped to 1–100', async () => {
    fake.store.seed({ people: 150 });
    expect((await get(fake, '/people/v2/people')).body.data).toHaveLength(25);
    const big = await get(fake, '/people/v2/people?per_page=500');
    expect(big.body.data).toHaveLength(100);
    expect(big.body.links.self).toContain('per_page=100');
    expect((await get(fake, '/people/v2/people?per_page=0')).body.data).toHaveLength(1);
  });

  withFixtures("links are PCO's canonical form: the constructed fixture's self and next, host aside", async () => {
    const recorded = JSON.parse(readFileSync(resolve(FIXTURES, 'people.include-addresses-emails.page-1.json'), 'utf8'));
    const path = '/people/v2/people?where[updated_at][gte]=2025-01-01T00:00:00Z&per_page=2&order=updated_at&include=addresses,emails';
    fake.store.seed({ people: 5, endsAt: '2025-06-01T00:00:00Z', spanDays: 30 });
    const { body } = await get(fake, path, '2025-11-10');
    const host = (u: string) => u.replace('https://api.planningcenteronline.com', fake.url);
    expect(body.links).toEqual({ self: host(recorded.links.self), next: host(recorded.links.next) });
  });
});

describe('order and where[updated_at]', () => {
  beforeEach(() => {
    // Ten people an hour apart, created in reverse order of their updated_at so the two orders differ.
    for (let i = 0; i < 10; i++) {
      clock = START + i * 60_000;
      fake.store.create('people', { first_name: `P${i}`, last_name: i % 2 ? 'Odd' : 'Even' });
    }
    const ids = fake.store.ids('people');
    ids.forEach((id, i) => fake.store.setTimestamps('people', id, { updated_at: START + (10 - i) * 3_600_000 }));
  });
  const names = (body: any) => body.data.map((d: any) => d.attributes.first_name);

  test('order=updated_at and -updated_at; several keys; no order is id order', async () => {
    expect(names((await get(fake, '/people/v2/people?order=updated_at')).body)).toEqual(['P9', 'P8', 'P7', 'P6', 'P5', 'P4', 'P3', 'P2', 'P1', 'P0']);
    expect(names((await get(fake, '/people/v2/people?order=-updated_at')).body)).toEqual(['P0', 'P1', 'P2', 'P3', 'P4', 'P5', 'P6', 'P7', 'P8', 'P9']);
    expect(names((await get(fake, '/people/v2/people')).body)).toEqual(['P0', 'P1', 'P2', 'P3', 'P4', 'P5', 'P6', 'P7', 'P8', 'P9']);
    expect(names((await get(fake, '/people/v2/people?order=last_name,-first_name')).body)).toEqual(['P8', 'P6', 'P4', 'P2', 'P0', 'P9', 'P7', 'P5', 'P3', 'P1']);
  });

  test('an order key outside can_order_by is a 400 with an errors body', async () => {
    const res = await get(fake, '/people/v2/people?order=shoe_size');
    expect(res.status).toBe(400);
    expect(res.body.errors[0]).toMatchObject({ status: '400', title: 'Bad Request', source: { parameter: 'order' } });
  });

  test('where[updated_at] with gt, gte, lt, lte and = on full timestamps', async () => {
    const at = (h: number) => new Date(START + h * 3_600_000).toISOString().replace('.000Z', 'Z');
    const q = async (w: string) => names((await get(fake, `/people/v2/people?order=updated_at&${w}`)).body);
    expect(await q(`where[updated_at][gte]=${at(8)}`)).toEqual(['P2', 'P1', 'P0']);
    expect(await q(`where[updated_at][gt]=${at(8)}`)).toEqual(['P1', 'P0']);
    expect(await q(`where[updated_at][lt]=${at(3)}`)).toEqual(['P9', 'P8']);
    expect(await q(`where[updated_at][lte]=${at(3)}`)).toEqual(['P9', 'P8', 'P7']);
    expect(await q(`where[updated_at][gte]=${at(4)}&where[updated_at][lt]=${at(6)}`)).toEqual(['P6', 'P5']);
    expect(await q(`where[updated_at]=${at(5)}`)).toEqual(['P5']);
    // An offset other than Z names the same instant.
    expect(await q(`where[updated_at][gte]=${encodeURIComponent(new Date(START + 8 * 3_600_000).toISOString().replace('Z', '+00:00'))}`)).toEqual(['P2', 'P1', 'P0']);
  });

  test("a date-only value is the whole day in the organisation's zone, as in PCO's Pacific example", async () => {
    await start({ organization: { timeZone: 'America/Los_Angeles' } });
    const ids = ['2018-02-22T07:59:59Z', '2018-02-22T08:00:00Z', '2018-02-23T07:59:59Z', '2018-02-23T08:00:00Z'].map((t, i) => fake.store.create('people', { first_name: `D${i}`, created_at: t }).id);
    const q = async (w: string) => (await get(fake, `/people/v2/people?${w}`)).body.data.map((d: any) => d.attributes.first_name);
    expect(await q('where[created_at]=2018-02-22')).toEqual(['D1', 'D2']);
    expect(await q('where[created_at][gt]=2018-02-22')).toEqual(['D3']);
    expect(await q('where[created_at][gte]=2018-02-22')).toEqual(['D1', 'D2', 'D3']);
    expect(await q('where[created_at][lt]=2018-02-22')).toEqual(['D0']);
    expect(await q('where[created_at][lte]=2018-02-22')).toEqual(['D0', 'D1', 'D2']);
    expect(ids).toHaveLength(4);
  });

  test('a malformed time in where is a 400', async () => {
    expect((await get(fake, '/people/v2/people?where[updated_at][gte]=yesterday')).status).toBe(400);
  });
});

describe('equal updated_at', () => {
  test('30 people sharing one updated_at across page boundaries come once each, ties by id, with where[gte] and order', async () => {
    // A frozen clock gives every record the same second.
    fake.store.seed({ people: 10, endsAt: START - 86_400_000, spanDays: 10 });
    const tied = Array.from({ length: 30 }, (_, i) => fake.store.create('people', { first_name: `T${i}` }).id);
    clock = START + 60_000;
    const later = fake.store.create('people', { first_name: 'Later' }).id;
    const { ids, pages } = await walkLinks(fake, `/people/v2/people?order=updated_at&per_page=7&where[updated_at][gte]=${new Date(START).toISOString()}`);
    expect(ids).toEqual([...tied, later]);
    expect(pages.map((p) => p.meta.count)).toEqual([7, 7, 7, 7, 3]);
    expect(new Set(pages.flatMap((p) => p.data.map((d: any) => d.attributes.updated_at)).slice(0, 30))).toEqual(new Set(['2026-01-15T12:00:00Z']));
    // Descending keeps id ascending among ties by default…
    const desc = await walkLinks(fake, '/people/v2/people?order=-updated_at&per_page=7');
    expect(desc.ids.slice(1, 31)).toEqual(tied);
  });

  test("tieBreak 'follow' orders ties in the order's direction; 'shuffle' reorders them on every request", async () => {
    await start({ tieBreak: 'follow' });
    const tied = Array.from({ length: 20 }, (_, i) => fake.store.create('people', { first_name: `T${i}` }).id);
    expect((await get(fake, '/people/v2/people?order=-updated_at')).body.data.map((d: any) => d.id)).toEqual([...tied].reverse());
    await start({ tieBreak: 'shuffle', seed: 7 });
    for (let i = 0; i < 20; i++) fake.store.create('people', { first_name: `T${i}` });
    const once = (await get(fake, '/people/v2/people?order=updated_at')).body.data.map((d: any) => d.id);
    const twice = (await get(fake, '/people/v2/people?order=updated_at')).body.data.map((d: any) => d.id);
    expect(new Set(once)).toEqual(new Set(twice));
    expect(once).not.toEqual(twice);
  });

  test("precision 'millisecond': a change at 12:00:00.400 renders as 12:00:00Z yet is after where[updated_at][gt]=12:00:00Z", async () => {
    await start({ precision: 'millisecond' });
    clock = START + 400;
    const id = fake.store.create('people', { first_name: 'Subsecond' }).id;
    expect(fake.store.get('people', id)!.attributes!.updated_at).toBe('2026-01-15T12:00:00Z');
    const after = await get(fake, '/people/v2/people?where[updated_at][gt]=2026-01-15T12:00:00Z');
    expect(after.body.data.map((d: any) => d.id)).toEqual([id]);
    expect((await get(fake, '/people/v2/people?where[updated_at][lte]=2026-01-15T12:00:00Z')).body.data).toEqual([]);
  });

  test('a record created between two pages shifts offsets as on PCO (issue #640): the walk sees one twice', async () => {
    fake.store.seed({ people: 20, tieEvery: 0 });
    const first = await get(fake, '/people/v2/people?order=-updated_at&per_page=10');
    clock += 60_000;
    fake.store.create('people', { first_name: 'Newcomer' });
    const second = await get(fake, first.body.links.next);
    const seen = [...first.body.data, ...second.body.data].map((d: any) => d.id);
    expect(second.body.data[0].id).toBe(first.body.data[9].id);
    expect(new Set(seen).size).toBe(19);
  });
});

describe('include', () => {
  withFixtures('include=emails matches the real recording: envelope, resource, relationship and included key sets', async () => {
    const recorded = JSON.parse(readFileSync(resolve(FIXTURES, 'people.include-emails.page-1.json'), 'utf8'));
    // The first seeded person is a site administrator: 50 seeded, 49 match, as in the recording.
    fake.store.seed({ people: 50, campuses: 0 });
    // No X-PCO-API-Version: processed as 2018-08-01, like the recording.
    const { body, headers } = await get(fake, '/people/v2/people?offset=0&per_page=25&include=emails&where[site_administrator]=false');
    expect(headers.get('x-pco-api-processed-as-version')).toBe('2018-08-01');
    const keys = (o: object) => Object.keys(o).sort();
    expect(keys(body)).toEqual(keys(recorded));
    expect(keys(body.links)).toEqual(keys(recorded.links));
    const host = (u: string) => u.replace('https://api.planningcenteronline.com', fake.url);
    expect(body.links).toEqual({ self: host(recorded.links.self), next: host(recorded.links.next) });
    expect(body.meta).toMatchObject({ total_count: recorded.meta.total_count, count: recorded.meta.count, next: recorded.meta.next });
    expect(keys(body.meta)).toEqual(keys(recorded.meta));
    expect(body.meta.can_include).toEqual(recorded.meta.can_include);
    expect(keys(body.data[0])).toEqual(keys(recorded.data[0]));
    expect(keys(body.data[0].relationships)).toEqual(keys(recorded.data[0].relationships));
    expect(keys(body.data[0].relationships.emails)).toEqual(keys(recorded.data[0].relationships.emails));
    expect(keys(body.included[0])).toEqual(keys(recorded.included[0]));
    expect(body.data[0].relationships.primary_campus).toEqual({ data: null });
    // Attributes: every recorded one is there; extras are only those the newer docs list (rendered in all versions).
    const extras = (mine: object, theirs: object) => keys(mine).filter((k) => !(k in theirs));
    for (const k of keys(recorded.data[0].attributes)) expect(body.data[0].attributes).toHaveProperty(k);
    expect(extras(body.data[0].attributes, recorded.data[0].attributes)).toEqual(['can_create_forms', 'can_email_lists', 'directory_status', 'resource_permission_flags']);
    for (const k of keys(recorded.included[0].attributes)) expect(body.included[0].attributes).toHaveProperty(k);
    expect(extras(body.included[0].attributes, recorded.included[0].attributes)).toEqual(['blocked']);
    // Every related email is included once, and only those.
    const linked = body.data.flatMap((p: any) => p.relationships.emails.data.map((l: any) => `${l.type}:${l.id}`));
    expect(body.included.map((i: any) => `${i.type}:${i.id}`).sort()).toEqual([...linked].sort());
    expect(body.included[0].relationships.person.data).toEqual({ type: 'Person', id: body.data[0].id });
  });

  withFixtures('addresses render street before 2023-03-21 and street_line_1/2 after, with the fixtures\' key sets', async () => {
    const old = JSON.parse(readFileSync(resolve(FIXTURES, 'people.include-addresses.json'), 'utf8'));
    const current = JSON.parse(readFileSync(resolve(FIXTURES, 'people.include-addresses-emails.page-1.json'), 'utf8'));
    const person = fake.store.create('people', { first_name: 'Paul', last_name: 'Revere' });
    fake.store.create('addresses', { person_id: person.id, street: '123 Ride Way\nUnit 4', city: 'Boston', state: 'MA', zip: '12345', country_code: 'US', location: 'Home', primary: true });
    const legacy = (await get(fake, '/people/v2/people?include=addresses', '2020-01-01')).body;
    expect(legacy.included[0].attributes.street).toBe('123 Ride Way\nUnit 4');
    for (const k of Object.keys(old.included[0].attributes)) expect(legacy.included[0].attributes).toHaveProperty(k);
    const modern = (await get(fake, '/people/v2/people?include=addresses,emails', '2025-11-10')).body;
    const address = current.included.find((i: any) => i.type === 'Address');
    expect(Object.keys(modern.included[0].attributes).sort()).toEqual(Object.keys(address.attributes).sort());
    expect(modern.included[0].attributes).toMatchObject({ street_line_1: '123 Ride Way', street_line_2: 'Unit 4', country_name: 'United States' });
    expect(Object.keys(modern.data[0].attributes).sort()).toEqual(Object.keys(current.data[0].attributes).sort());
    expect(modern.data[0].relationships.emails).toEqual({ links: { related: `${fake.url}/people/v2/people/${person.id}/emails` }, data: [] });
  });

  test('a household shared by several people on a page is included once', async () => {
    fake.store.seed({ people: 12, households: 3 });
    const { body } = await get(fake, '/people/v2/people?include=households,primary_campus');
    const households = body.included.filter((i: any) => i.type === 'Household');
    expect(households.map((h: any) => h.id)).toEqual(fake.store.ids('households'));
    expect(body.included.filter((i: any) => i.type === 'Campus').length).toBeLessThanOrEqual(3);
    const withCampus = body.data.find((p: any) => p.relationships.primary_campus.data !== null);
    expect(withCampus.relationships.primary_campus.data.type).toBe('PrimaryCampus');
  });

  test('an include outside can_include is a 400; unmodelled includes render empty', async () => {
    fake.store.create('people', { first_name: 'A' });
    expect((await get(fake, '/people/v2/people?include=shoes')).status).toBe(400);
    const { body } = await get(fake, '/people/v2/people?include=field_data,school,organization');
    expect(body.data[0].relationships.field_data.data).toEqual([]);
    expect(body.data[0].relationships.school.data).toBeNull();
    expect(body.included).toEqual([expect.objectContaining({ type: 'Organization', id: '700001' })]);
  });
});

describe('unknown parameters and nested lists', () => {
  test('an unknown where key is ignored: where[updated_at] on addresses filters nothing (Address cannot be queried by it)', async () => {
    fake.store.seed({ people: 30 });
    const res = await get(fake, '/people/v2/addresses?where[updated_at][gte]=2099-01-01T00:00:00Z');
    expect(res.body.meta.total_count).toBe(30);
    expect(res.body.meta.can_query_by).not.toContain('updated_at');
    expect(res.body.meta.can_order_by).toContain('updated_at');
    await start({ unknownWhere: 'error' });
    expect((await get(fake, '/people/v2/addresses?where[updated_at][gte]=2099-01-01T00:00:00Z')).status).toBe(400);
  });

  test("a person's emails, households' people and memberships are listed under their parent, with meta.parent", async () => {
    fake.store.seed({ people: 6, households: 2, emailsPerPerson: 2 });
    const person = fake.store.ids('people')[1]!;
    const emails = (await get(fake, `/people/v2/people/${person}/emails`)).body;
    expect(emails.data).toHaveLength(2);
    expect(emails.data.every((e: any) => e.relationships.person.data.id === person)).toBe(true);
    expect(emails.meta.parent).toEqual({ id: person, type: 'Person' });
    expect(emails.links.self).toBe(`${fake.url}/people/v2/people/${person}/emails?offset=0&per_page=25`);
    const household = fake.store.ids('households')[0]!;
    const people = (await get(fake, `/people/v2/households/${household}/people`)).body;
    expect(people.data.map((p: any) => p.id)).toEqual(fake.store.ids('people').slice(0, 3));
    expect(people.meta.parent).toEqual({ id: household, type: 'Household' });
    expect(people.meta.can_filter).toEqual(expect.arrayContaining(['non_pending', 'without_deceased']));
    const memberships = (await get(fake, `/people/v2/households/${household}/household_memberships?include=person`)).body;
    expect(memberships.data).toHaveLength(3);
    expect(memberships.included.map((i: any) => i.type)).toEqual(['Person', 'Person', 'Person']);
    expect((await get(fake, '/people/v2/people/1/emails')).status).toBe(404);
    expect((await get(fake, '/people/v2/household_memberships')).status).toBe(404);
  });

  test('a single read carries can_include and parent; a household has its people and primary contact', async () => {
    fake.store.seed({ people: 4, households: 1 });
    const household = (await get(fake, `/people/v2/households/${fake.store.ids('households')[0]}`)).body;
    expect(household.meta).toEqual({ can_include: ['people'], parent: { id: '700001', type: 'Organization' } });
    expect(household.data.attributes).toMatchObject({ member_count: 4, primary_contact_id: fake.store.ids('people')[0] });
    expect(household.data.relationships.people.data).toHaveLength(4);
    expect(household.included).toEqual([]);
  });
});
