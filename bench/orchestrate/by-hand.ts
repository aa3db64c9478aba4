/**
 * The by-hand row of the orchestration benchmark, a process of its own like the workers:
 * `node bench/orchestrate/by-hand.ts '<json options>'`. The same eight entities synced one after another
 * in dependency order, without jobs: for each entity, walk its pages with the adapter (taking a token
 * from the same Postgres rate-limit bucket before each request, as the engine's wrapping does), check
 * each record against the entity's schema (as the engine does), and write each page through the
 * canonical sink (createCanonicalSink, built by engineSinkFor exactly as a stream job builds it, so
 * whatever the engine's write path does — beforeWrite's parent check included — is done here too)
 * together with the checkpoint the engine would save for it — the stream state and the run's stream
 * progress — in one transaction. What is left out is exactly the orchestration: jobs, leases, claims,
 * snoozing, fan-out, dependency gating. Prints one line, `result <json>`.
 */
import { migrate } from '../../src/db/migrate.ts';
import { createPgDb } from '../../src/db/pg-driver.ts';
import type { EntityDefinition } from '../../src/protocol/manifest.ts';
import type { RecordPayload } from '../../src/protocol/messages.ts';
import { engineSinkFor } from '../../src/sync/engine-sink.ts';
import { buildDependencyGraph } from '../../src/sync/manifest/graph.ts';
import { createRateLimiter } from '../../src/sync/manifest/rate-limiter.ts';
import { manifestSource, type EntityCursor } from '../../src/sync/manifest/source.ts';
import { createPipeline, createRun } from '../../src/sync/pipeline-store.ts';
import { finishStreamProgress, recordCheckpoint, startStreamProgress } from '../../src/sync/progress-store.ts';
import { saveStreamState } from '../../src/sync/state-store.ts';
import { busyShare, cpuSample } from './cpu.ts';
import { benchAdapter, benchManifest } from './manifest.ts';

export interface ByHandArgs {
  dbUrl: string;
  schema: string;
  baseUrl: string;
  poolSize: number;
}

export interface ByHandResult {
  records: number;
  pages: number;
  ms: number;
  order: string[];
  /** Each entity's start and end, ms from the start. */
  timeline: { entity: string; startMs: number; endMs: number; records: number }[];
  requests: number;
  acquireMs: number;
  fetchMs: number;
  peakRss: number;
  maxRss: number;
  cpuUserMs: number;
  cpuSystemMs: number;
  /** Share of the machine's CPU time busy while syncing (all processes). */
  machineBusy: number | undefined;
}

async function main(o: ByHandArgs): Promise<ByHandResult> {
  const db = createPgDb({ connectionString: o.dbUrl, max: o.poolSize, applicationName: 'bench-orchestrate-by-hand' });
  try {
    await migrate(db, o.schema);
    const config = { base_url: o.baseUrl };
    const entities = benchManifest.entities as Record<string, EntityDefinition<string>>;
    const names = Object.keys(entities);
    const pipeline = await createPipeline(db, o.schema, {
      name: 'bench-orchestrate-by-hand',
      source: { connector: 'benchorch', config },
      destination: { connector: 'canonical', config: {} },
      streams: names,
      mode: 'full_refresh',
    });
    const runId = await createRun(db, o.schema, pipeline.id);
    const adapter = benchAdapter();
    const limiter = createRateLimiter(db, o.schema);
    const source = manifestSource(adapter, { limiter });
    const sink = engineSinkFor(db, { connector: 'canonical', config: {} }, { schema: o.schema, source, sourceConfig: config, runId, mode: 'full_refresh' });
    if (!sink) throw new Error('the canonical destination gave no engine sink');
    const { order } = buildDependencyGraph(names.map((name) => ({ name, hard: entities[name]!.dependsOn?.hard ?? [], soft: entities[name]!.dependsOn?.soft ?? [] })));
    const signal = new AbortController().signal;
    const acquire = () => limiter.acquire(adapter.rateLimit(config), signal);

    let peakRss = process.memoryUsage().rss;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }, 100);
    const timeline: ByHandResult['timeline'] = [];
    let totalRecords = 0;
    let totalPages = 0;
    const cpu = cpuSample();
    const started = performance.now();
    for (const entity of order) {
      const def = entities[entity]!;
      const startMs = performance.now() - started;
      await startStreamProgress(db, o.schema, runId, entity);
      await sink.prepare({ streams: [] });
      let page: string | null = null;
      let records = 0;
      let pages = 0;
      for (;;) {
        const result = await adapter.listPage({ config, entity, page, pageSize: def.endpoints.list.maxPageSize ?? 100, signal, acquire });
        const emitted_at = new Date().toISOString();
        const batch: RecordPayload[] = [];
        for (const raw of result.records) {
          const parsed = def.schema.safeParse(raw);
          if (parsed.success) batch.push({ stream: entity, data: parsed.data as Record<string, unknown>, emitted_at });
        }
        // The state the engine saves after this page: the next page's token, or the pass complete.
        const cursor: EntityCursor = { cursor: null, pass: result.next === null ? null : { since: null, seen: [], page: result.next } };
        const progress = { records: records + batch.length, pages: pages + 1, cursor };
        if (batch.length > 0) await sink.beforeWrite?.(entity, batch, signal);
        await db.transaction(async (tx) => {
          if (batch.length > 0) await sink.write(tx, entity, batch);
          await saveStreamState(tx, o.schema, pipeline.id, entity, cursor);
          await recordCheckpoint(tx, o.schema, runId, entity, progress);
        });
        records = progress.records;
        pages = progress.pages;
        if (result.next === null) break;
        page = result.next;
      }
      const finish = sink.finish?.bind(sink);
      if (finish) await db.transaction((tx) => finish(tx, entity));
      await finishStreamProgress(db, o.schema, runId, entity, 'succeeded');
      timeline.push({ entity, startMs, endMs: performance.now() - started, records });
      totalRecords += records;
      totalPages += pages;
    }
    const ms = performance.now() - started;
    const machineBusy = busyShare(cpu, cpuSample());
    clearInterval(sampler);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    const usage = process.resourceUsage();
    return {
      records: totalRecords,
      pages: totalPages,
      ms,
      order,
      timeline,
      ...adapter.stats,
      peakRss,
      maxRss: usage.maxRSS * 1024,
      cpuUserMs: usage.userCPUTime / 1000,
      cpuSystemMs: usage.systemCPUTime / 1000,
      machineBusy,
    };
  } finally {
    await db.close();
  }
}

const result = await main(JSON.parse(process.argv[2] ?? '') as ByHandArgs);
process.stdout.write(`result ${JSON.stringify(result)}\n`);
