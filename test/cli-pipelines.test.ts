/**
 * `syncbridge pipelines …` and `syncbridge sync` as a script would use them: real subprocesses against
 * the test database (a schema of their own on Postgres, else PGlite in a temporary directory), a real
 * Stripe source against the fake Stripe server, the Postgres destination writing into the engine's own
 * database. Exit codes 0 / 1 / 2, one-line errors, secrets never printed, JSON lines when not on a TTY.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Db } from '../src/db/db.ts';
import { openDb } from '../src/db/open.ts';
import { startFakeStripe, type FakeStripe } from '../src/fakes/stripe/index.ts';
import { TEST_DATABASE_URL, testBackends } from './helpers/backends.ts';
import { newSchemaName } from './helpers/engine.ts';

const MAIN = resolve(import.meta.dirname, '../src/cli/main.ts');
const KEY = 'sk_test_cli_pipelines_secret_4242424242';

interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

describe('the syncbridge CLI: pipelines and sync', () => {
  const backend = testBackends()[0]!;
  const schema = newSchemaName();
  const dest = `${schema}_stripe`;
  let dir: string;
  let env: Record<string, string>;
  let stripe: FakeStripe;

  /** Runs the CLI; `onStdout` sees stdout as it arrives (to signal the process mid-run). */
  const cli = (args: string[], options: { env?: Record<string, string>; stdin?: string; onStdout?: (text: string, child: ReturnType<typeof spawn>) => void } = {}) =>
    new Promise<CliResult>((done) => {
      const child = spawn(process.execPath, [MAIN, ...args], { env: { ...process.env, ...env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        options.onStdout?.(stdout, child);
      });
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.stdin.end(options.stdin ?? '');
      child.on('exit', (code, signal) => done({ code, signal, stdout, stderr }));
    });

  const pipelineFile = async (name: string, over: Record<string, unknown> = {}, stripeConfig: Record<string, unknown> = {}) => {
    const file = join(dir, `${name}.json`);
    await writeFile(
      file,
      JSON.stringify({
        name,
        source: { connector: 'stripe', config: { api_key: KEY, api_version: '2026-07-29.dahlia', base_url: stripe.url, requests_per_second: 1000, retry_base_ms: 20, ...stripeConfig } },
        destination: { connector: 'postgres', config: { schema: dest } },
        streams: ['customers'],
        mode: 'full_refresh',
        ...over,
      }),
    );
    return file;
  };

  /** The engine's database, opened after the CLI exited (PGlite allows one process at a time). */
  const withDb = async <T>(fn: (db: Db) => Promise<T>): Promise<T> => {
    const db = await openDb(backend === 'pg' ? { databaseUrl: TEST_DATABASE_URL } : { dataDir: join(dir, 'data') });
    try {
      return await fn(db);
    } finally {
      await db.close();
    }
  };

  const jsonLines = (stdout: string) =>
    stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'syncbridge-cli-pipelines-'));
    env =
      backend === 'pg'
        ? { DATABASE_URL: TEST_DATABASE_URL, SYNCBRIDGE_SCHEMA: schema, LOG_LEVEL: 'warn' }
        : { DATABASE_URL: '', SYNCBRIDGE_DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'warn' };
    stripe = await startFakeStripe({});
    stripe.store.seed({ customers: 300 });
  });
  afterAll(async () => {
    await stripe?.close();
    if (backend === 'pg') {
      await withDb(async (db) => {
        await db.query(`drop schema if exists "${schema}" cascade`);
        await db.query(`drop schema if exists "${dest}" cascade`);
      });
    }
    await rm(dir, { recursive: true, force: true });
  });

  test('--help works on every new command and exits 0', async () => {
    for (const args of [['pipelines', '--help'], ...['create', 'list', 'show', 'runs', 'run'].map((c) => ['pipelines', c, '--help']), ['sync', '--help']]) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout, args.join(' ')).toMatch(/USAGE/);
    }
    expect((await cli(['--help'])).stdout).toMatch(/pipelines[\s\S]*sync/);
  });

  test('create from a file or stdin, list, show and runs: secrets never printed', async () => {
    const created = await cli(['pipelines', 'create', '--file', await pipelineFile('stripe-customers')]);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/^created pipeline \d+ "stripe-customers" \(stripe → postgres: customers\)\n$/);

    const fromStdin = await cli(['pipelines', 'create', '--file', '-', '--json'], {
      stdin: JSON.stringify({ name: 'from-stdin', source: { connector: 'stripe', config: { api_key: KEY, api_version: '2026-07-29.dahlia' } }, destination: { connector: 'postgres', config: { schema: dest } }, streams: ['customers', 'invoices'], schedule: 'every 1h' }),
    });
    expect(fromStdin.code, fromStdin.stderr).toBe(0);
    expect(JSON.parse(fromStdin.stdout)).toMatchObject({ name: 'from-stdin', source: { config: { api_key: '********' } }, mode: 'incremental', schedule: 'every 1h' });

    const list = await cli(['pipelines', 'list']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/stripe-customers +stripe → postgres +customers +on demand +never run/);
    expect(list.stdout).toMatch(/from-stdin +stripe → postgres +customers,invoices +every 1h/);
    const listJson = JSON.parse((await cli(['pipelines', 'list', '--json'])).stdout);
    expect(listJson.map((p: { name: string; last_run: unknown }) => [p.name, p.last_run])).toEqual([
      ['stripe-customers', null],
      ['from-stdin', null],
    ]);

    const show = await cli(['pipelines', 'show', 'stripe-customers']);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain('"api_key":"********"');
    expect(show.stdout).toContain('none yet');
    const byId = JSON.parse((await cli(['pipelines', 'show', String(listJson[0].id), '--json'])).stdout);
    expect(byId).toMatchObject({ name: 'stripe-customers', source: { connector: 'stripe', config: { api_key: '********', base_url: stripe.url } } });

    const runs = await cli(['pipelines', 'runs', 'stripe-customers']);
    expect(runs.code, runs.stderr).toBe(0);
    expect(runs.stdout.trim()).toBe('no runs');

    for (const out of [created, fromStdin, list, show, runs]) expect(out.stdout + out.stderr).not.toContain(KEY);
  });

  test('refusals: a bad or duplicate pipeline exits 1, a usage mistake 2, each with one line and no secret', async () => {
    const bad = await cli(['pipelines', 'create', '--file', await pipelineFile('bad-key', {}, { api_key: 'pk_live_not_a_secret_key_but_never_echoed' })]);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/source\.config\.api_key/);
    expect(bad.stderr).not.toContain('pk_live_not_a_secret_key_but_never_echoed');

    const noStreams = await cli(['pipelines', 'create', '--file', await pipelineFile('no-streams', { streams: [] })]);
    expect(noStreams.code).toBe(1);
    expect(noStreams.stderr).toMatch(/streams/);

    const file = await pipelineFile('dup-me');
    expect((await cli(['pipelines', 'create', '--file', file])).code).toBe(0);
    const dup = await cli(['pipelines', 'create', '--file', file]);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toMatch(/already exists/);

    const missing = await cli(['pipelines', 'show', 'nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe('syncbridge: pipeline "nope" not found');

    const broken = join(dir, 'broken.json');
    await writeFile(broken, `{"name": "x", "source": {"config": {"api_key": "${KEY}" oops`);
    for (const args of [
      ['pipelines', 'create'],
      ['pipelines', 'create', '--file', join(dir, 'does-not-exist.json')],
      ['pipelines', 'create', '--file', broken],
      ['pipelines', 'show'],
      ['pipelines', 'runs', 'dup-me', '--limit', '0'],
      ['sync'],
      ['sync', 'dup-me', '--concurrency', 'lots'],
    ]) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr).not.toContain(KEY);
    }
  });

  test('pipelines run enqueues a run job for the workers, once while it is active; sync then follows that run', async () => {
    await cli(['pipelines', 'create', '--file', await pipelineFile('queued')]);
    const first = await cli(['pipelines', 'run', 'queued']);
    expect(first.code, first.stderr).toBe(0);
    const jobId = /enqueued job (\d+)/.exec(first.stdout)?.[1];
    expect(jobId).toBeDefined();
    const again = await cli(['pipelines', 'run', 'queued', '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ created: false, job: { id: Number(jobId), job_type: 'pipeline_run', status: 'pending', payload: { trigger: 'cli' } } });

    const followed = await cli(['sync', 'queued', '--json']);
    expect(followed.code, followed.stderr).toBe(0);
    expect(followed.stderr).toContain(`pipeline "queued" already has an active run (job ${jobId}); following it`);
    const events = jsonLines(followed.stdout);
    expect(events[0]).toMatchObject({ event: 'started', job_id: Number(jobId), created: false });
    expect(events.at(-1)).toMatchObject({ event: 'finished', status: 'succeeded', records: 300 });
    const runs = JSON.parse((await cli(['pipelines', 'runs', 'queued', '--json'])).stdout);
    expect(runs).toEqual([expect.objectContaining({ job_id: Number(jobId), status: 'succeeded', trigger: 'cli' })]);
  });

  test('sync runs a Stripe → Postgres pipeline in the foreground: JSON lines off a TTY, exit 0, every row written', async () => {
    await cli(['pipelines', 'create', '--file', await pipelineFile('stripe-sync')]);
    const r = await cli(['sync', 'stripe-sync']);
    expect(r.code, r.stderr).toBe(0);
    const events = jsonLines(r.stdout);
    expect(events[0]).toMatchObject({ event: 'started', run_id: expect.any(Number), job_id: expect.any(Number), created: true });
    const runId = events[0]!.run_id;
    const progress = events.filter((e) => e.event === 'progress');
    // At least the end; how many in between depends on how fast the fake answers (the SIGINT test sees some).
    expect(progress.length).toBeGreaterThanOrEqual(1);
    for (const p of progress) expect(p).toEqual({ event: 'progress', run_id: runId, stream: 'customers', status: expect.any(String), records: expect.any(Number), pages: expect.any(Number) });
    // Pages: at least 3 of 100, more as the backfill reads month by month.
    const pages = progress.at(-1)!.pages as number;
    expect(pages).toBeGreaterThanOrEqual(3);
    expect(progress.at(-1)).toMatchObject({ status: 'succeeded', records: 300 });
    expect(events.at(-1)).toMatchObject({ event: 'finished', run_id: runId, status: 'succeeded', records: 300, pages, problems: [] });
    expect(r.stdout + r.stderr).not.toContain(KEY);

    const rows = await withDb(async (db) => (await db.query<{ n: number; ids: number }>(`select count(*)::int as n, count(distinct id)::int as ids from "${dest}".customers`)).rows[0]);
    expect(rows).toEqual({ n: 300, ids: 300 });

    const runs = JSON.parse((await cli(['pipelines', 'runs', 'stripe-sync', '--json'])).stdout);
    expect(runs).toEqual([expect.objectContaining({ id: runId, status: 'succeeded', trigger: 'cli', counts: expect.objectContaining({ records: 300, pages }) })]);
    const text = await cli(['pipelines', 'runs', 'stripe-sync']);
    expect(text.stdout).toMatch(new RegExp(`${runId} +succeeded +cli +300 +${pages} `));
    const list = await cli(['pipelines', 'list']);
    expect(list.stdout).toMatch(/stripe-sync .* succeeded 20/);
  });

  test('sync exits 1 when the run fails, naming the stream and its error', async () => {
    // A live key passes the config check, but the fake accepts test keys only: a 401, not retryable.
    await cli(['pipelines', 'create', '--file', await pipelineFile('stripe-denied', {}, { api_key: 'sk_live_refused_by_the_fake_0000' })]);
    const r = await cli(['sync', 'stripe-denied', '--json']);
    expect(r.code, r.stderr).toBe(1);
    const finished = jsonLines(r.stdout).at(-1)!;
    expect(finished).toMatchObject({ event: 'finished', status: 'failed', records: 0, problems: [{ stream: 'customers', status: 'failed', error: expect.stringMatching(/^AuthError: /) }] });
    expect(r.stdout + r.stderr).not.toContain('sk_live_refused_by_the_fake_0000');
  });

  test('SIGINT cancels the run, stops the worker and exits 130', async () => {
    // One customer per request, two requests a second: long enough to be interrupted mid-run.
    await cli(['pipelines', 'create', '--file', await pipelineFile('stripe-slow', {}, { page_size: 1, requests_per_second: 2 })]);
    let signalled = false;
    const r = await cli(['sync', 'stripe-slow'], {
      env: { SYNCBRIDGE_SHUTDOWN_GRACE_SECONDS: '2' },
      onStdout(stdout, child) {
        if (!signalled && /"records":[1-9]/.test(stdout)) {
          signalled = true;
          child.kill('SIGINT');
        }
      },
    });
    expect(signalled, r.stdout + r.stderr).toBe(true);
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(/SIGINT: cancelling the run/);
    const finished = jsonLines(r.stdout).at(-1)!;
    expect(finished).toMatchObject({ event: 'finished', status: 'cancelled' });
    expect(Number(finished.records)).toBeLessThan(300);
    const runs = JSON.parse((await cli(['pipelines', 'runs', 'stripe-slow', '--json'])).stdout);
    expect(runs[0]).toMatchObject({ status: 'cancelled', trigger: 'cli' });
    const jobs = JSON.parse((await cli(['jobs', 'list', '--type', 'pipeline_run,pipeline_stream', '--status', 'pending,running', '--json'])).stdout);
    expect(jobs).toEqual([]);
  });
});
