/**
 * A Planning Center run end to end, on both backends: the fake PCO on loopback holds 5,000 people with their
 * households, addresses, emails and phone numbers; a pipeline pco → canonical (mode incremental, every entity)
 * runs under a worker and:
 *   - succeeds, every entity's stream with it;
 *   - leaves the canonical tables holding exactly the fake's records: per entity the same count, each record once,
 *     found by its derived id through external_links, `raw` equal to the record as the API renders it;
 *   - keeps the reference invariant: every address, email and phone number joins a stored person, the one its
 *     record names (no orphan);
 *   - ran the entities in dependency order: the person job finished before the address, email and phone number
 *     jobs started (job attempts), which were held by real job dependencies, and the fake saw no list request of
 *     those entities before the last one of people.
 * The fake's rate limiter is off and the config's shared limit high: this test is about the data, not the limit.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { startFakePco, type FakePco } from '../../src/fakes/pco/index.ts';
import { testBackends } from '../helpers/backends.ts';
import { testEngine, type TestEngine } from '../helpers/engine.ts';
import { startWorker } from '../helpers/workers.ts';
import { ALL_STREAMS, compareAll, fakeCounts, linkCounts, listPath, PERSON_CHILDREN, personRefs, pcoPipeline, runToEnd } from './pco-pipeline-helpers.ts';

const PEOPLE = 5_000;

describe.each(testBackends())('pco pipeline: a full run of 5,000 people (%s)', (backend) => {
  let e: TestEngine;
  let fake: FakePco;

  beforeEach(async () => {
    fake = await startFakePco({ rateLimit: null, seed: 3 });
    fake.store.seed({ people: PEOPLE, campuses: 4, householdsRatio: 0.4, addressesPerPerson: 1, emailsPerPerson: 1, phonesPerPerson: 1, seed: 3 });
    e = await testEngine(backend, { runPollMs: 100 });
  });
  afterEach(async () => {
    await fake.close();
    await e.close();
  });

  test('the canonical tables hold exactly the fake’s records, every child with its stored person, entities in dependency order', async () => {
    const counts = fakeCounts(fake);
    expect(counts.person).toBe(PEOPLE);
    expect(counts.household).toBeGreaterThan(1_000);
    expect(counts.address).toBe(PEOPLE);
    await e.pipelines.create(pcoPipeline({ name: 'pco-full', fake }));
    await startWorker(e, { handlers: {}, concurrency: 6 });

    const started = Date.now();
    const run = await runToEnd(e, 'pco-full', 50_000);
    const elapsed = Date.now() - started;
    expect(run.status).toBe('succeeded');
    const detail = await e.pipelines.run(run.id);
    expect(Object.fromEntries(detail.streams.map((s) => [s.stream, [s.status, s.job_status, Number(s.records)]]))).toEqual(
      Object.fromEntries(ALL_STREAMS.map((s) => [s, ['succeeded', 'succeeded', counts[s]]])),
    );

    // Exactly the fake's records, entity by entity, each once and through its external link.
    const compared = await compareAll(e.db, e.schema, fake);
    for (const entity of ALL_STREAMS) {
      expect(compared[entity], entity).toMatchObject({ problems: [], live: counts[entity], rows: counts[entity], deleted: 0 });
    }
    expect(await linkCounts(e.db, e.schema)).toEqual(counts);

    // Every child refers to a stored person: the one its record names.
    const refs = await personRefs(e.db, e.schema);
    for (const entity of PERSON_CHILDREN) expect(refs[entity], entity).toEqual({ rows: counts[entity], joined: counts[entity], right_person: counts[entity] });

    // Dependency order, by the jobs: the children were held by the person job and started after it finished.
    const jobOf = Object.fromEntries(detail.streams.map((s) => [s.stream, s.job_id!]));
    const person = await e.jobs.getWithAttempts(jobOf.person!);
    const personDone = Math.max(...person.attempts.map((a) => a.finished_at.getTime()));
    for (const entity of PERSON_CHILDREN) {
      const child = await e.jobs.getWithAttempts(jobOf[entity]!);
      expect(child.depends_on.map((d) => d.id), entity).toEqual([jobOf.person]);
      const firstStart = Math.min(...child.attempts.map((a) => a.started_at.getTime()));
      expect(firstStart, `${entity} started before person finished`).toBeGreaterThanOrEqual(personDone);
    }
    // …and by the fake's log: no list request of a child before the last one of people.
    const paths = fake.requests.map((r) => r.path);
    const lastPerson = paths.lastIndexOf(listPath('person'));
    for (const entity of PERSON_CHILDREN) expect(paths.indexOf(listPath(entity)), entity).toBeGreaterThan(lastPerson);
    // Nothing failed on the way (no retries were needed), and paging was near one request per page.
    expect(fake.requests.filter((r) => r.status !== 200)).toEqual([]);
    const pages = Object.values(counts).reduce((n, c) => n + Math.ceil(c / 100), 0);
    expect(fake.requests.length).toBeLessThan(pages * 1.5 + 30);
    console.info(`[pco-pipeline ${backend}] ${Object.values(counts).reduce((a, b) => a + b, 0)} records in ${elapsed} ms, ${fake.requests.length} requests`);
  });
});
