/**
 * Sync benchmark: the data path from the fake Stripe into Postgres. In one run, on the same N records of
 * one stream (charges by default):
 *
 *   1. SyncBridge end-to-end: fake Stripe over HTTP (its own process) → Stripe source → runStreamSync
 *      (checkpoints saved in a migrated engine schema) → Postgres destination; records/s and the peak
 *      RSS of the syncing process (a process of its own, sampled every 50 ms).
 *   2. The Stripe source alone: the same read with nothing written (what the HTTP side costs).
 *   3. SyncBridge writer only: createPostgresWriter in batches of 1000 (the destination's batch_size) and
 *      of 100 (what the end-to-end path writes: the destination flushes at every page's checkpoint).
 *   4. The Stripe Sync Engine approach: one multi-row INSERT … ON CONFLICT DO UPDATE per page of 100.
 *   5. COPY … FROM STDIN of the same rows: the ceiling.
 *
 * Then each upserting writer once more over the same rows (all unchanged: the no-op guard's cost).
 *
 *   npm run bench:sync                 BENCH_RECORDS=100000 by default; BENCH_QUICK=1 for 5000
 *   BENCH_RSS_SCALE=1                  also end-to-end at 10,000 and 1,000,000 records: peak RSS per N
 *   BENCH_RSS_SIZES=10000,1000000      the extra sizes for the RSS table
 *   BENCH_STREAM=customers             another stream of the fake (default charges)
 *   BENCH_DATABASE_URL=postgres://…    else TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import pg from 'pg';
import type { StreamDescriptor } from '../../src/protocol/messages.ts';
import { dropSchema, serverVersion, withClient } from '../lib/pg.ts';
import { fmt, percentile, perSecond } from '../lib/stats.ts';
import { markdownTable } from '../lib/table.ts';
import type { E2eOptions, E2eResult } from './e2e.ts';
import { SYNCBRIDGE_NODE_FLAGS } from '../../bin/node-flags.ts';
import { discoverStream, readRecords } from './source.ts';
import { createTable, writeCopy, writeOurs, writeStripeStyle, type WriteResult } from './writers.ts';

const url = process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const quick = process.env.BENCH_QUICK === '1';
const n = Number(process.env.BENCH_RECORDS || (quick ? 5000 : 100_000));
if (!Number.isInteger(n) || n <= 0) throw new Error(`BENCH_RECORDS must be a positive integer, got ${process.env.BENCH_RECORDS}`);
const streamName = process.env.BENCH_STREAM || 'charges';
const rssSizes = (process.env.BENCH_RSS_SIZES || (process.env.BENCH_RSS_SCALE === '1' ? (quick ? '1000,20000' : '10000,1000000') : ''))
  .split(',')
  .filter(Boolean)
  .map(Number);
if (rssSizes.some((s) => !Number.isInteger(s) || s <= 0)) throw new Error(`BENCH_RSS_SIZES must be positive integers, got ${process.env.BENCH_RSS_SIZES}`);
const BATCH = 1000;
const PAGE = 100;

const SCHEMAS = {
  engine: 'sbbench_sync_engine',
  e2e: 'sbbench_sync_e2e',
  ours: 'sbbench_sync_ours',
  ours100: 'sbbench_sync_ours100',
  stripe: 'sbbench_sync_stripe',
  copy: 'sbbench_sync_copy',
} as const;

const log = (msg: string) => process.stderr.write(`[bench:sync] ${msg}\n`);
const MB = (bytes: number) => bytes / 2 ** 20;

// MARK: child processes

/** A child running `file` with `args`; resolves with its first stdout line matching `pattern`. */
async function child(file: string, args: string[], pattern: RegExp, what: string, nodeFlags: string[] = []): Promise<{ proc: ChildProcess; match: RegExpExecArray }> {
  const proc = spawn(process.execPath, [...nodeFlags, new URL(file, import.meta.url).pathname, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: proc.stdout! });
  const exited = once(proc, 'exit').then(([code]) => {
    throw new Error(`${what} exited with code ${String(code)} before answering`);
  });
  const answered = (async () => {
    for await (const line of lines) {
      const m = pattern.exec(line);
      if (m) return m;
    }
    throw new Error(`${what} closed its output before answering`);
  })();
  const match = await Promise.race([answered, exited]);
  exited.catch(() => {});
  return { proc, match };
}

interface Fake {
  url: string;
  seedMs: number;
  rssMb: number;
  stop(): Promise<void>;
}

async function startFake(records: number): Promise<Fake> {
  const { proc, match } = await child('./fake-server.ts', [String(records)], /^listening (\S+) (\d+) (\d+)$/, 'fake Stripe');
  return {
    url: match[1]!,
    seedMs: Number(match[2]),
    rssMb: Number(match[3]),
    async stop() {
      if (proc.exitCode !== null) return;
      proc.kill('SIGTERM');
      await once(proc, 'exit');
    },
  };
}

async function runE2e(fakeUrl: string): Promise<E2eResult> {
  const options: E2eOptions = { fakeUrl, dbUrl: url, stream: streamName, engineSchema: SCHEMAS.engine, destSchema: SCHEMAS.e2e, batchSize: BATCH };
  // The V8 flags the `syncbridge` command runs with (bin/syncbridge.js, the npm scripts): the sync is
  // measured as the product runs it.
  const { proc, match } = await child('./e2e.ts', [JSON.stringify(options)], /^result (.*)$/, 'end-to-end sync', SYNCBRIDGE_NODE_FLAGS);
  await once(proc, 'exit');
  return JSON.parse(match[1]!) as E2eResult;
}

// MARK: measuring

interface Row {
  key: string;
  label: string;
  batch: string;
  records: number;
  ms: number;
  peakRssMb?: number;
  batchP50?: number;
  batchP99?: number;
  again?: number;
}

async function countRows(client: pg.Client, schema: string): Promise<number> {
  const { rows } = await client.query<{ n: number }>(`select count(*)::int as n from "${schema}"."${streamName}"`);
  return rows[0]!.n;
}

/** A checkpoint between rows, so one row's dirty pages are not flushed on the next row's time. */
async function settle(client: pg.Client): Promise<void> {
  await client.query('checkpoint').catch(() => {});
}

function writerRow(key: string, label: string, batch: string, r: WriteResult): Row {
  return { key, label, batch, records: r.rows, ms: r.ms, batchP50: percentile(r.batches, 50), batchP99: percentile(r.batches, 99) };
}

async function measureWriters(stream: StreamDescriptor, fakeUrl: string, rows: Row[]): Promise<void> {
  log(`reading ${n} records through the Stripe source (no writes)`);
  const t = performance.now();
  const records = await readRecords(fakeUrl, stream);
  rows.push({ key: 'source', label: 'Stripe source alone: HTTP read, nothing written', batch: `pages of ${PAGE}`, records: records.length, ms: performance.now() - t });
  if (records.length !== n) throw new Error(`the source read ${records.length} records, expected ${n}`);

  const client = new pg.Client({ connectionString: url, application_name: 'bench-sync-writers' });
  await client.connect();
  try {
    await settle(client);
    log(`COPY of ${n} rows`);
    await createTable(client, SCHEMAS.copy, stream);
    const copy = await writeCopy(client, SCHEMAS.copy, stream, records);
    rows.push(writerRow('copy', 'COPY … FROM STDIN (ceiling)', 'one statement', copy));

    const upserters: [string, string, string, () => Promise<WriteResult>][] = [
      ['stripe', 'Stripe Sync Engine approach: multi-row INSERT … ON CONFLICT DO UPDATE', `pages of ${PAGE}`, () => writeStripeStyle(client, SCHEMAS.stripe, stream, records, PAGE)],
      ['ours', 'SyncBridge writer only (createPostgresWriter)', `batches of ${BATCH}, a transaction each`, () => writeOurs(client, SCHEMAS.ours, stream, records, BATCH)],
      ['ours100', 'SyncBridge writer only (createPostgresWriter)', `batches of ${PAGE}, a transaction each`, () => writeOurs(client, SCHEMAS.ours100, stream, records, PAGE)],
    ];
    for (const [key, label, batch, write] of upserters) {
      await settle(client);
      log(`${key}: ${n} rows into a fresh table`);
      await createTable(client, SCHEMAS[key as keyof typeof SCHEMAS], stream);
      const row = writerRow(key, label, batch, await write());
      await settle(client);
      log(`${key}: the same ${n} rows again (all unchanged)`);
      const again = await write();
      row.again = perSecond(again.rows, again.ms);
      rows.push(row);
    }
    for (const key of ['copy', 'stripe', 'ours', 'ours100'] as const) {
      const count = await countRows(client, SCHEMAS[key]);
      if (count !== n) throw new Error(`${key}: the table holds ${count} rows, expected ${n}`);
    }
  } finally {
    await client.end();
  }
}

// MARK: report

function report(rows: Row[], rss: { records: number; r: E2eResult; fakeRssMb: number }[], meta: Record<string, string | number>): string {
  const by = (key: string) => rows.find((r) => r.key === key);
  const rate = (r: Row | undefined) => (r ? perSecond(r.records, r.ms) : Number.NaN);
  const order = ['e2e', 'source', 'ours', 'ours100', 'stripe', 'copy'];
  const sorted = order.map(by).filter((r): r is Row => r !== undefined);
  const out = [
    `Sync benchmark — ${meta.date}; Node ${meta.node}; Postgres ${meta.postgres}; stream ${streamName}; N = ${fmt(n)} records; ${meta.cores} cores; load avg at start ${meta.loadStart}, at end ${meta.loadEnd}`,
    '',
    markdownTable(
      ['row', 'batch', 'records/s', 'seconds', 'peak RSS (MB)', 'batch p50 / p99 (ms)', 'again, all unchanged (records/s)'],
      sorted.map((r) => [
        r.label,
        r.batch,
        fmt(rate(r)),
        fmt(r.ms / 1000, 2),
        r.peakRssMb === undefined ? '—' : fmt(r.peakRssMb),
        r.batchP50 === undefined || r.key === 'copy' ? '—' : `${fmt(r.batchP50, 1)} / ${fmt(r.batchP99, 1)}`,
        fmt(r.again),
      ]),
    ),
    '',
  ];
  const ratio = (a: string, b: string, what: string) => {
    const x = rate(by(a));
    const y = rate(by(b));
    if (!Number.isNaN(x) && !Number.isNaN(y)) out.push(`- ${what}: ${(x / y).toFixed(2)}×`);
  };
  out.push('Ratios:');
  ratio('ours', 'stripe', `SyncBridge writer (batches of ${BATCH}) ÷ Stripe Sync Engine approach (target ≥ 2×)`);
  ratio('ours100', 'stripe', `SyncBridge writer (batches of ${PAGE}, as end-to-end writes) ÷ Stripe Sync Engine approach`);
  ratio('e2e', 'stripe', 'SyncBridge end-to-end ÷ Stripe Sync Engine approach (writes only)');
  ratio('ours', 'copy', `SyncBridge writer (batches of ${BATCH}) ÷ COPY`);
  ratio('e2e', 'copy', 'SyncBridge end-to-end ÷ COPY');
  ratio('e2e', 'source', 'SyncBridge end-to-end ÷ the Stripe source alone');
  if (rss.length > 0) {
    out.push('', 'Peak RSS of the syncing process (end-to-end) as N grows:', '');
    out.push(
      markdownTable(
        ['records', 'records/s', 'seconds', 'RSS at start (MB)', 'peak RSS (MB)', 'peak − start (MB)', 'fake Stripe RSS, other process (MB)'],
        rss.map(({ records, r, fakeRssMb }) => [fmt(records), fmt(perSecond(r.records, r.ms)), fmt(r.ms / 1000, 1), fmt(MB(r.startRss)), fmt(MB(r.peakRss)), fmt(MB(r.peakRss - r.startRss)), fmt(fakeRssMb)]),
      ),
    );
  }
  return out.join('\n');
}

// MARK: main

async function main() {
  const meta: Record<string, string | number> = {
    date: new Date().toISOString(),
    node: process.version,
    postgres: await serverVersion(url),
    cores: cpus().length,
    loadStart: loadavg()[0]!.toFixed(2),
  };
  log(`N=${n}, stream ${streamName}, ${url.replace(/\/\/[^@]*@/, '//…@')}`);
  const rows: Row[] = [];
  const rss: { records: number; r: E2eResult; fakeRssMb: number }[] = [];

  log(`starting the fake Stripe with ${n} ${streamName}`);
  let fake = await startFake(n);
  try {
    log(`fake seeded in ${fake.seedMs} ms, ${fake.rssMb} MB; end-to-end sync of ${n} records`);
    const stream = await discoverStream(fake.url, streamName);
    const e2e = await runE2e(fake.url);
    if (e2e.records !== n) throw new Error(`end-to-end acknowledged ${e2e.records} records, expected ${n}`);
    const stored = await withClient(url, (c) => countRows(c, SCHEMAS.e2e));
    if (stored !== n) throw new Error(`end-to-end table holds ${stored} rows, expected ${n}`);
    rows.push({
      key: 'e2e',
      label: 'SyncBridge end-to-end: fake Stripe (HTTP, other process) → Stripe source → runStreamSync (checkpoints) → Postgres destination',
      batch: `pages of ${PAGE} (a flush per checkpoint)`,
      records: e2e.records,
      ms: e2e.ms,
      peakRssMb: MB(e2e.peakRss),
    });
    rss.push({ records: n, r: e2e, fakeRssMb: fake.rssMb });
    await dropSchema(url, SCHEMAS.e2e);
    await measureWriters(stream, fake.url, rows);
  } finally {
    await fake.stop();
  }

  for (const size of rssSizes.filter((s) => s !== n)) {
    log(`RSS scale: fake Stripe with ${size} ${streamName}`);
    fake = await startFake(size);
    try {
      log(`RSS scale: end-to-end sync of ${size} records`);
      const r = await runE2e(fake.url);
      if (r.records !== size) throw new Error(`end-to-end acknowledged ${r.records} records, expected ${size}`);
      rss.push({ records: size, r, fakeRssMb: fake.rssMb });
    } finally {
      await fake.stop();
      await dropSchema(url, SCHEMAS.e2e);
    }
  }
  rss.sort((a, b) => a.records - b.records);

  meta.loadEnd = loadavg()[0]!.toFixed(2);
  console.log(report(rows, rss, meta));

  const dir = new URL('../.results/', import.meta.url);
  await mkdir(dir, { recursive: true });
  const file = new URL(`sync-${String(meta.date).replace(/[:.]/g, '-')}.json`, dir);
  await writeFile(file, JSON.stringify({ ...meta, n, stream: streamName, rows, rss }, null, 2));
  log(`results written to ${file.pathname}`);
}

const dropAll = async () => {
  for (const s of Object.values(SCHEMAS)) await dropSchema(url, s).catch(() => {});
};
await dropAll();
await main().finally(dropAll);
