/**
 * A worker killed mid-backfill (Postgres only: the worker is a real subprocess, `node src/cli/main.ts worker`,
 * and a subprocess cannot share an embedded PGlite). The fake Stripe, in this process on loopback, holds
 * 50,000 customers spread over a year; a pipeline writes them into the engine's own database, where each
 * page commits with its checkpoint. The worker is SIGKILLed after ≥ 150 pages, a new one takes the stream
 * over once the lease expires, and the run succeeds with:
 *   (a) no list request repeated, except the one page in flight at the kill (and its window's closing probe,
 *       when the kill fell there), which is exactly the page after the checkpoint saved at the kill;
 *   (b) the destination equal to the fake, row by row, 50,000 rows, no duplicates;
 *   (c) the stream job's attempts: the first lost its lease (worker 1), the second succeeded (worker 2).
 */
import { resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { startFakeStripe, type FakeStripe } from '../../src/fakes/stripe/index.ts';
import { TEST_DATABASE_URL, testBackends } from '../helpers/backends.ts';
import { testEngine, waitFor, type TestEngine } from '../helpers/engine.ts';
import { spawnInGroup, type Spawned } from '../helpers/processes.ts';
import { compareWithFake, stripePipeline, waitForRun } from './stripe-pipeline-helpers.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const RECORDS = 50_000;
const PAGE_SIZE = 100;
const KILL_AFTER_PAGES = 150;

interface BackfillState {
  phase: string;
  window: { gte: number; lt: number | null } | null;
  starting_after: string | null;
}

// Never skipped silently: without Postgres in the backends this file says why and has no test to run.
if (testBackends().includes('pg')) {
  describe('stripe pipeline: a worker killed mid-backfill (pg)', () => {
    let e: TestEngine;
    let fake: FakeStripe;
    let dest: string;
    const workers: Spawned[] = [];

    const startWorkerProcess = (): Spawned => {
      const w = spawnInGroup(process.execPath, ['src/cli/main.ts', 'worker'], {
        DATABASE_URL: TEST_DATABASE_URL,
        SYNCBRIDGE_SCHEMA: e.schema,
        SYNCBRIDGE_JOB_LEASE_SECONDS: '1.5',
        SYNCBRIDGE_WORKER_CONCURRENCY: '4',
        LOG_LEVEL: 'warn',
      }, ROOT);
      workers.push(w);
      return w;
    };
    const outputs = () => workers.map((w, i) => `--- worker ${i + 1} ---\n${w.output()}`).join('\n');

    beforeEach(async () => {
      fake = await startFakeStripe({ seed: 5 });
      fake.store.seed({ customers: RECORDS });
      e = await testEngine('pg', { runPollMs: 100 });
      dest = `${e.schema}_dest`;
    });
    afterEach(async () => {
      for (const w of workers.splice(0)) await w.stop('SIGKILL');
      await fake.close();
      await e.db.query(`drop schema if exists "${dest}" cascade`).catch(() => {});
      await e.close();
    });

    test('SIGKILL after 150 pages: a new worker resumes from the checkpoint; no page read twice beyond the one in flight; the table equals the fake', async () => {
      const started = Date.now();
      const pipeline = await e.pipelines.create(stripePipeline({ name: 'stripe-crash', fake, dest, streams: ['customers'], source: { page_size: PAGE_SIZE } }));
      const { job: runJob } = await e.pipelines.start(pipeline.id, 'api');

      const first = startWorkerProcess();
      const runId = await waitFor('the run to fan out', async () => {
        if (first.child.exitCode !== null) throw new Error(`worker 1 exited early:\n${outputs()}`);
        return (await e.pipelines.runOfJob(runJob.id))?.id;
      }, 20_000);
      const pagesBefore = await waitFor(`${KILL_AFTER_PAGES} pages acknowledged`, async () => {
        if (first.child.exitCode !== null) throw new Error(`worker 1 exited early:\n${outputs()}`);
        const stream = (await e.pipelines.run(runId)).streams[0];
        return stream && stream.pages >= KILL_AFTER_PAGES ? stream.pages : undefined;
      }, 30_000, 10);
      await first.stop('SIGKILL');
      expect(first.child.signalCode).toBe('SIGKILL');
      const killedAt = fake.requests.length;

      // What the dead worker left: the checkpoint and the progress committed with it, and nothing after.
      const { rows: saved } = await e.db.query<{ state: BackfillState }>(`select state from "${e.schema}".stream_states where pipeline_id = $1 and stream = 'customers'`, [pipeline.id]);
      const stateAtKill = saved[0]!.state;
      expect(stateAtKill.phase).toBe('backfill');
      const atKill = (await e.pipelines.run(runId)).streams[0]!;
      expect(atKill.pages).toBeGreaterThanOrEqual(pagesBefore);
      expect(atKill.pages).toBeLessThan(RECORDS / PAGE_SIZE);
      const { rows: rowsAtKill } = await e.db.query<{ n: number }>(`select count(*)::int as n from "${dest}".customers`);
      expect(rowsAtKill[0]!.n).toBe(atKill.records);

      startWorkerProcess();
      const run = await waitForRun(e, runJob.id, 45_000).catch((err: unknown) => {
        throw new Error(`${(err as Error).message}\n${outputs()}`);
      });
      expect(run.status, outputs()).toBe('succeeded');
      const detail = await e.pipelines.run(runId);
      // The run's totals count each record once: the second attempt added to what the first acknowledged.
      expect(detail.streams.map((s) => [s.stream, s.status, s.records])).toEqual([['customers', 'succeeded', RECORDS]]);

      // (a) Each list request once, but the page in flight at the kill: the one after the saved checkpoint.
      const lists = fake.requests.filter((r) => r.path === '/v1/customers');
      const seen = new Map<string, number>();
      for (const r of lists) seen.set(JSON.stringify(r.query), (seen.get(JSON.stringify(r.query)) ?? 0) + 1);
      const repeated = [...seen].filter(([, n]) => n > 1).map(([q, n]) => ({ query: JSON.parse(q) as Record<string, string>, n }));
      const pages = repeated.filter((r) => r.query.limit !== '1');
      const probes = repeated.filter((r) => r.query.limit === '1');
      expect(pages.length, JSON.stringify(repeated)).toBeLessThanOrEqual(1);
      expect(probes.length, JSON.stringify(repeated)).toBeLessThanOrEqual(1);
      expect(repeated.every((r) => r.n === 2), JSON.stringify(repeated)).toBe(true);
      const inFlight = {
        limit: String(PAGE_SIZE),
        'created[gte]': String(stateAtKill.window!.gte),
        ...(stateAtKill.window!.lt !== null ? { 'created[lt]': String(stateAtKill.window!.lt) } : {}),
        ...(stateAtKill.starting_after ? { starting_after: stateAtKill.starting_after } : {}),
      };
      for (const p of pages) expect(p.query).toEqual(inFlight);
      // The second worker's first list request is that page: it resumed at the checkpoint, not at the start.
      const resumedWith = fake.requests.slice(killedAt).find((r) => r.path === '/v1/customers');
      expect(resumedWith?.query).toEqual(inFlight);
      // Every page was fetched at least once: ~500 of them (months are not multiples of 100) plus the probes.
      expect(lists.filter((r) => r.query.limit !== '1').length - pages.length).toBeGreaterThanOrEqual(RECORDS / PAGE_SIZE);
      expect(fake.requests.every((r) => r.status === 200)).toBe(true);

      // (b) The destination equals the fake, row by row.
      const compared = await compareWithFake(e.db, dest, fake, 'customers');
      expect(compared).toMatchObject({ problems: [], live: RECORDS, rows: RECORDS, deleted: 0 });
      const { rows: ids } = await e.db.query<{ n: number; distinct_ids: number }>(`select count(*)::int as n, count(distinct id)::int as distinct_ids from "${dest}".customers`);
      expect(ids[0]).toEqual({ n: RECORDS, distinct_ids: RECORDS });

      // (c) The stream job: attempt 1 lost its lease with worker 1, attempt 2 succeeded on another worker.
      const streamJob = await e.jobs.getWithAttempts(detail.streams[0]!.job_id!);
      expect(streamJob.status).toBe('succeeded');
      expect(streamJob.attempts.map((a) => [a.number, a.outcome])).toEqual([
        [1, 'lease_lost'],
        [2, 'succeeded'],
      ]);
      expect(streamJob.attempts[0]!.error_class).toBe('LeaseExpired');
      expect(streamJob.attempts[1]!.worker_id).not.toBe(streamJob.attempts[0]!.worker_id);

      // Neither worker logged an error: the kill is a lost lease, not a failure anyone had to report.
      expect(outputs()).not.toMatch(/"level":"(error|fatal)"/);
      const elapsed = Date.now() - started;
      expect(elapsed).toBeLessThan(60_000);
    });
  });
} else {
  describe('stripe pipeline: a worker killed mid-backfill', () => {
    test('needs Postgres (the worker is a subprocess); SYNCBRIDGE_TEST_BACKENDS leaves pg out', () => {
      expect(testBackends()).not.toContain('pg');
    });
  });
}
