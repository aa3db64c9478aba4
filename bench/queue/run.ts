/**
 * Queue benchmark: SyncBridge (Postgres and PGlite) against graphile-worker and pg-boss on the same
 * Postgres, with no-op jobs: enqueue rate (single and batched), drain rate at concurrency 10 and 50,
 * and enqueue-to-start latency. Prints a markdown table and writes JSON to bench/.results/.
 *
 *   npm run bench:queue                    BENCH_JOBS=20000 by default; BENCH_QUICK=1 for ~2000 jobs
 *   BENCH_DATABASE_URL=postgres://…        default postgres://postgres@127.0.0.1:5432/test
 *   BENCH_SYSTEMS=syncbridge,graphile      only systems whose name contains one of these (case-insensitive)
 *   BENCH_ROUNDS=5                         repeat, alternating the systems' order; medians + each round's ratios
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { dropSchema, serverVersion } from '../lib/pg.ts';
import { fmt, percentile } from '../lib/stats.ts';
import { markdownTable } from '../lib/table.ts';
import { graphileSystem } from './graphile.ts';
import { enqueueFloor, enqueueSideBySide } from './floor.ts';
import { enqueueBatches, enqueueSingle, processQueued, startLatency, type ProcessResult } from './measure.ts';
import { median, medianResults, roundsReport, subjects, type Result, type Round } from './rounds.ts';
import { pgBossSystem } from './pgboss.ts';
import { syncBridgeSystem } from './syncbridge.ts';
import type { QueueSystem } from './system.ts';

const url = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const quick = process.env.BENCH_QUICK === '1';
const n = Number(process.env.BENCH_JOBS ?? (quick ? 2000 : 20_000));
if (!Number.isInteger(n) || n <= 0) throw new Error(`BENCH_JOBS must be a positive integer, got ${process.env.BENCH_JOBS}`);
const roundCount = Number(process.env.BENCH_ROUNDS ?? 1);
if (!Number.isInteger(roundCount) || roundCount <= 0) throw new Error(`BENCH_ROUNDS must be a positive integer, got ${process.env.BENCH_ROUNDS}`);
const cfg = {
  n,
  single: Math.min(n, quick ? 1000 : 5000),
  batchSize: 5000,
  concurrencies: [10, 50] as const,
  latencySamples: quick ? 50 : 200,
  processCapMs: Number(process.env.BENCH_PROCESS_CAP_S ?? 120) * 1000,
};

/** Batches per side in the alternating floor / SyncBridge measurement. */
const SIDE_BY_SIDE_BATCHES = 16;

const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

async function benchSystem(sys: QueueSystem): Promise<Result> {
  const r: Result = { name: sys.name, backend: sys.backend, settings: sys.settings, process: {} };
  const step = `${sys.name} / ${sys.backend}`;
  try {
    await sys.setup();
    log(`${step}: enqueue single x${cfg.single}`);
    r.enqueueSingle = await enqueueSingle(sys, cfg.single);
    await sys.reset();
    // Each processing run is preloaded by a batch enqueue of N jobs into an emptied queue; both preloads
    // are timed and the better counts, the rule the enqueue floor follows (best of two passes), so that
    // a first pass paying for cold caches and plans is not compared against a warm one.
    r.enqueueBatchPasses = [];
    for (const c of cfg.concurrencies) {
      log(`${step}: enqueue batch x${cfg.n}, then process at c=${c}`);
      r.enqueueBatchPasses.push(await enqueueBatches(sys, cfg.n, cfg.batchSize));
      r.enqueueBatch = Math.max(...r.enqueueBatchPasses);
      r.process[c] = await processQueued(sys, cfg.n, c, sys.processCapMs ?? cfg.processCapMs);
      await sys.reset();
    }
    const samples = Math.min(cfg.latencySamples, sys.latencySamples ?? cfg.latencySamples);
    log(`${step}: latency x${samples}`);
    const lat = await startLatency(sys, samples, 10_000);
    r.latency = { p50: percentile(lat, 50), p99: percentile(lat, 99), samples };
  } catch (err) {
    r.error = err instanceof Error ? err.message : String(err);
    log(`${step}: FAILED ${r.error}`);
  } finally {
    await sys.teardown().catch((err: unknown) => log(`${step}: teardown failed: ${String(err)}`));
  }
  return r;
}

function processCell(p: ProcessResult | undefined): string {
  if (!p) return '—';
  return p.capped ? `${fmt(p.jobsPerSec)} ‡` : fmt(p.jobsPerSec);
}

function report(results: Result[], meta: Record<string, string | number>, floor: number | undefined, rounds: number, sideBySide: Round['sideBySide'][]): string {
  const [c1, c2] = cfg.concurrencies;
  const rows = results.map((r) => [
    r.name,
    r.backend,
    fmt(r.enqueueSingle),
    fmt(r.enqueueBatch),
    processCell(r.process[c1]),
    processCell(r.process[c2]),
    r.latency ? fmt(r.latency.p50, 1) : '—',
    r.latency ? fmt(r.latency.p99, 1) : '—',
  ]);
  const out = [
    `Queue benchmark — ${meta.date}; Node ${meta.node}; Postgres ${meta.postgres}; N = ${cfg.n} jobs; ${meta.cores} cores; load avg at start ${meta.loadStart}, at end ${meta.loadEnd}` +
      (rounds > 1 ? `; every figure the median of ${rounds} rounds` : ''),
    '',
    markdownTable(
      [
        'system',
        'backend',
        `enqueue single (jobs/s, ${cfg.single} jobs)`,
        `enqueue batch (jobs/s, batches of ${cfg.batchSize}, best of 2)`,
        `process c=${c1} (jobs/s)`,
        `process c=${c2} (jobs/s)`,
        'latency p50 (ms)',
        'latency p99 (ms)',
      ],
      rows,
    ),
    '',
  ];
  const { sb, gw } = subjects(results);
  for (const c of cfg.concurrencies) {
    const a = sb?.process[c];
    const b = gw?.process[c];
    if (a && b) out.push(`SyncBridge Postgres / graphile-worker best at c=${c}: ${(a.jobsPerSec / b.jobsPerSec).toFixed(2)}×`);
  }
  if (sb?.enqueueBatch && gw?.enqueueBatch) {
    out.push(`SyncBridge Postgres / graphile-worker best, batch enqueue: ${(sb.enqueueBatch / gw.enqueueBatch).toFixed(2)}×`);
  }
  if (floor !== undefined) {
    out.push(
      `Enqueue floor (Postgres alone: INSERT … SELECT generate_series into the SyncBridge jobs table, batches of ${cfg.batchSize}): ${fmt(floor)} jobs/s` +
        (sb?.enqueueBatch ? `; SyncBridge batch enqueue is ${(sb.enqueueBatch / floor).toFixed(2)}× of it` : ''),
    );
  }
  for (const s of sideBySide) {
    if (!s) continue;
    out.push(
      `Batch by batch (${SIDE_BY_SIDE_BATCHES} floor batches and ${SIDE_BY_SIDE_BATCHES} SyncBridge batches of ${cfg.batchSize}, alternating, one table): ` +
        `floor ${fmt(s.floor)} jobs/s, SyncBridge ${fmt(s.syncbridge)} jobs/s: ${(s.syncbridge / s.floor).toFixed(2)}×`,
    );
  }
  out.push('', 'Notes:');
  for (const r of results) {
    const samples = r.latency ? `; latency over ${r.latency.samples} samples` : '';
    out.push(`- ${r.name} (${r.backend}): ${r.settings}${samples}`);
    for (const [c, p] of Object.entries(r.process)) {
      if (p.capped) out.push(`  - ‡ c=${c} hit the time cap: ${p.done} of ${cfg.n} jobs done in ${(p.ms / 1000).toFixed(1)} s`);
    }
    if (r.error) out.push(`  - FAILED: ${r.error}`);
  }
  out.push(
    '- Processing is timed from the first handler start until the database shows every job done (start-up not counted);',
    '  every handler is a no-op. Latency: idle worker (concurrency 10), one job at a time 10–20 ms apart, enqueue call to handler start.',
  );
  return out.join('\n');
}

async function main() {
  const filter = (process.env.BENCH_SYSTEMS ?? '').toLowerCase().split(',').filter(Boolean);
  const systems: (() => QueueSystem)[] = [
    () => syncBridgeSystem({ url }),
    () => syncBridgeSystem({}),
    () => graphileSystem(url, false),
    () => graphileSystem(url, true),
    () => pgBossSystem(url, false),
    () => pgBossSystem(url, true),
  ];
  const meta: Record<string, string | number> = {
    date: new Date().toISOString(),
    node: process.version,
    postgres: await serverVersion(url),
    cores: cpus().length,
    loadStart: loadavg()[0]!.toFixed(2),
  };
  log(`N=${cfg.n}, single sample ${cfg.single}, ${url.replace(/\/\/[^@]*@/, '//…@')}`);
  // A fresh instance of each system every round (setup after teardown is not part of the contract).
  const wantedNow = () =>
    systems
      .map((make) => make())
      .filter((sys) => {
        const label = `${sys.name} ${sys.backend}`.toLowerCase();
        return filter.length === 0 || filter.some((f) => label.includes(f));
      });
  const wanted = wantedNow();
  const withFloor = filter.length === 0 || filter.some((f) => 'syncbridge postgres'.includes(f) || f === 'floor');
  const rounds: Round[] = [];
  for (let k = 0; k < roundCount; k++) {
    if (roundCount > 1) log(`round ${k + 1} of ${roundCount}`);
    const round: Round = { load: loadavg()[0]!.toFixed(2), startedAt: new Date().toISOString(), floor: undefined, results: [] };
    // First, so that it runs under the same conditions as SyncBridge's own batch enqueue right after it.
    if (withFloor) {
      log(`enqueue floor x${cfg.n}`);
      round.floor = await enqueueFloor(url, cfg.n, cfg.batchSize).catch((err: unknown) => {
        log(`enqueue floor: FAILED ${String(err)}`);
        return undefined;
      });
      log(`enqueue floor and SyncBridge, batch by batch x${SIDE_BY_SIDE_BATCHES}`);
      round.sideBySide = await enqueueSideBySide(url, SIDE_BY_SIDE_BATCHES, cfg.batchSize).catch((err: unknown) => {
        log(`batch by batch: FAILED ${String(err)}`);
        return undefined;
      });
    }
    // Odd rounds run the systems in reverse, so no system always goes first (or always last).
    const fresh = wantedNow();
    const order = k % 2 === 0 ? fresh : [...fresh].reverse();
    for (const sys of order) round.results.push(await benchSystem(sys));
    round.results.sort((a, b) => wanted.findIndex((w) => w.name === a.name && w.backend === a.backend) - wanted.findIndex((w) => w.name === b.name && w.backend === b.backend));
    rounds.push(round);
  }
  meta.loadEnd = loadavg()[0]!.toFixed(2);
  const floors = rounds.map((r) => r.floor).filter((f) => f !== undefined);
  const floor = floors.length ? median(floors) : undefined;
  const results = roundCount > 1 ? medianResults(rounds) : rounds[0]!.results;
  console.log(report(results, meta, floor, roundCount, roundCount > 1 ? [] : rounds.map((r) => r.sideBySide)));
  if (roundCount > 1) console.log(`\nEach round, SyncBridge on Postgres against graphile-worker's best:\n\n${roundsReport(rounds, cfg.concurrencies)}`);

  const dir = new URL('../.results/', import.meta.url);
  await mkdir(dir, { recursive: true });
  const file = new URL(`queue-${String(meta.date).replace(/[:.]/g, '-')}.json`, dir);
  await writeFile(file, JSON.stringify({ ...meta, config: cfg, results, enqueueFloor: floor, rounds }, null, 2));
  log(`results written to ${file.pathname}`);
}

process.on('unhandledRejection', (err) => log(`unhandled rejection: ${String(err)}`));
await main().finally(async () => {
  // Should a run die half-way, leave no benchmark schema behind.
  for (const s of ['sbbench_q', 'sbbench_floor', 'gwbench', 'pgbossbench']) await dropSchema(url, s).catch(() => {});
});
