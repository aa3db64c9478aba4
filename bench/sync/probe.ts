/**
 * Where a write batch's time goes, for the sync benchmark's writers: not a benchmark of its own (run.ts
 * is), a breakdown to read beside it. `node bench/sync/probe.ts` (BENCH_RECORDS, default 20000).
 *
 * 1. Client-side cost: writeBatch against a client that answers at once (dedupe, column text, JSON of
 *    `_raw`), then pg's parameter serialisation of those arrays.
 * 2. Server-side cost: EXPLAIN ANALYZE of one batch into a fresh table (planning, execution).
 * 3. Variants over the same records into fresh tables: batch size, a transaction per batch or
 *    autocommit, synchronous_commit on/off; the same for the Stripe Sync Engine statement.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { createPostgresWriter } from '../../src/connectors/postgres/index.ts';
import type { QueryClient } from '../../src/connectors/postgres/query-client.ts';
import type { RecordPayload, StreamDescriptor } from '../../src/protocol/messages.ts';
import { dropSchema } from '../lib/pg.ts';
import { fmt, percentile, perSecond } from '../lib/stats.ts';
import { markdownTable } from '../lib/table.ts';
import { discoverStream, readRecords } from './source.ts';
import { createTable, stripeStyleUpsert, writeOurs, writeStripeStyle, type WriteResult } from './writers.ts';

const url = process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const n = Number(process.env.BENCH_RECORDS || 20_000);
const SCHEMA = 'sbbench_sync_probe';
const log = (msg: string) => process.stderr.write(`[probe] ${msg}\n`);

const prepareValue = (pg as unknown as { utils: { prepareValue(v: unknown): unknown } }).utils.prepareValue;

/** Milliseconds pg takes to turn `params` into the text it sends (arrays become array literals), median of 10. */
function timeSerialise(params: readonly unknown[]): number {
  const times: number[] = [];
  for (let i = 0; i < 12; i++) {
    const t = performance.now();
    params.map((p) => prepareValue(p));
    if (i >= 2) times.push(performance.now() - t);
  }
  return percentile(times, 50);
}

/** A QueryClient that records what it is asked and answers at once. */
function capturing(): QueryClient & { last?: { sql: string; params: unknown[] } } {
  const c: QueryClient & { last?: { sql: string; params: unknown[] } } = {
    async query(sql: string, params?: unknown[]) {
      if (params) c.last = { sql, params };
      return { rows: [{ inserted: 0, updated: 0 }] };
    },
  };
  return c;
}

async function clientSide(stream: StreamDescriptor, records: readonly RecordPayload[], batch: number, rawDocument = false): Promise<string[]> {
  const cap = capturing();
  const target = rawDocument ? rawAsJsonDocument(cap) : cap;
  // prepare() runs on a real connection (it reads the table's columns); the batch statements go to `cap`.
  const real = new pg.Client({ connectionString: url });
  await real.connect();
  try {
    await createTable(real, SCHEMA, stream);
    const w = createPostgresWriter(
      {
        query: (sql, params) => (params && sql.includes('jsonb_array_elements') ? target.query(sql, params) : real.query(sql, params)),
      },
      { schema: SCHEMA, deletes: 'flag' },
    );
    await w.prepare({ streams: [{ stream, sync_mode: 'full_refresh' }] });
    for (let i = 0; i < 3; i++) await w.writeBatch(stream.name, records.slice(0, batch)); // warm-up
    const t = performance.now();
    let batches = 0;
    for (let from = 0; from < records.length; from += batch) {
      await w.writeBatch(stream.name, records.slice(from, from + batch));
      batches++;
    }
    const prepMs = (performance.now() - t) / batches;
    const params = cap.last!.params;
    const serialiseMs = timeSerialise(params);
    const bytes = params.map((p) => String(prepareValue(p)).length).reduce((a, b) => a + b, 0);
    const explain = await real.query<{ 'QUERY PLAN': [{ 'Planning Time': number; 'Execution Time': number }] }>(`explain (analyze, format json) ${cap.last!.sql}`, params);
    const plan = explain.rows[0]!['QUERY PLAN'][0];
    return [`ours${rawDocument ? ' with _raw as one jsonb document' : ''}, batch ${batch}`, fmt(prepMs, 2), fmt(serialiseMs, 2), fmt(bytes / 1024), fmt(plan['Planning Time'], 2), fmt(plan['Execution Time'], 2)];
  } finally {
    await real.end();
  }
}

async function stripeServerSide(stream: StreamDescriptor, records: readonly RecordPayload[], page: number): Promise<string[]> {
  const real = new pg.Client({ connectionString: url });
  await real.connect();
  try {
    const columns = (await createTable(real, SCHEMA, stream)).map((c) => c.name);
    const rows = (r: readonly RecordPayload[]) =>
      r.map((x) => columns.map((c) => (c === '_raw' ? x.data : c === '_synced_at' ? new Date().toISOString() : c === '_deleted' ? false : (x.data[c] ?? null))));
    const t = performance.now();
    let batches = 0;
    let last: { sql: string; params: unknown[] } | undefined;
    for (let from = 0; from < records.length; from += page) {
      last = stripeStyleUpsert(SCHEMA, stream.name, columns, rows(records.slice(from, from + page)));
      batches++;
    }
    const prepMs = (performance.now() - t) / batches;
    const serialiseMs = timeSerialise(last!.params);
    const bytes = last!.params.map((p) => String(prepareValue(p)).length).reduce((a, b) => a + b, 0) + last!.sql.length;
    const explain = await real.query<{ 'QUERY PLAN': [{ 'Planning Time': number; 'Execution Time': number }] }>(`explain (analyze, format json) ${last!.sql}`, last!.params);
    const plan = explain.rows[0]!['QUERY PLAN'][0];
    return [`Stripe approach, page ${page}`, fmt(prepMs, 2), fmt(serialiseMs, 2), fmt(bytes / 1024), fmt(plan['Planning Time'], 2), fmt(plan['Execution Time'], 2)];
  } finally {
    await real.end();
  }
}

async function variant(label: string, stream: StreamDescriptor, run: (c: pg.Client) => Promise<WriteResult>, syncCommit: 'on' | 'off'): Promise<string[]> {
  const client = new pg.Client({ connectionString: url, options: `-c synchronous_commit=${syncCommit}` });
  await client.connect();
  try {
    await createTable(client, SCHEMA, stream);
    await client.query('checkpoint').catch(() => {});
    const r = await run(client);
    return [label, `synchronous_commit ${syncCommit}`, fmt(perSecond(r.rows, r.ms)), `${fmt(percentile(r.batches, 50), 1)} / ${fmt(percentile(r.batches, 99), 1)}`];
  } finally {
    await client.end();
  }
}

/**
 * A candidate change to upsert.ts, tried here without touching it: the batch's `_raw` values go as ONE
 * jsonb document (a JSON array, which pg sends as it is) instead of a text[] literal (which pg builds by
 * escaping every quote of every record, and Postgres parses back with array_in), zipped with the typed
 * columns' arrays by ROWS FROM. Rewrites the upsert statement ours sends; everything else is unchanged.
 */
function rawAsJsonDocument(client: QueryClient): QueryClient {
  return {
    query(sql, params) {
      const m = /unnest\(((?:\$\d+::text\[\],? ?)+)\) as v\(([^)]*)\)/.exec(sql);
      // upsert.ts now sends `_raw` this way itself (the change landed): nothing left to rewrite.
      if (!params || !sql.startsWith('with written as (\n  insert') || sql.includes('jsonb_array_elements')) return client.query(sql, params);
      if (!m) throw new Error('probe: the upsert statement of upsert.ts changed shape; update rawAsJsonDocument');
      const args = m[1]!.split(',').map((a) => a.trim());
      const last = args.length - 1;
      const from = `rows from (${args.map((a, i) => (i === last ? `jsonb_array_elements(${a.replace('::text[]', '::jsonb')})` : `unnest(${a})`)).join(', ')}) as v(${m[2]})`;
      const raw = params[last] as string[];
      const rewritten = [...params];
      rewritten[last] = `[${raw.join(',')}]`;
      return client.query(sql.replace(m[0], from), rewritten);
    },
  };
}

/** Ours without the begin/commit around each batch: one statement, autocommit, as the Stripe approach sends. */
async function oursAutocommit(client: pg.Client, stream: StreamDescriptor, records: readonly RecordPayload[], batch: number): Promise<WriteResult> {
  const writer = createPostgresWriter(client, { schema: SCHEMA, deletes: 'flag' });
  await writer.prepare({ streams: [{ stream, sync_mode: 'full_refresh' }] });
  const batches: number[] = [];
  const started = performance.now();
  for (let from = 0; from < records.length; from += batch) {
    const t = performance.now();
    await writer.writeBatch(stream.name, records.slice(from, from + batch));
    batches.push(performance.now() - t);
  }
  return { rows: records.length, ms: performance.now() - started, batches };
}

async function main() {
  const proc = spawn(process.execPath, [new URL('./fake-server.ts', import.meta.url).pathname, String(n)], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    let fakeUrl = '';
    for await (const line of createInterface({ input: proc.stdout })) {
      const m = /^listening (\S+)/.exec(line);
      if (m) {
        fakeUrl = m[1]!;
        break;
      }
    }
    const stream = await discoverStream(fakeUrl, 'charges');
    const records = await readRecords(fakeUrl, stream);
    log(`${records.length} records read`);

    const costs: string[][] = [];
    for (const b of [100, 1000, 5000]) costs.push(await clientSide(stream, records, b));
    for (const b of [100, 1000, 5000]) costs.push(await clientSide(stream, records, b, true));
    for (const p of [100, 1000]) costs.push(await stripeServerSide(stream, records, p));
    console.log(`\nPer batch, ${n} charges (ms unless stated):\n`);
    console.log(markdownTable(['statement', 'build params (JS)', 'pg serialise params', 'bytes sent (KiB)', 'planning', 'execution (EXPLAIN ANALYZE, fresh table)'], costs));

    const rows: string[][] = [];
    for (const sc of ['on', 'off'] as const) {
      for (const b of [100, 1000, 5000]) rows.push(await variant(`ours, batch ${b}, a transaction each`, stream, (c) => writeOurs(c, SCHEMA, stream, records, b), sc));
      // A plain QueryClient (not pg's Client) gets neither COPY nor a prepared statement: the upsert statement alone.
      for (const b of [100, 1000]) rows.push(await variant(`ours through a plain QueryClient (upsert statement, unprepared, no COPY), batch ${b}, a transaction each`, stream, (c) => writeOurs(rawAsJsonDocument(c), SCHEMA, stream, records, b), sc));
      rows.push(await variant('ours, batch 100, autocommit', stream, (c) => oursAutocommit(c, stream, records, 100), sc));
      rows.push(await variant('ours, batch 1000, autocommit', stream, (c) => oursAutocommit(c, stream, records, 1000), sc));
      for (const p of [100, 1000]) rows.push(await variant(`Stripe approach, page ${p}, autocommit`, stream, (c) => writeStripeStyle(c, SCHEMA, stream, records, p), sc));
    }
    console.log(`\nWhole runs of ${n} new rows into a fresh table:\n`);
    console.log(markdownTable(['writer', 'commit', 'rows/s', 'batch p50 / p99 (ms)'], rows));
  } finally {
    proc.kill('SIGTERM');
    await once(proc, 'exit');
    await dropSchema(url, SCHEMA);
  }
}

await main();
