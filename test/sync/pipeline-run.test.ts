/**
 * A pipeline run end to end under a worker, on both backends: the `pipeline_run` job fans out one
 * stream job per stream, waits for them without holding a slot (snoozes), and finishes the run with
 * its totals; the destination is the engine's own database, so each page and its checkpoint commit
 * together. A failing stream makes the run partial; one run per pipeline at a time; a run can be
 * cancelled; secrets never come back.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { PostgresDestinationConfig } from '../../src/connectors/postgres/spec.ts';
import { postgresDestination } from '../../src/connectors/postgres/index.ts';
import { defineSource } from '../../src/protocol/connector.ts';
import { REDACTED } from '../../src/sync/secrets.ts';
import { counterSource } from '../fixtures/connectors/counter-source.ts';
import { testBackends } from '../helpers/backends.ts';
import { testEngine, waitFor, type TestEngine } from '../helpers/engine.ts';
import { startWorker } from '../helpers/workers.ts';
import { z } from 'zod';
import { createLogger } from '../../src/log.ts';

/** The counter source with a secret in its config, to prove redaction. */
const secretCounter = defineSource({
  configSchema: z.object({ token: z.string().meta({ secret: true }), count: z.number().int(), page_size: z.number().int().positive(), fail_after: z.number().int().optional() }),
  check: async function* () {
    yield { type: 'connection_status', connection_status: { status: 'succeeded' } };
  },
  discover: (p) => counterSource.discover({ config: { count: p.config.count, page_size: p.config.page_size, retry_at: '2030-01-01T00:00:00.000Z' } }),
  read: (p) =>
    counterSource.read({
      ...p,
      config: { count: p.config.count, page_size: p.config.page_size, retry_at: '2030-01-01T00:00:00.000Z', ...(p.config.fail_after === undefined ? {} : { fail_after: p.config.fail_after }) },
    }),
});

describe.each(testBackends())('pipeline runs (%s)', (backend) => {
  let e: TestEngine;
  let dest: string;
  beforeEach(async () => {
    e = await testEngine(backend, { connectors: { counter: secretCounter, postgres: postgresDestination }, runPollMs: 100 });
    dest = `${e.schema}_dest`;
  });
  afterEach(async () => {
    await e.db.query(`drop schema if exists "${dest}" cascade`).catch(() => {});
    await e.close();
  });

  const pipeline = (over: Record<string, unknown> = {}) => ({
    name: 'counter-to-engine',
    source: { connector: 'counter', config: { token: 'tok_very_secret', count: 1000, page_size: 100 } },
    destination: { connector: 'postgres', config: { schema: dest } },
    streams: ['alpha', 'beta'],
    mode: 'full_refresh',
    ...over,
  });

  test('a run fans out a job per stream, writes every record into the engine database and finishes succeeded', async () => {
    const p = await e.pipelines.create(pipeline());
    expect((p.source.config as Record<string, unknown>).token).toBe(REDACTED);
    const started = await e.pipelines.start(p.id, 'api');
    expect(started.created).toBe(true);
    const again = await e.pipelines.start(p.name, 'api');
    expect(again.created).toBe(false);
    expect(again.job.id).toBe(started.job.id);

    await startWorker(e, { handlers: {}, concurrency: 1 });
    const job = await waitFor('the run job to succeed', async () => {
      const j = await e.jobs.get(started.job.id);
      return j?.status === 'succeeded' ? j : undefined;
    }, 20_000);
    const run = await e.pipelines.runOfJob(job.id);
    expect(run?.status).toBe('succeeded');
    const detail = await e.pipelines.run(run!.id);
    expect(detail.streams.map((s) => [s.stream, s.status, Number(s.records), s.job_status])).toEqual([
      ['alpha', 'succeeded', 1000, 'succeeded'],
      ['beta', 'succeeded', 1000, 'succeeded'],
    ]);
    expect(detail.counts).toMatchObject({ records: 2000, pages: 20 });
    for (const table of ['alpha', 'beta']) {
      const { rows } = await e.db.query<{ n: number; distinct_ids: number }>(`select count(*)::int as n, count(distinct id)::int as distinct_ids from "${dest}"."${table}"`);
      expect(rows[0]).toEqual({ n: 1000, distinct_ids: 1000 });
    }
    // The parent waited by snoozing: its attempts are snoozes then one success, and no retry was spent.
    const parent = await e.jobs.getWithAttempts(job.id);
    expect(parent.attempts.at(-1)?.outcome).toBe('succeeded');
    expect(parent.attempts.slice(0, -1).every((a) => a.outcome === 'snoozed')).toBe(true);
    expect(parent.max_retries - parent.attempts.filter((a) => a.outcome === 'snoozed').length).toBe(3);
  });

  test('the checkpoint commits with its page: the saved state always matches the rows written', async () => {
    const p = await e.pipelines.create(pipeline({ streams: ['alpha'], mode: 'incremental', source: { connector: 'counter', config: { token: 't', count: 1000, page_size: 100, fail_after: 450 } } }));
    const started = await e.pipelines.start(p.id);
    await startWorker(e, { handlers: {}, concurrency: 2 });
    // fail_after is not retryable in time (retry_at far away): the stream job waits; look at what committed.
    await waitFor('a stream attempt to fail', async () => {
      const { rows } = await e.db.query<{ n: number }>(`select count(*)::int as n from "${e.schema}".job_attempts a join "${e.schema}".jobs j on j.id = a.job_id where j.job_type = 'pipeline_stream'`);
      return rows[0]!.n >= 1 ? true : undefined;
    }, 20_000);
    const { rows: state } = await e.db.query<{ state: { last_id: number } }>(`select state from "${e.schema}".stream_states where stream = 'alpha'`);
    const { rows: written } = await e.db.query<{ max: number; n: number }>(`select max(id)::int as max, count(*)::int as n from "${dest}".alpha`);
    expect(state[0]!.state.last_id).toBe(400);
    // Only whole pages with their checkpoints: the 50 records of the failed page were rolled back with it.
    expect(written[0]).toEqual({ max: 400, n: 400 });
    await e.pipelines.cancelRun((await e.pipelines.runOfJob(started.job.id))!.id);
  });

  test('a stream that fails makes the run partial, with the failed stream named', async () => {
    const bad = defineSource({
      ...secretCounter,
      configSchema: secretCounter.configSchema,
      check: secretCounter.check,
      discover: secretCounter.discover,
      read: (p) => {
        if (p.catalog.streams[0]?.stream.name === 'beta') {
          return {
            [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(new Error('beta is broken')) }),
          };
        }
        return secretCounter.read(p);
      },
    });
    await e.close();
    e = await testEngine(backend, { connectors: { counter: bad, postgres: postgresDestination }, runPollMs: 100, defaults: { maxRetries: 0 } });
    dest = `${e.schema}_dest`;
    const p = await e.pipelines.create(pipeline({ source: { connector: 'counter', config: { token: 't', count: 300, page_size: 100 } } }));
    const started = await e.pipelines.start(p.id);
    await startWorker(e, { handlers: {}, concurrency: 2 });
    await waitFor('the run job to succeed', async () => ((await e.jobs.get(started.job.id))?.status === 'succeeded' ? true : undefined), 20_000);
    const run = (await e.pipelines.runOfJob(started.job.id))!;
    expect(run.status).toBe('partial');
    expect(run.error).toEqual({ streams_not_succeeded: ['beta'] });
    expect(run.counts).toMatchObject({ records: 300 });
  });

  test('bad pipeline input is refused naming the field, and nothing is stored', async () => {
    await expect(e.pipelines.create(pipeline({ source: { connector: 'nope', config: {} } }))).rejects.toThrow(/source\.connector: "nope" is not a registered connector/);
    await expect(e.pipelines.create(pipeline({ destination: { connector: 'counter', config: {} } }))).rejects.toThrow(/destination\.connector: "counter" is not a destination/);
    await expect(e.pipelines.create(pipeline({ source: { connector: 'counter', config: { token: 5, count: 1, page_size: 1 } } }))).rejects.toThrow(/source\.config\.token/);
    await expect(e.pipelines.create(pipeline({ streams: [] }))).rejects.toThrow(/streams/);
    await expect(e.pipelines.create(pipeline({ schedule: 'every 0s' }))).rejects.toThrow(/schedule/);
    await expect(e.pipelines.create(pipeline({ schedule: 'not a cron' }))).rejects.toThrow(/schedule/);
    expect(await e.pipelines.list()).toEqual([]);
    await e.pipelines.create(pipeline());
    await expect(e.pipelines.create(pipeline())).rejects.toThrow(/already exists/);
  });

  test('a scheduled pipeline gets a schedule that enqueues its run job', async () => {
    const p = await e.pipelines.create(pipeline({ schedule: 'every 15m' }));
    const { rows } = await e.db.query<{ name: string; job_type: string; every_seconds: number; payload: unknown }>(`select name, job_type, every_seconds, payload from "${e.schema}".schedules`);
    expect(rows).toEqual([{ name: `pipeline:${p.id}`, job_type: 'pipeline_run', every_seconds: 900, payload: { pipeline_id: p.id, trigger: 'schedule' } }]);
  });

  test('secrets of a pipeline reach no log line, at debug level, through a whole run', async () => {
    const lines: string[] = [];
    await e.close();
    e = await testEngine(backend, {
      connectors: { counter: secretCounter, postgres: postgresDestination },
      runPollMs: 100,
      logger: createLogger('debug', { write: (line: string) => void lines.push(line) }),
    });
    dest = `${e.schema}_dest`;
    const p = await e.pipelines.create(pipeline({ source: { connector: 'counter', config: { token: 'tok_never_logged_42', count: 300, page_size: 100 } } }));
    const started = await e.pipelines.start(p.id);
    await startWorker(e, { handlers: {} });
    await waitFor('the run job to succeed', async () => ((await e.jobs.get(started.job.id))?.status === 'succeeded' ? true : undefined), 20_000);
    expect(lines.length).toBeGreaterThan(5);
    expect(lines.some((l) => l.includes('pipeline.run_finished'))).toBe(true);
    expect(lines.filter((l) => l.includes('tok_never_logged_42'))).toEqual([]);
  });

  test('the postgres destination outside the engine still requires a connection string', async () => {
    // Valid as a pipeline's config (the engine's own database)…
    expect(PostgresDestinationConfig.safeParse({ schema: 's' }).success).toBe(true);
    // …but run on its own it says what is missing, by name.
    const status = [];
    for await (const m of postgresDestination.check({ config: { schema: 's' } as never })) status.push(m);
    expect(status).toMatchObject([{ type: 'connection_status', connection_status: { status: 'failed', message: expect.stringMatching(/connection_string: required/) } }]);
    const write = postgresDestination.write({ config: { schema: 's' } as never, catalog: { streams: [] } }, (async function* () {})());
    await expect(write[Symbol.asyncIterator]().next()).rejects.toThrow(/connection_string: required/);
  });
});
