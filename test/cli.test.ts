/**
 * The `syncbridge` command as a script would use it: real subprocesses, exit codes 0 / 1 / 2, one-line
 * errors on stderr, --json on stdout, --help everywhere. Against Postgres (a schema per run) when
 * available, else PGlite in a temporary directory.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createPgDb } from '../src/db/pg-driver.ts';
import { startFakeStripe } from '../src/fakes/stripe/index.ts';
import { TEST_DATABASE_URL, testBackends } from './helpers/backends.ts';
import { newSchemaName } from './helpers/engine.ts';

const MAIN = resolve(import.meta.dirname, '../src/cli/main.ts');

describe('the syncbridge CLI', () => {
  const backend = testBackends()[0]!;
  const schema = newSchemaName();
  let dataDir: string;
  let env: Record<string, string>;

  const cli = (args: string[], extraEnv: Record<string, string> = {}) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
      const child = spawn(process.execPath, [MAIN, ...args], { env: { ...process.env, ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('exit', (code) => done({ code, stdout, stderr }));
    });

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'syncbridge-cli-'));
    env = backend === 'pg' ? { DATABASE_URL: TEST_DATABASE_URL, SYNCBRIDGE_SCHEMA: schema, LOG_LEVEL: 'warn' } : { SYNCBRIDGE_DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
    if (backend === 'pg') {
      const db = createPgDb({ connectionString: TEST_DATABASE_URL });
      await db.query(`drop schema if exists ${schema} cascade`);
      await db.close();
    }
  });

  test('the installed command (bin/syncbridge.js, run through its shebang) runs the CLI: help, and exit 2 for a usage mistake', async () => {
    const bin = resolve(import.meta.dirname, '../bin/syncbridge.js');
    const exec = (args: string[]) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
        // The shebang's `node` must be Node 24: the one running these tests comes first on PATH.
        const child = spawn(bin, args, { env: { ...process.env, ...env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` }, stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('exit', (code) => done({ code, stdout, stderr }));
      });
    const help = await exec(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/USAGE.*syncbridge serve\|worker/);
    const bad = await exec(['no-such-command']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });

  test('--help works on every command and exits 0', async () => {
    for (const args of [['--help'], ['jobs', '--help'], ['jobs', 'list', '--help'], ['enqueue', '--help'], ['serve', '--help'], ['demo', '--help'], ['worker', '--help'], ['migrate', '--help']]) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout).toMatch(/USAGE/);
    }
  });

  test('migrate, enqueue, list, show, cancel, replay: exit 0 with text or --json', async () => {
    const migrated = await cli(['migrate', '--json']);
    expect(migrated.code, migrated.stderr).toBe(0);
    expect(JSON.parse(migrated.stdout)).toMatchObject({ current: expect.any(Number) });

    const created = await cli(['enqueue', 'noop', 'cli-1', '--payload', '{"a":1}', '--json']);
    expect(created.code, created.stderr).toBe(0);
    const { job, created: isNew } = JSON.parse(created.stdout);
    expect(isNew).toBe(true);
    expect(job).toMatchObject({ job_type: 'noop', entity_id: 'cli-1', payload: { a: 1 }, status: 'pending' });

    const again = await cli(['enqueue', 'noop', 'cli-1']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`job ${job.id} is already pending`);

    const list = await cli(['jobs', 'list', '--status', 'pending', '--json']);
    expect(JSON.parse(list.stdout).map((j: { id: number }) => j.id)).toContain(job.id);
    const text = await cli(['jobs', 'list']);
    expect(text.stdout).toContain('cli-1');

    const show = await cli(['jobs', 'show', String(job.id)]);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain(`job ${job.id}  pending`);

    const cancel = await cli(['jobs', 'cancel', String(job.id), '--reason', 'testing']);
    expect(cancel.code).toBe(0);
    const replay = await cli(['jobs', 'replay', String(job.id), '--json']);
    expect(replay.code).toBe(0);
    expect(JSON.parse(replay.stdout)).toMatchObject({ replay_of_job_id: job.id });
  });

  test('a wrong state or unknown job exits 1 with one line on stderr', async () => {
    const created = JSON.parse((await cli(['enqueue', 'noop', 'cli-2', '--json'])).stdout);
    const retry = await cli(['jobs', 'retry', String(created.job.id)]);
    expect(retry.code).toBe(1);
    expect(retry.stderr.trim().split('\n')).toHaveLength(1);
    expect(retry.stderr).toMatch(/only failed jobs can be retried/);
    const missing = await cli(['jobs', 'show', '987654321']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/job 987654321 not found/);
  });

  test('usage and configuration mistakes exit 2', async () => {
    expect((await cli([])).code).toBe(2);
    expect((await cli(['bogus'])).code).toBe(2);
    expect((await cli(['jobs', 'show', 'abc'])).code).toBe(2);
    expect((await cli(['enqueue', 'noop'])).code).toBe(2);
    expect((await cli(['enqueue', 'noop', 'x', '--payload', '{not json'])).code).toBe(2);
    expect((await cli(['jobs', 'list', '--status', 'nope'])).code).toBe(2);
    const badEnv = await cli(['migrate'], { SYNCBRIDGE_JOB_LEASE_SECONDS: 'forever' });
    expect(badEnv.code).toBe(2);
    expect(badEnv.stderr).toMatch(/SYNCBRIDGE_JOB_LEASE_SECONDS/);
  });

  test('connector runs a built-in connector over NDJSON: discover then read against a fake Stripe', async () => {
    const stripe = await startFakeStripe({});
    try {
      stripe.store.seed({ customers: 120 });
      const config = join(dataDir, 'stripe.json');
      await writeFile(config, JSON.stringify({ api_key: 'sk_test_cli', api_version: '2026-07-29.dahlia', base_url: stripe.url }));
      const discovered = await cli(['connector', 'stripe', 'discover', '--config', config]);
      expect(discovered.code, discovered.stderr).toBe(0);
      const catalog = JSON.parse(discovered.stdout.trim().split('\n').at(-1)!).catalog;
      const customers = catalog.streams.find((st: { name: string }) => st.name === 'customers');
      const catalogFile = join(dataDir, 'catalog.json');
      await writeFile(catalogFile, JSON.stringify({ streams: [{ stream: customers, sync_mode: 'full_refresh' }] }));
      const read = await cli(['connector', 'stripe', 'read', '--config', config, '--catalog', catalogFile]);
      expect(read.code, read.stderr).toBe(0);
      const messages = read.stdout.trim().split('\n').map((l) => JSON.parse(l));
      const ids = new Set(messages.filter((m) => m.type === 'record').map((m) => m.record.data.id));
      expect(ids.size).toBe(120);
      expect(messages.some((m) => m.type === 'state')).toBe(true);
      expect(read.stdout).not.toContain('sk_test_cli');
    } finally {
      await stripe.close();
    }
    const unknown = await cli(['connector', 'nope', 'spec']);
    expect(unknown.code).toBe(2);
  });

  test('serve refuses a non-loopback address without a token (exit 2)', async () => {
    const r = await cli(['serve'], { HOST: '0.0.0.0', PORT: '0' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/SYNCBRIDGE_API_TOKEN/);
  });
});
