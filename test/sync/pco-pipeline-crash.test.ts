/**
 * A worker killed mid-run (Postgres only: the worker is a real subprocess, `node src/cli/main.ts worker`, and a
 * subprocess cannot share an embedded PGlite). The fake PCO, in this process on loopback, holds 5,000 people with
 * their households, addresses, emails and phone numbers; a pipeline pco → canonical runs every entity. The worker
 * is SIGKILLed once ≥ 20 person pages are checkpointed (people are 50 pages), a new worker takes the jobs over once
 * their leases expire, and the run succeeds with:
 *   (a) the person walk resumed at its checkpoint: no person list request repeated except the one in flight at the
 *       kill, which is exactly the keyset page after the checkpoint saved at the kill, and the second worker's first
 *       person request is that page (not the first page); likewise at most one repeated page for any other entity
 *       that was mid-walk (household, campus);
 *   (b) the canonical tables equal to the fake, record by record, no duplicates, every child with its person;
 *   (c) the person job's attempts: the first lost its lease (worker 1), the second succeeded (worker 2).
 */
import { resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { startFakePco, type FakePco } from '../../src/fakes/pco/index.ts';
import { formatPcoTime } from '../../src/connectors/pco/list.ts';
import type { EntityCursor } from '../../src/sync/manifest/source.ts';
import { TEST_DATABASE_URL, testBackends } from '../helpers/backends.ts';
import { testEngine, waitFor, type TestEngine } from '../helpers/engine.ts';
import { spawnInGroup, type Spawned } from '../helpers/processes.ts';
import { ALL_STREAMS, compareAll, fakeCounts, listPath, PERSON_CHILDREN, pcoPipeline, personRefs, waitForRun, type PcoEntityName } from './pco-pipeline-helpers.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const PEOPLE = 5_000;
const PAGE_SIZE = 100;
const KILL_AFTER_PAGES = 20;

/** The list request a keyset position makes: from `since` (or the provider's page token when walking a tie). */
function requestOf(pass: NonNullable<EntityCursor['pass']>): Record<string, string> {
  if (pass.page !== null) return Object.fromEntries(new URL(pass.page).searchParams);
  return { order: 'updated_at', per_page: String(PAGE_SIZE), 'where[updated_at][gte]': formatPcoTime(Date.parse(pass.since!)) };
}

// Never skipped silently: without Postgres in the backends this file says why and has no test to run.
if (testBackends().includes('pg')) {
  describe('pco pipeline: a worker killed mid-run (pg)', () => {
    let e: TestEngine;
    let fake: FakePco;
    const workers: Spawned[] = [];

    const startWorkerProcess = (): Spawned => {
      const w = spawnInGroup(process.execPath, ['src/cli/main.ts', 'worker'], {
        DATABASE_URL: TEST_DATABASE_URL,
        SYNCBRIDGE_SCHEMA: e.schema,
        SYNCBRIDGE_JOB_LEASE_SECONDS: '1.5',
        SYNCBRIDGE_WORKER_CONCURRENCY: '6',
        LOG_LEVEL: 'warn',
      }, ROOT);
      workers.push(w);
      return w;
    };
    const outputs = () => workers.map((w, i) => `--- worker ${i + 1} ---\n${w.output()}`).join('\n');

    beforeEach(async () => {
      fake = await startFakePco({ rateLimit: null, seed: 7 });
      fake.store.seed({ people: PEOPLE, campuses: 3, householdsRatio: 0.4, seed: 7 });
      e = await testEngine('pg', { runPollMs: 100 });
    });
    afterEach(async () => {
      for (const w of workers.splice(0)) await w.stop('SIGKILL');
      await fake.close();
      await e.close();
    });

    test(`SIGKILL after ${KILL_AFTER_PAGES} person pages: a new worker resumes from the checkpoint; no page read twice beyond the one in flight; the tables equal the fake`, async () => {
      const started = Date.now();
      const counts = fakeCounts(fake);
      const pipeline = await e.pipelines.create(pcoPipeline({ name: 'pco-crash', fake, source: { page_size: PAGE_SIZE } }));
      const { job: runJob } = await e.pipelines.start(pipeline.id, 'api');

      const first = startWorkerProcess();
      const runId = await waitFor('the run to fan out', async () => {
        if (first.child.exitCode !== null) throw new Error(`worker 1 exited early:\n${outputs()}`);
        return (await e.pipelines.runOfJob(runJob.id))?.id;
      }, 20_000);
      const personPages = async () => (await e.pipelines.run(runId)).streams.find((s) => s.stream === 'person');
      const pagesBefore = await waitFor(`${KILL_AFTER_PAGES} person pages checkpointed`, async () => {
        if (first.child.exitCode !== null) throw new Error(`worker 1 exited early:\n${outputs()}`);
        const s = await personPages();
        return s && s.pages >= KILL_AFTER_PAGES ? s.pages : undefined;
      }, 30_000, 5);
      await first.stop('SIGKILL');
      expect(first.child.signalCode).toBe('SIGKILL');
      const killedAt = fake.requests.length;

      // What the dead worker left: mid-pass checkpoints, and rows exactly as far as they go.
      const { rows: saved } = await e.db.query<{ stream: string; state: EntityCursor }>(`select stream, state from "${e.schema}".stream_states where pipeline_id = $1`, [pipeline.id]);
      const stateAtKill = Object.fromEntries(saved.map((r) => [r.stream, r.state]));
      const personAtKill = stateAtKill.person!;
      expect(personAtKill.cursor).toBeNull();
      expect(personAtKill.pass).not.toBeNull();
      const atKill = (await personPages())!;
      expect(atKill.pages).toBeGreaterThanOrEqual(pagesBefore);
      expect(atKill.pages).toBeLessThan(PEOPLE / PAGE_SIZE);
      const { rows: stored } = await e.db.query<{ n: number }>(`select count(*)::int as n from "${e.schema}".canonical_person`);
      expect(stored[0]!.n).toBe(Number(atKill.records));
      // Address, email and phone numbers wait for people: none of them had started.
      for (const entity of PERSON_CHILDREN) expect(fake.requests.slice(0, killedAt).some((r) => r.path === listPath(entity)), entity).toBe(false);

      startWorkerProcess();
      const run = await waitForRun(e, runJob.id, 45_000).catch((err: unknown) => {
        throw new Error(`${(err as Error).message}\n${outputs()}`);
      });
      expect(run.status, outputs()).toBe('succeeded');
      const detail = await e.pipelines.run(runId);
      // The run's totals count each record once: the second attempt added to what the first acknowledged.
      expect(Object.fromEntries(detail.streams.map((s) => [s.stream, [s.status, Number(s.records)]]))).toEqual(
        Object.fromEntries(ALL_STREAMS.map((s) => [s, ['succeeded', counts[s]]])),
      );

      // (a) Person list requests each once, but the one in flight at the kill: the page after the checkpoint.
      const repeatedOf = (entity: PcoEntityName) => {
        const seen = new Map<string, number>();
        for (const r of fake.requests.filter((q) => q.path === listPath(entity))) seen.set(JSON.stringify(r.query), (seen.get(JSON.stringify(r.query)) ?? 0) + 1);
        return [...seen].filter(([, n]) => n > 1).map(([q, n]) => ({ query: JSON.parse(q) as Record<string, string>, n }));
      };
      const inFlight = requestOf(personAtKill.pass!);
      const repeated = repeatedOf('person');
      expect(repeated.length, JSON.stringify(repeated)).toBeLessThanOrEqual(1);
      for (const r of repeated) expect(r).toEqual({ query: inFlight, n: 2 });
      const resumedWith = fake.requests.slice(killedAt).find((r) => r.path === listPath('person'));
      expect(resumedWith?.query).toEqual(inFlight);
      // The walk went on from there: it was not started again from the epoch.
      expect(fake.requests.slice(killedAt).filter((r) => r.path === listPath('person') && r.query['where[updated_at][gte]'] === '1970-01-01T00:00:00Z')).toEqual([]);
      // Other entities that were mid-walk at the kill resumed the same way: at most their page in flight again.
      for (const entity of ['campus', 'household'] as const) {
        const again = repeatedOf(entity);
        expect(again.length, `${entity}: ${JSON.stringify(again)}`).toBeLessThanOrEqual(1);
        const pass = stateAtKill[entity]?.pass;
        for (const r of again) expect(r, entity).toEqual({ query: pass ? requestOf(pass) : r.query, n: 2 });
      }
      expect(fake.requests.every((r) => r.status === 200)).toBe(true);

      // (b) The canonical tables equal the fake, record by record, no duplicates; every child has its person.
      const compared = await compareAll(e.db, e.schema, fake);
      for (const entity of ALL_STREAMS) expect(compared[entity], entity).toMatchObject({ problems: [], live: counts[entity], rows: counts[entity] });
      const refs = await personRefs(e.db, e.schema);
      for (const entity of PERSON_CHILDREN) expect(refs[entity], entity).toEqual({ rows: counts[entity], joined: counts[entity], right_person: counts[entity] });

      // (c) The person job: attempt 1 lost its lease with worker 1, attempt 2 succeeded on another worker.
      const personJob = await e.jobs.getWithAttempts(detail.streams.find((s) => s.stream === 'person')!.job_id!);
      expect(personJob.status).toBe('succeeded');
      expect(personJob.attempts.map((a) => [a.number, a.outcome])).toEqual([
        [1, 'lease_lost'],
        [2, 'succeeded'],
      ]);
      expect(personJob.attempts[1]!.worker_id).not.toBe(personJob.attempts[0]!.worker_id);

      expect(outputs()).not.toMatch(/"level":"(error|fatal)"/);
      const elapsed = Date.now() - started;
      console.info(`[pco-pipeline-crash] killed at ${atKill.pages} person pages; ${repeated.length} person page read twice; whole test ${elapsed} ms`);
      expect(elapsed).toBeLessThan(60_000);
    });
  });
} else {
  describe('pco pipeline: a worker killed mid-run', () => {
    test('needs Postgres (the worker is a subprocess); SYNCBRIDGE_TEST_BACKENDS leaves pg out', () => {
      expect(testBackends()).not.toContain('pg');
    });
  });
}
