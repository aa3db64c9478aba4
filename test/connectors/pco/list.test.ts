/**
 * listPage against the fake PCO over real HTTP: full walks by links.next, deltas by where[updated_at] in
 * updated_at order (ties across a page boundary included), Address deltas sought by order=updated_at, the headers
 * every request carries, and page tokens that are refused before anything is sent.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { FakePco, ResourceType } from '../../../src/fakes/pco/index.ts';
import { pcoAdapter, pcoManifest, type PcoEntity } from '../../../src/connectors/pco/index.ts';
import { configFor, countingContext, keysetWalk, startFake, walk } from './helpers.ts';

const START = Date.UTC(2026, 0, 15, 12, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const FAKE_TYPE: Record<PcoEntity, ResourceType> = { campus: 'campuses', person: 'people', household: 'households', address: 'addresses', email: 'emails', phone_number: 'phone_numbers' };

let fake: FakePco;
let clock: number;
beforeEach(async () => {
  clock = START;
  fake = await startFake({ now: () => clock });
});
afterEach(() => fake.close());

/** The store's ids of `type` updated at or after `since`, in (updated_at, id) order. */
function changedSince(type: ResourceType, since: number): string[] {
  return fake.store
    .ids(type)
    .map((id) => fake.store.row(type, id)!)
    .filter((r) => r.updatedAt >= since)
    .sort((a, b) => a.updatedAt - b.updatedAt || a.id - b.id)
    .map((r) => String(r.id));
}

describe('full reads', () => {
  test('links.next walks every person exactly once, in pages of page_size, in id order', async () => {
    fake.store.seed({ people: 237, seed: 3 });
    const ctx = countingContext();
    const { pages, records } = await walk(configFor(fake), 'person', { ctx });
    expect(records.map((r) => r.id)).toEqual(fake.store.ids('people'));
    expect(pages.map((p) => p.records.length)).toEqual([100, 100, 37]);
    expect(pages.at(-1)!.next).toBeNull();
    // The first page is built, the others are PCO's links.next as given.
    expect(fake.requests.map((r) => r.query)).toEqual([
      { per_page: '100' },
      { offset: '100', per_page: '100' },
      { offset: '200', per_page: '100' },
    ]);
    expect(pages[0]!.next).toBe(`${fake.url}/people/v2/people?offset=100&per_page=100`);
    expect(ctx.acquired).toBe(3);
  });

  test('every request carries the pinned version and the credentials, and the fake runs it as that version', async () => {
    fake.store.seed({ people: 3 });
    await walk(configFor(fake), 'person');
    await walk(configFor(fake, { api_version: '2024-01-01' }), 'person');
    expect(fake.requests.map((r) => [r.api_version, r.processed_as, r.auth_method, r.credential])).toEqual([
      ['2025-11-10', '2025-11-10', 'basic', 'app-id'],
      ['2024-01-01', '2023-03-21', 'basic', 'app-id'],
    ]);
  });

  test('an OAuth access token is sent as Bearer', async () => {
    await fake.close();
    fake = await startFake({ now: () => clock, tokens: ['oauth-token'] });
    fake.store.seed({ people: 2 });
    const config = configFor(fake, { application_id: undefined, secret: undefined, access_token: 'oauth-token' });
    expect((await walk(config, 'person')).records).toHaveLength(2);
    expect(fake.requests[0]).toMatchObject({ auth_method: 'bearer', status: 200 });
  });

  test('the engine page size is capped by page_size and by PCO’s 100', async () => {
    fake.store.seed({ people: 30 });
    expect((await walk(configFor(fake, { page_size: 8 }), 'person', { pageSize: 50 })).pages.map((p) => p.records.length)).toEqual([8, 8, 8, 6]);
    expect((await walk(configFor(fake, { page_size: 100 }), 'person', { pageSize: 12 })).pages.map((p) => p.records.length)).toEqual([12, 12, 6]);
    fake.requests.length = 0;
    await walk(configFor(fake), 'person', { pageSize: 500 });
    expect(fake.requests[0]!.query.per_page).toBe('100');
  });

  test.each(Object.keys(FAKE_TYPE) as PcoEntity[])('every %s is listed once, and each record passes the entity schema', async (entity) => {
    fake.store.seed({ people: 120, campuses: 3, households: 40, addressesPerPerson: 1.5, emailsPerPerson: 1, phonesPerPerson: 0.5 });
    const { records } = await walk(configFor(fake), entity, { pageSize: 50 });
    expect(records.map((r) => r.id)).toEqual(fake.store.ids(FAKE_TYPE[entity]));
    const schema = pcoManifest.entities[entity].schema;
    for (const record of records) expect(schema.safeParse(record).success, JSON.stringify(record)).toBe(true);
  });
});

describe('deltas', () => {
  test('since asks for where[updated_at][gte] in updated_at order and gets exactly the changed people', async () => {
    fake.store.seed({ people: 150, endsAt: START - 86_400_000, spanDays: 30, seed: 5 });
    const ids = fake.store.ids('people');
    const since = START - 10 * 86_400_000;
    for (const [i, id] of ids.filter((_, i) => i % 7 === 0).entries()) fake.store.update('people', id, { nickname: `n${i}` }, { at: START + (i % 5) * 60_000 });
    const expected = changedSince('people', since);
    expect(expected.length).toBeGreaterThan(25);
    const { records } = await walk(configFor(fake), 'person', { since: iso(since), pageSize: 10 });
    expect(records.map((r) => r.id)).toEqual(expected);
    expect(fake.requests[0]!.query).toEqual({ order: 'updated_at', per_page: '10', 'where[updated_at][gte]': iso(since) });
    // Ascending: a checkpoint after any page is a safe cursor.
    const times = records.map((r) => Date.parse(r.updated_at as string));
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  test('many people sharing one updated_at across page boundaries come once each, ties in id order', async () => {
    fake.store.seed({ people: 20, endsAt: START - 86_400_000, spanDays: 10 });
    // A frozen clock: all thirty share one second.
    const tied = Array.from({ length: 30 }, (_, i) => fake.store.create('people', { first_name: `T${i}` }).id);
    clock = START + 60_000;
    const later = fake.store.create('people', { first_name: 'Later' }).id;
    const { pages, records } = await walk(configFor(fake), 'person', { since: iso(START), pageSize: 7 });
    expect(records.map((r) => r.id)).toEqual([...tied, later]);
    expect(pages.map((p) => p.records.length)).toEqual([7, 7, 7, 7, 3]);
    // The same second as the cursor again (the engine's overlap): gte keeps every tie.
    expect((await walk(configFor(fake), 'person', { since: iso(START + 999), pageSize: 7 })).records.map((r) => r.id)).toEqual([...tied, later]);
  });

  test.each(['campus', 'household', 'email', 'phone_number'] as const)('%s deltas filter by where[updated_at][gte] too', async (entity) => {
    fake.store.seed({ people: 40, campuses: 4, households: 10, endsAt: START - 86_400_000, spanDays: 30 });
    const type = FAKE_TYPE[entity];
    const touched = fake.store.ids(type).filter((_, i) => i % 3 === 0);
    fake.store.touch(type, touched, { at: START });
    const { records } = await walk(configFor(fake), entity, { since: iso(START), pageSize: 5 });
    expect(records.map((r) => r.id)).toEqual(changedSince(type, START));
    expect(fake.requests.every((r) => r.query['where[updated_at][gte]'] === iso(START))).toBe(true);
  });

  test('a since that is not a time is refused before any request', async () => {
    await expect(walk(configFor(fake), 'person', { since: 'yesterday' })).rejects.toMatchObject({ code: 'validation_error' });
    expect(fake.requests).toHaveLength(0);
  });
});

describe('address deltas (no where[updated_at] on Address)', () => {
  beforeEach(() => {
    fake.store.seed({ people: 600, addressesPerPerson: 1.5, endsAt: START - 86_400_000, spanDays: 300, seed: 9 });
  });

  test('the first page is sought by order=updated_at; the walk returns exactly the changed addresses, ascending', async () => {
    const ids = fake.store.ids('addresses');
    expect(ids.length).toBe(900);
    const since = START - 40 * 86_400_000;
    fake.store.touch('addresses', ids.filter((_, i) => i % 50 === 0), { at: START });
    const expected = changedSince('addresses', since);
    expect(expected.length).toBeGreaterThan(100);
    const ctx = countingContext();
    const { pages, records } = await walk(configFor(fake), 'address', { since: iso(since), pageSize: 50, ctx });
    expect(records.map((r) => r.id)).toEqual(expected);
    expect(fake.requests.every((r) => r.query.order === 'updated_at' && !('where[updated_at][gte]' in r.query))).toBe(true);
    // A binary search over 18 pages costs at most 1 + ceil(log2 18) probes before the walk goes on by links.next.
    const probes = fake.requests.length - (pages.length - 1);
    expect(probes).toBeLessThanOrEqual(1 + Math.ceil(Math.log2(18)));
    expect(ctx.acquired).toBe(fake.requests.length);
  });

  test('a since older than every address returns them all; one newer than all returns an empty last page', async () => {
    const all = await walk(configFor(fake), 'address', { since: '2000-01-01T00:00:00Z' });
    expect(all.records.map((r) => r.id)).toEqual(changedSince('addresses', 0));
    const none = await walk(configFor(fake), 'address', { since: iso(START + 86_400_000) });
    expect(none.pages).toEqual([{ records: [], next: null }]);
  });

  test('addresses sharing the cursor second across page boundaries are all returned', async () => {
    const ids = fake.store.ids('addresses');
    const tied = ids.filter((_, i) => i % 9 === 4);
    fake.store.touch('addresses', tied, { at: START });
    const { records } = await walk(configFor(fake), 'address', { since: iso(START), pageSize: 25 });
    expect(records.map((r) => r.id)).toEqual(tied);
  });

  test('any page, not only the sought one, drops rows older than since', async () => {
    const since = START - 40 * 86_400_000;
    // A token for the very start of order=updated_at: all of it is older than since.
    const page = `${fake.url}/people/v2/addresses?offset=0&order=updated_at&per_page=20`;
    const result = await pcoAdapter.listPage({ config: configFor(fake), entity: 'address', page, since: iso(since), pageSize: 20, ...countingContext() });
    expect(result.records).toEqual([]);
    expect(result.next).toBe(`${fake.url}/people/v2/addresses?offset=20&order=updated_at&per_page=20`);
  });
});

describe('the engine’s keyset walk (each page asks again from the newest updated_at seen)', () => {
  test('people: one where[updated_at][gte] request per page, every person once', async () => {
    fake.store.seed({ people: 430, tieEvery: 3, endsAt: START - 86_400_000, spanDays: 100 });
    const ids = await keysetWalk(configFor(fake), 'person', { since: '1970-01-01T00:00:00Z', pageSize: 50 });
    expect(ids).toEqual(changedSince('people', 0));
    expect(fake.requests.length).toBeLessThanOrEqual(Math.ceil(430 / 50) + 2);
  });

  test('addresses: after the first search each page is one request, at the offset the previous page ended', async () => {
    fake.store.seed({ people: 800, addressesPerPerson: 1.25, tieEvery: 3, endsAt: START - 86_400_000, spanDays: 100 });
    const ctx = countingContext();
    const ids = await keysetWalk(configFor(fake), 'address', { since: '1970-01-01T00:00:00Z', pageSize: 50, ctx });
    expect(ids).toEqual(changedSince('addresses', 0));
    // 1000 addresses in pages of 50: 20 pages, a few more for ties ending a page; no search per page.
    expect(fake.requests.length).toBeLessThanOrEqual(20 + 5);
    expect(ctx.acquired).toBe(fake.requests.length);
  });

  test('addresses: an older row changing between pages shifts the offsets; the remembered offset’s slack absorbs it', async () => {
    fake.store.seed({ people: 400, addressesPerPerson: 1, endsAt: START - 86_400_000, spanDays: 100 });
    const all = fake.store.ids('addresses');
    let at = START;
    const ids = await keysetWalk(configFor(fake), 'address', {
      since: '1970-01-01T00:00:00Z',
      pageSize: 40,
      // After each page an address already read changes: it leaves its place and joins the end.
      afterPage: (n) => fake.store.touch('addresses', all[n * 3]!, { at: (at += 1000) }),
    });
    expect(new Set(ids)).toEqual(new Set(all));
    // Pages of 36 new rows (slack and the row at the cursor aside), one request each: no search after the first.
    expect(fake.requests.length).toBeLessThanOrEqual(Math.ceil(all.length / 36) + 2);
  });

  test('addresses: a shift beyond the slack fails the check, and the search finds the boundary again', async () => {
    fake.store.seed({ people: 400, addressesPerPerson: 1, endsAt: START - 86_400_000, spanDays: 100 });
    const all = fake.store.ids('addresses');
    let at = START;
    const ids = await keysetWalk(configFor(fake), 'address', {
      since: '1970-01-01T00:00:00Z',
      pageSize: 40,
      afterPage: (n) => {
        if (n === 2) fake.store.touch('addresses', all.slice(0, 30), { at: (at += 1000) });
      },
    });
    expect(new Set(ids)).toEqual(new Set(all));
    expect(fake.requests.some((r) => r.query.offset === '0' && fake.requests.indexOf(r) > 0)).toBe(true);
  });
});

describe('page tokens', () => {
  test('a token of another entity, a non-URL or another origin is refused without a request', async () => {
    const config = configFor(fake);
    const ctx = countingContext();
    const call = (page: string) => pcoAdapter.listPage({ config, entity: 'person', page, pageSize: 100, ...ctx });
    await expect(call(`${fake.url}/people/v2/emails?offset=100&per_page=100`)).rejects.toMatchObject({ code: 'validation_error' });
    await expect(call('offset=100')).rejects.toMatchObject({ code: 'validation_error' });
    await expect(call('https://evil.example/people/v2/people?offset=100')).rejects.toMatchObject({ code: 'validation_error' });
    expect(fake.requests).toHaveLength(0);
    expect(ctx.acquired).toBe(0);
  });
});
