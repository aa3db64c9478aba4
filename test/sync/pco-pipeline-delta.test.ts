/**
 * Keeping Planning Center current without webhooks, on both backends, with the fake's clock in the test's hands:
 *   - delta: after a first run, 40 people are updated in one second (more than a page: pages are 25 here), 3 are
 *     created and 3 deleted; the next incremental run starts from the last cursor less the overlap (not from the
 *     epoch), walks the tie group across the page boundary with PCO's page token, reads exactly the records at or
 *     after that point, and leaves every live record equal to the fake — deletions are not visible to a delta, so
 *     the deleted ones simply stay (and a household's derived `primary_contact_name`, which changes without its
 *     updated_at moving, is the one attribute a delta cannot refresh);
 *   - an address created with its person after the person walk finished is stored in that same run: the
 *     canonical sink fetches the missing person first, so the address cursor moving past it loses nothing;
 *   - reconciliation: a pipeline in mode `reconcile` over the same entities; a pass whose person walk fails midway
 *     (500s after its second page, no retries) marks nothing deleted anywhere; a complete pass then marks exactly
 *     the records gone from the fake — the 3 people and the addresses, emails and phone numbers PCO removed with
 *     them without an event — and nothing else.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { startFakePco, type FakePco, type FaultDecision } from '../../src/fakes/pco/index.ts';
import { formatPcoTime } from '../../src/connectors/pco/list.ts';
import type { EntityCursor } from '../../src/sync/manifest/source.ts';
import { testBackends } from '../helpers/backends.ts';
import { testEngine, type TestEngine } from '../helpers/engine.ts';
import { startWorker } from '../helpers/workers.ts';
import { ALL_STREAMS, compareAll, DERIVED_FIELDS, fakeCounts, listPath, PCO_ENTITIES, PERSON_CHILDREN, pcoPipeline, personRefs, runToEnd, type PcoEntityName } from './pco-pipeline-helpers.ts';

const PEOPLE = 200;
const PAGE_SIZE = 25;
const T0 = Date.parse('2026-03-02T18:00:00Z');

describe.each(testBackends())('pco pipeline: delta and reconciliation (%s)', (backend) => {
  let e: TestEngine;
  let fake: FakePco;
  let clock = T0;

  beforeEach(async () => {
    clock = T0;
    fake = await startFakePco({ rateLimit: null, now: () => clock, seed: 13 });
    fake.store.seed({ people: PEOPLE, campuses: 3, householdsRatio: 0.4, seed: 13 });
    // Stream jobs are not retried: a failed pass stays failed (the reconciliation test needs that).
    e = await testEngine(backend, { runPollMs: 100, defaults: { maxRetries: 0 } });
  });
  afterEach(async () => {
    await fake.close();
    await e.close();
  });

  /** The changes between two syncs: 40 people renamed in one second, 3 created (one with an address), 3 deleted. */
  function change() {
    const people = fake.store.ids('people');
    const at = clock + 60_000;
    clock = at + 5_000;
    const renamed = people.slice(10, 50);
    for (const id of renamed) fake.store.update('people', id, { first_name: `Renamed ${id}` }, { at });
    const created = ['Nova', 'Orin', 'Pia'].map((first_name) => fake.store.create('people', { first_name, last_name: 'Newcomer' }, { at }).id);
    fake.store.create('addresses', { person_id: created[0], street_line_1: '1 New Street', city: 'Springfield', state: 'IL', zip: '62701', location: 'Home' }, { at });
    const deleted = people.slice(100, 103);
    // The children go with them, silently (no event): only a full pass can tell.
    const gone: Record<PcoEntityName, string[]> = { campus: [], person: deleted, household: [], address: [], email: [], phone_number: [] };
    for (const child of PERSON_CHILDREN) {
      gone[child] = deleted.flatMap((p) => fake.store.data.tables[PCO_ENTITIES[child].type].byRef('person', Number(p)).map((r) => String(r.id)));
    }
    for (const id of deleted) fake.store.delete('people', id, { at });
    return { at, renamed, created, deleted, gone };
  }

  test('delta: the next run reads only what changed since the cursor, a tie group longer than a page included', async () => {
    await e.pipelines.create(pcoPipeline({ name: 'pco-delta', fake, source: { page_size: PAGE_SIZE } }));
    await startWorker(e, { handlers: {}, concurrency: 6 });
    expect((await runToEnd(e, 'pco-delta')).status).toBe('succeeded');
    const first = await compareAll(e.db, e.schema, fake);
    for (const entity of ALL_STREAMS) expect(first[entity]!.problems, entity).toEqual([]);
    const { rows: states } = await e.db.query<{ stream: string; state: EntityCursor }>(`select stream, state from "${e.schema}".stream_states`);
    const personState = states.find((s) => s.stream === 'person')!.state;
    expect(personState.pass).toBeNull();
    const cursor = Date.parse(personState.cursor!);
    // The cursor is the newest updated_at of the people read.
    expect(cursor).toBe(Math.max(...fake.store.ids('people').map((id) => fake.store.row('people', id)!.updatedAt)));

    const c = change();
    const before = fake.requests.length;
    const run = await runToEnd(e, 'pco-delta');
    expect(run.status).toBe('succeeded');
    const detail = await e.pipelines.run(run.id);
    const personRequests = fake.requests.slice(before).filter((r) => r.path === listPath('person'));
    // From the cursor less the 1 s overlap, not from the epoch.
    expect(personRequests[0]!.query).toEqual({ order: 'updated_at', per_page: String(PAGE_SIZE), 'where[updated_at][gte]': formatPcoTime(cursor - 1_000) });
    // The 43 records of one second span two pages: the second was read with PCO's token (an offset in that second).
    const tieSecond = formatPcoTime(c.at);
    expect(personRequests.some((r) => r.query['where[updated_at][gte]'] === tieSecond && r.query.offset === String(PAGE_SIZE))).toBe(true);
    // Exactly the people at or after that point: the overlap's few and the 43 changed, each once.
    const expected = fake.store.ids('people').filter((id) => fake.store.row('people', id)!.updatedAt >= cursor - 1_000);
    expect(expected.length).toBeGreaterThanOrEqual(43);
    expect(Number(detail.streams.find((s) => s.stream === 'person')!.records)).toBe(expected.length);

    // Every live record equals the fake; the renamed ones across the page boundary all arrived.
    const { rows: renamed } = await e.db.query<{ external_id: string; first_name: string }>(
      `select external_id, first_name from "${e.schema}".canonical_person where external_id = any($1::text[]) order by external_id::int`,
      [c.renamed],
    );
    expect(renamed.map((r) => r.first_name)).toEqual(c.renamed.map((id) => `Renamed ${id}`));
    // A household's primary_contact_name is derived from its contact: renaming the contact does not move the
    // household's updated_at, so no delta can see it (a known limit of deltas, not of the engine); left out here.
    const second = await compareAll(e.db, e.schema, fake, ALL_STREAMS, 'any', DERIVED_FIELDS);
    for (const entity of ALL_STREAMS) expect(second[entity]!.problems, entity).toEqual([]);
    expect(second.person).toMatchObject({ live: PEOPLE, rows: PEOPLE + 3, deleted: 0 });
    const { rows: newcomer } = await e.db.query<{ n: number }>(
      `select count(*)::int as n from "${e.schema}".canonical_address a join "${e.schema}".canonical_person p on p.id = a.person_id where p.external_id = $1`,
      [c.created[0]],
    );
    expect(newcomer[0]!.n).toBe(1);
    const refs = await personRefs(e.db, e.schema);
    for (const entity of PERSON_CHILDREN) expect(refs[entity]!.joined, entity).toBe(refs[entity]!.rows);
  });

  // An address created with its person after the person walk had finished: its person is not stored when the
  // address page is written, and the address cursor moves past it in this run. The canonical sink therefore fetches
  // the missing person from PCO and stores it first (beforeWrite), so the address is written in the same run and no
  // later delta has to find it again.
  test('delta: an address created with its person after the person walk had finished is stored in that run, its person fetched first', async () => {
    await e.pipelines.create(pcoPipeline({ name: 'pco-late', fake, source: { page_size: PAGE_SIZE } }));
    await startWorker(e, { handlers: {}, concurrency: 6 });
    // When the first run's address walk starts (people are done by then: a hard dependency), a newcomer and their
    // address are created, and an existing address is edited 10 s later — all before that first page is served.
    const decide = fake.faults.decide.bind(fake.faults);
    let late: { person: string; address: string } | undefined;
    fake.faults.decide = (method: string, path: string): FaultDecision | null => {
      if (!late && path === listPath('address')) {
        const at = clock + 60_000;
        const person = fake.store.create('people', { first_name: 'Lata', last_name: 'Comer' }, { at }).id;
        const address = fake.store.create('addresses', { person_id: person, street_line_1: '9 Late Lane', city: 'Austin', state: 'TX', zip: '78701', location: 'Home' }, { at }).id;
        fake.store.update('addresses', fake.store.ids('addresses')[0]!, { city: 'Edited Later' }, { at: at + 10_000 });
        clock = at + 20_000;
        late = { person, address };
      }
      return decide(method, path);
    };
    expect((await runToEnd(e, 'pco-late')).status).toBe('succeeded');
    expect(late).toBeDefined();
    // The first run stored the address, with its person fetched on demand (the person walk had already finished).
    const { rows: afterFirst } = await e.db.query<{ n: number }>(`select count(*)::int as n from "${e.schema}".canonical_address where external_id = $1`, [late!.address]);
    expect(afterFirst[0]!.n).toBe(1);
    expect(fake.requests.some((r) => r.method === 'GET' && r.path === `/people/v2/people/${late!.person}`)).toBe(true);

    // The next incremental run changes nothing of that, and everything matches the fake.
    expect((await runToEnd(e, 'pco-late')).status).toBe('succeeded');
    const { rows: person } = await e.db.query<{ n: number }>(`select count(*)::int as n from "${e.schema}".canonical_person where external_id = $1`, [late!.person]);
    expect(person[0]!.n).toBe(1);
    const compared = await compareAll(e.db, e.schema, fake, ALL_STREAMS, 'none', DERIVED_FIELDS);
    expect(compared.address!.problems).toEqual([]);
  });

  test('reconciliation: a pass failing midway marks nothing; a complete pass marks exactly what is gone upstream', async () => {
    await e.pipelines.create(pcoPipeline({ name: 'pco-sync', fake, source: { page_size: PAGE_SIZE } }));
    await e.pipelines.create(pcoPipeline({ name: 'pco-reconcile', fake, mode: 'reconcile', source: { page_size: PAGE_SIZE, max_retries: 0 } }));
    await startWorker(e, { handlers: {}, concurrency: 6 });
    expect((await runToEnd(e, 'pco-sync')).status).toBe('succeeded');
    const c = change();
    expect((await runToEnd(e, 'pco-sync')).status).toBe('succeeded');
    const deletedCount = async () => {
      const out: Record<string, number> = {};
      for (const entity of ALL_STREAMS) {
        const { rows } = await e.db.query<{ n: number }>(`select count(*)::int as n from "${e.schema}".canonical_${PCO_ENTITIES[entity].model} where deleted_at is not null`);
        out[entity] = rows[0]!.n;
      }
      return out;
    };
    const none = Object.fromEntries(ALL_STREAMS.map((s) => [s, 0]));
    expect(await deletedCount()).toEqual(none);

    // A pass that fails midway: the person list answers 500 from its third request on, and nothing retries it.
    const decide = fake.faults.decide.bind(fake.faults);
    let personLists = 0;
    fake.faults.decide = (method: string, path: string): FaultDecision | null => {
      const decision = decide(method, path);
      if (path === listPath('person') && ++personLists > 2) return { kind: 'server_error', status: 500 };
      return decision;
    };
    const failed = await runToEnd(e, 'pco-reconcile');
    expect(failed.status).toBe('partial');
    const failedDetail = await e.pipelines.run(failed.id);
    const outcome = Object.fromEntries(failedDetail.streams.map((s) => [s.stream, s.job_status]));
    expect(outcome).toEqual({ campus: 'succeeded', household: 'succeeded', person: 'dead', address: 'cancelled', email: 'cancelled', phone_number: 'cancelled' });
    expect(Number(failedDetail.streams.find((s) => s.stream === 'person')!.pages)).toBe(2);
    expect(await deletedCount()).toEqual(none);

    // A complete pass marks exactly what the fake no longer has, the silently removed children included.
    fake.faults.decide = decide;
    const complete = await runToEnd(e, 'pco-reconcile');
    expect(complete.status).toBe('succeeded');
    expect(await deletedCount()).toEqual(Object.fromEntries(ALL_STREAMS.map((s) => [s, c.gone[s].length])));
    for (const child of PERSON_CHILDREN) expect(c.gone[child].length, child).toBeGreaterThan(0);
    for (const entity of ALL_STREAMS) {
      const { rows } = await e.db.query<{ external_id: string }>(`select external_id from "${e.schema}".canonical_${PCO_ENTITIES[entity].model} where deleted_at is not null order by external_id::int`);
      expect(rows.map((r) => r.external_id), entity).toEqual([...c.gone[entity]].sort((a, b) => Number(a) - Number(b)));
    }
    const compared = await compareAll(e.db, e.schema, fake, ALL_STREAMS, 'flagged');
    for (const entity of ALL_STREAMS) expect(compared[entity]!.problems, entity).toEqual([]);
    expect(compared.person).toMatchObject({ live: PEOPLE, rows: PEOPLE + 3, deleted: 3 });
    expect(fakeCounts(fake).person).toBe(PEOPLE);
  });
});
