/**
 * A connector that is an executable speaking the protocol as NDJSON, plugged in through the public entry
 * (`syncbridge`: spawnSource, spawnDestination, BUILTIN_CONNECTORS) next to the built-in ones, runs as a
 * pipeline under a worker like any other.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { BUILTIN_CONNECTORS, spawnDestination, spawnSource, type SyncBridgeOptions } from '../../src/index.ts';
import { testBackends } from '../helpers/backends.ts';
import { testEngine, waitFor, type TestEngine } from '../helpers/engine.ts';
import { startWorker } from '../helpers/workers.ts';

const FIXTURES = resolve(import.meta.dirname, '../fixtures/connectors');
const spawnOptions = { idleTimeoutMs: 20_000, killGraceMs: 1_000 };

// What a user writes: the built-in connectors, plus executables under names of their own.
const connectors: SyncBridgeOptions['connectors'] = {
  ...BUILTIN_CONNECTORS,
  counter: spawnSource([process.execPath, join(FIXTURES, 'counter-source-bin.ts')], spawnOptions),
  collect: spawnDestination([process.execPath, join(FIXTURES, 'collect-destination-bin.ts')], spawnOptions),
};

describe.each(testBackends())('connectors run as executables (%s)', (backend) => {
  let e: TestEngine;
  let dir: string;
  let dest: string;
  beforeEach(async () => {
    e = await testEngine(backend, { connectors, runPollMs: 100, defaults: { maxRetries: 0 } });
    dir = await mkdtemp(join(tmpdir(), 'sb-spawned-'));
    dest = `${e.schema}_dest`;
  });
  afterEach(async () => {
    await e.db.query(`drop schema if exists "${dest}" cascade`).catch(() => {});
    await e.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function runToEnd(pipeline: Record<string, unknown>) {
    const p = await e.pipelines.create(pipeline);
    const { job } = await e.pipelines.start(p.id, 'api');
    const finished = await waitFor('the run job to finish', async () => {
      const j = await e.jobs.get(job.id);
      return j && ['succeeded', 'failed', 'dead', 'cancelled'].includes(j.status) ? j : undefined;
    }, 30_000);
    return e.pipelines.run((await e.pipelines.runOfJob(finished.id))!.id);
  }

  test('a spawned source feeds the built-in postgres destination, and a spawned destination', async () => {
    await startWorker(e, { handlers: {}, concurrency: 2 });
    const source = { connector: 'counter', config: { count: 30, page_size: 10 } };

    const intoPostgres = await runToEnd({ name: 'spawned-to-pg', source, destination: { connector: 'postgres', config: { schema: dest } }, streams: ['alpha'], mode: 'full_refresh' });
    expect(intoPostgres.status).toBe('succeeded');
    const { rows } = await e.db.query<{ n: number; top: number }>(`select count(*)::int as n, max(id)::int as top from "${dest}".alpha`);
    expect(rows[0]).toEqual({ n: 30, top: 30 });

    const path = join(dir, 'collected.jsonl');
    const intoFile = await runToEnd({ name: 'spawned-to-spawned', source, destination: { connector: 'collect', config: { path } }, streams: ['beta'], mode: 'full_refresh' });
    expect(intoFile.status).toBe('succeeded');
    const lines = (await readFile(path, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { stream: string; data: { id: number } });
    expect(lines.map((l) => [l.stream, l.data.id])).toEqual(Array.from({ length: 30 }, (_, i) => ['beta', i + 1]));
  });
});
