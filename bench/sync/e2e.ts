/**
 * The end-to-end row, run as a process of its own so its peak RSS is the sync's alone (the fake Stripe and
 * the records the other rows hold in memory live elsewhere): `node bench/sync/e2e.ts '<json options>'`.
 * The real path: Stripe source (HTTP to the fake) → runStreamSync → Postgres destination, with every
 * checkpoint saved in a migrated engine schema. Prints one line, `result <json>`, on stdout.
 */
import { createPgDb } from '../../src/db/pg-driver.ts';
import { migrate } from '../../src/db/migrate.ts';
import { postgresDestination } from '../../src/connectors/postgres/index.ts';
import { stripeSource } from '../../src/connectors/stripe/index.ts';
import { silentLogger } from '../../src/log.ts';
import { createPipeline, createRun } from '../../src/sync/pipeline-store.ts';
import { runStreamSync } from '../../src/sync/run-stream.ts';
import { discoverStream, sourceConfig } from './source.ts';

export interface E2eOptions {
  fakeUrl: string;
  dbUrl: string;
  stream: string;
  engineSchema: string;
  destSchema: string;
  batchSize: number;
}

export interface E2eResult {
  records: number;
  pages: number;
  ms: number;
  /** Highest RSS sampled every 50 ms while the sync ran, bytes. */
  peakRss: number;
  /** RSS just before the sync started (modules loaded, pools not yet open), bytes. */
  startRss: number;
  /** The kernel's high-water mark for the whole process (getrusage), bytes. */
  maxRss: number;
  /** V8 heap used at the end, bytes. */
  heapUsedEnd: number;
}

async function main(o: E2eOptions): Promise<E2eResult> {
  const stream = await discoverStream(o.fakeUrl, o.stream);
  const db = createPgDb({ connectionString: o.dbUrl, max: 4, applicationName: 'bench-sync-engine' });
  try {
    await db.exec(`drop schema if exists "${o.engineSchema}" cascade`);
    await migrate(db, o.engineSchema);
    const pipeline = await createPipeline(db, o.engineSchema, {
      name: 'bench',
      source: { connector: 'stripe', config: {} },
      destination: { connector: 'postgres', config: {} },
      streams: [o.stream],
      mode: 'full_refresh',
    });
    const runId = await createRun(db, o.engineSchema, pipeline.id);

    const startRss = process.memoryUsage().rss;
    let peakRss = startRss;
    // BENCH_RSS_TRACE=1: one line a second on stderr, to see whether memory grows with the records.
    const trace = process.env.BENCH_RSS_TRACE === '1';
    let tick = 0;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      peakRss = Math.max(peakRss, m.rss);
      if (trace && ++tick % 20 === 0) process.stderr.write(`[e2e] ${(tick / 20).toFixed(0)} s rss ${(m.rss / 2 ** 20).toFixed(0)} MB heap ${(m.heapUsed / 2 ** 20).toFixed(0)}/${(m.heapTotal / 2 ** 20).toFixed(0)} MB external ${(m.external / 2 ** 20).toFixed(0)} MB\n`);
    }, 50);
    const started = performance.now();
    const counts = await runStreamSync({
      source: stripeSource,
      sourceConfig: sourceConfig(o.fakeUrl, o.stream),
      destination: postgresDestination,
      destinationConfig: { connection_string: o.dbUrl, schema: o.destSchema, batch_size: o.batchSize },
      stream,
      syncMode: 'full_refresh',
      pipelineId: pipeline.id,
      runId,
      db,
      schema: o.engineSchema,
      signal: new AbortController().signal,
      logger: silentLogger,
    });
    const ms = performance.now() - started;
    clearInterval(sampler);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    return {
      records: counts.records,
      pages: counts.pages,
      ms,
      peakRss,
      startRss,
      maxRss: process.resourceUsage().maxRSS * 1024,
      heapUsedEnd: process.memoryUsage().heapUsed,
    };
  } finally {
    await db.exec(`drop schema if exists "${o.engineSchema}" cascade`).catch(() => {});
    await db.close();
  }
}

const result = await main(JSON.parse(process.argv[2] ?? '') as E2eOptions);
process.stdout.write(`result ${JSON.stringify(result)}\n`);
