/**
 * Planning Center webhooks end to end, on both backends: a pipeline pco → canonical with `webhook_secrets` is
 * backfilled; the app's real HTTP server receives the fake's signed deliveries at `/webhooks/pipelines/<name>`
 * (one subscription per People event name, as PCO has it, each with the configured secret). With no worker
 * running, people are changed in the fake — renamed, created with an address and an email, a child updated, an
 * address removed, a person removed with everything of theirs — and the deliveries are flushed newest first,
 * every one twice:
 *   - every delivery is answered 200; the inbox stores each once (the redeliveries find their first copy), each
 *     with its one job;
 *   - a forged signature (or none) is a 401 and stores nothing;
 *   - once a worker applies the backlog (one slot, or ten), the canonical rows equal the fake's current records —
 *     the removed ones flagged deleted — and every child refers to its stored person, those created in the same
 *     burst included, although their deliveries arrived before their person's: a child applied first is not
 *     dropped (as a run's read would drop it) but retried until its person is stored; no list was read.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createHttpApp } from '../../src/http/app.ts';
import { startHttpServer, type RunningServer } from '../../src/http/server.ts';
import { computeAuthenticity, EVENT_NAMES, startFakePco, type FakePco } from '../../src/fakes/pco/index.ts';
import { testBackends } from '../helpers/backends.ts';
import { testEngine, waitFor, type TestEngine } from '../helpers/engine.ts';
import { startWorker } from '../helpers/workers.ts';
import { ALL_STREAMS, compareAll, DERIVED_FIELDS, PCO_ENTITIES, PERSON_CHILDREN, pcoPipeline, personRefs, runToEnd } from './pco-pipeline-helpers.ts';

const PEOPLE = 60;
const WEBHOOK_SECRET = '8d1f0c5e3b7a9e2d4c6f8a0b1d3e5f7a9c0e2b4d6f8a1c3e5b7d9f0a2c4e6b8d';
const OTHER_SECRET = '0000000000000000000000000000000000000000000000000000000000000000';

describe.each(testBackends())('pco pipeline: webhooks (%s)', (backend) => {
  let e: TestEngine;
  let fake: FakePco;
  let server: RunningServer | undefined;

  beforeEach(async () => {
    fake = await startFakePco({ rateLimit: null, seed: 17 });
    fake.store.seed({ people: PEOPLE, campuses: 2, seed: 17 });
    // A quick backoff: a delivery whose person is not stored yet is retried (see below), and this keeps it short.
    e = await testEngine(backend, { runPollMs: 100, defaults: { backoff: { baseSeconds: 0.3, capSeconds: 2, jitter: 0 } } });
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
    await fake.close();
    await e.close();
  });

  /** Changes of every kind a People account sees between two syncs; returns the removed records by entity. */
  function makeChanges() {
    const people = fake.store.ids('people');
    for (const id of people.slice(3, 8)) fake.store.update('people', id, { last_name: `Moved-${id}` });
    // A newcomer, edited, then given an address and an email: its children's events come after all of its own,
    // so newest first they arrive — and, on one slot, are applied — before the newcomer is stored.
    const newcomer = fake.store.create('people', { first_name: 'Nova', last_name: 'Newcomer' }).id;
    fake.store.update('people', newcomer, { nickname: 'Nov' });
    fake.store.create('addresses', { person_id: newcomer, street_line_1: '1 New Street', city: 'Springfield', state: 'IL', zip: '62701', location: 'Home' });
    fake.store.create('emails', { person_id: newcomer, address: 'nova@example.com', location: 'Home' });
    const someone = people[12]!;
    fake.store.update('emails', fake.store.data.tables.emails.byRef('person', Number(someone))[0]!.id, { address: 'changed@example.com' });
    fake.store.update('phone_numbers', fake.store.data.tables.phone_numbers.byRef('person', Number(someone))[0]!.id, { number: '(555) 867-5309' });
    const removedAddress = String(fake.store.data.tables.addresses.byRef('person', Number(people[20]))[0]!.id);
    fake.store.delete('addresses', removedAddress);
    // Someone leaves: each of their records removed (each with its event), then the person.
    const leaving = people[30]!;
    const gone: Record<string, string[]> = { person: [leaving], address: [removedAddress], email: [], phone_number: [] };
    for (const child of PERSON_CHILDREN) {
      for (const row of fake.store.data.tables[PCO_ENTITIES[child].type].byRef('person', Number(leaving))) {
        fake.store.delete(PCO_ENTITIES[child].type, row.id);
        gone[child]!.push(String(row.id));
      }
    }
    fake.store.delete('people', leaving);
    return { newcomer, gone };
  }

  async function scenario(concurrency: number) {
    const pipeline = await e.pipelines.create(pcoPipeline({ name: 'pco-hooks', fake, source: { webhook_secrets: [OTHER_SECRET, WEBHOOK_SECRET] } }));
    const backfiller = await startWorker(e, { handlers: {} });
    expect((await runToEnd(e, 'pco-hooks')).status).toBe('succeeded');
    // No worker while the deliveries arrive: each must be committed by the HTTP answer alone.
    await backfiller.stop(0);
    const backfilled = await compareAll(e.db, e.schema, fake);
    for (const entity of ALL_STREAMS) expect(backfilled[entity]!.problems, entity).toEqual([]);

    server = await startHttpServer(createHttpApp({ db: e.db, jobs: e.jobs, jobTypes: ['noop'], pipelines: e.pipelines }), { host: '127.0.0.1', port: 0, apiToken: undefined });
    const url = `${server.url}/webhooks/pipelines/pco-hooks`;
    fake.webhooks.subscribe(url, EVENT_NAMES, { secret: WEBHOOK_SECRET });
    const requestsBefore = fake.requests.length;
    const { newcomer, gone } = makeChanges();
    const pending = fake.webhooks.pending.length;
    expect(pending).toBeGreaterThanOrEqual(15);

    // Newest first, every delivery twice.
    const sent = await fake.webhooks.flush({ order: 'reverse', duplicates: 1 });
    expect(sent).toHaveLength(pending * 2);
    expect(sent.filter((d) => d.status !== 200).map((d) => [d.name, d.status, d.error])).toEqual([]);
    const firsts = sent.filter((d) => !d.duplicate).map((d) => d.id);

    // Stored once each, in the order they first arrived, each with its one job.
    const stored = async () =>
      (await e.db.query<{ delivery_id: string; job_id: number | null; event_type: string }>(
        `select delivery_id, job_id, event_type from "${e.schema}".webhook_deliveries where endpoint = $1 order by id`,
        [`pipeline:${pipeline.id}`],
      )).rows;
    const inbox = await stored();
    expect(inbox.map((r) => r.delivery_id)).toEqual(firsts);
    expect(inbox.every((r) => r.job_id !== null)).toBe(true);
    const { rows: hookJobs } = await e.db.query<{ n: number }>(`select count(*)::int as n from "${e.schema}".jobs where job_type = 'pipeline_webhook'`);
    expect(hookJobs[0]!.n).toBe(pending);

    // A forged signature, or none, is refused and stores nothing.
    const body = sent[0]!.body;
    for (const signature of [computeAuthenticity(body, 'not-the-secret'), undefined]) {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(signature ? { 'x-pco-webhooks-authenticity': signature } : {}) }, body: body.replace(sent[0]!.id, 'forged-delivery-id') });
      expect(res.status).toBe(401);
    }
    expect(await stored()).toHaveLength(pending);

    // A worker now applies the backlog, as after any downtime.
    await startWorker(e, { handlers: {}, concurrency });
    await waitFor('every webhook job to finish', async () => {
      const jobs = await Promise.all(inbox.map((r) => e.jobs.get(r.job_id!)));
      return jobs.every((j) => j && !['pending', 'running'].includes(j.status)) && jobs;
    }, 30_000);
    const jobs = await Promise.all(inbox.map((r) => e.jobs.getWithAttempts(r.job_id!)));
    expect(jobs.filter((j) => j.status !== 'succeeded').map((j) => [j.id, j.status, j.last_error])).toEqual([]);
    // A child applied before its person's delivery did not drop the change nor wait for it: the sink fetched
    // the missing person from PCO and stored it first, so no job needed a retry (MissingReference is only the
    // fallback for a parent PCO no longer has). Newest first on one slot, that order is certain to occur.
    const retried = jobs.filter((j) => j.attempts.some((a) => a.error_class === 'MissingReference'));
    expect(retried.map((j) => j.id)).toEqual([]);
    for (const j of retried) expect(j.attempts.at(-1)!.outcome).toBe('succeeded');
    // Only single records were read again (GET /people/v2/<type>/<id>), no list.
    const reads = fake.requests.slice(requestsBefore);
    expect(reads.filter((r) => !/^\/people\/v2\/[a-z_]+\/\d+$/.test(r.path)).map((r) => `${r.method} ${r.path}`)).toEqual([]);
    const { rows: runs } = await e.db.query<{ n: number }>(`select count(*)::int as n from "${e.schema}".pipeline_runs where pipeline_id = $1`, [pipeline.id]);
    expect(runs[0]!.n).toBe(1);

    // The canonical rows equal the fake's current records; removed ones flagged deleted, exactly those.
    const compared = await compareAll(e.db, e.schema, fake, ALL_STREAMS, 'flagged', DERIVED_FIELDS);
    for (const entity of ALL_STREAMS) expect(compared[entity]!.problems, entity).toEqual([]);
    for (const [entity, ids] of Object.entries(gone)) {
      const { rows } = await e.db.query<{ external_id: string }>(`select external_id from "${e.schema}".canonical_${entity} where deleted_at is not null order by external_id`);
      expect(rows.map((r) => r.external_id), entity).toEqual([...ids].sort());
    }
    // The newcomer's children were delivered (and applied) before the newcomer: they are stored all the same.
    const { rows: newcomerChildren } = await e.db.query<{ n: number }>(
      `select (select count(*) from "${e.schema}".canonical_address a join "${e.schema}".canonical_person p on p.id = a.person_id where p.external_id = $1)::int
            + (select count(*) from "${e.schema}".canonical_email m join "${e.schema}".canonical_person p on p.id = m.person_id where p.external_id = $1)::int as n`,
      [newcomer],
    );
    expect(newcomerChildren[0]!.n).toBe(2);
    const refs = await personRefs(e.db, e.schema);
    for (const entity of PERSON_CHILDREN) expect(refs[entity]!.joined, entity).toBe(refs[entity]!.rows);
  }

  test('deliveries newest first, each twice, applied on one slot: stored once, canonical rows equal the fake', async () => {
    await scenario(1);
  });

  test('deliveries newest first, each twice, applied on ten slots: stored once, canonical rows equal the fake', async () => {
    await scenario(10);
  });
});
