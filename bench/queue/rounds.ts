/**
 * Several rounds of the queue benchmark in one run (BENCH_ROUNDS). On a shared machine the database's
 * speed moves by 2× within minutes, and a full round measures the systems minutes apart; what holds
 * from round to round is each round's ratio between systems measured back to back. So a multi-round run
 * alternates the systems' order (a system measured first in one round is measured last in the next),
 * reports each metric as the median over rounds, and lists every round's ratios.
 */
import { fmt } from '../lib/stats.ts';
import { markdownTable } from '../lib/table.ts';
import type { ProcessResult } from './measure.ts';

export interface Result {
  name: string;
  backend: string;
  settings: string;
  enqueueSingle?: number;
  /** The better of the timed batch-enqueue passes (see benchSystem in run.ts). */
  enqueueBatch?: number;
  enqueueBatchPasses?: number[];
  process: Record<number, ProcessResult>;
  latency?: { p50: number; p99: number; samples: number };
  error?: string;
}

export interface Round {
  /** Load average when the round started. */
  load: string;
  startedAt: string;
  floor: number | undefined;
  /** SyncBridge's batch enqueue and the floor, alternating batch by batch (floor.ts). */
  sideBySide?: { floor: number; syncbridge: number };
  results: Result[];
}

/** The systems the targets compare: SyncBridge on Postgres and graphile-worker's best. */
export function subjects(results: readonly Result[]) {
  return {
    sb: results.find((r) => r.name === 'SyncBridge' && r.backend === 'Postgres'),
    gw: results.find((r) => r.name === 'graphile-worker (best)'),
  };
}

/** The middle value; with an even count, the mean of the two middle ones. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
const defined = <T>(xs: readonly (T | undefined)[]) => xs.filter((x): x is T => x !== undefined && !Number.isNaN(x));

/** One result per system, each figure the median of that system's rounds. */
export function medianResults(rounds: readonly Round[]): Result[] {
  const first = rounds[0]?.results ?? [];
  return first.map((r) => {
    const mine = rounds.map((round) => round.results.find((x) => x.name === r.name && x.backend === r.backend)).filter((x) => x !== undefined);
    const process: Record<number, ProcessResult> = {};
    for (const c of Object.keys(r.process).map(Number)) {
      const runs = mine.map((x) => x.process[c]).filter((p) => p !== undefined);
      const rate = median(runs.map((p) => p.jobsPerSec));
      process[c] = { jobsPerSec: rate, done: Math.min(...runs.map((p) => p.done)), ms: median(runs.map((p) => p.ms)), capped: runs.some((p) => p.capped) };
    }
    const p50s = defined(mine.map((x) => x.latency?.p50));
    return {
      ...r,
      enqueueSingle: median(defined(mine.map((x) => x.enqueueSingle))),
      enqueueBatch: median(defined(mine.map((x) => x.enqueueBatch))),
      process,
      latency: p50s.length ? { p50: median(p50s), p99: median(defined(mine.map((x) => x.latency?.p99))), samples: r.latency?.samples ?? 0 } : undefined,
      error: mine.map((x) => x.error).find((e) => e !== undefined),
    };
  });
}

const ratio = (a: number | undefined, b: number | undefined) => (a && b ? a / b : Number.NaN);
const times = (x: number) => (Number.isNaN(x) ? '—' : `${x.toFixed(2)}×`);

/** Every round's figures for the compared pair, and the median and range of each ratio. */
export function roundsReport(rounds: readonly Round[], concurrencies: readonly [number, number]): string {
  const [c1, c2] = concurrencies;
  const per = rounds.map((round) => {
    const { sb, gw } = subjects(round.results);
    return {
      round,
      sb,
      gw,
      r1: ratio(sb?.process[c1]?.jobsPerSec, gw?.process[c1]?.jobsPerSec),
      r2: ratio(sb?.process[c2]?.jobsPerSec, gw?.process[c2]?.jobsPerSec),
      enqGw: ratio(sb?.enqueueBatch, gw?.enqueueBatch),
      enqFloor: ratio(sb?.enqueueBatch, round.floor),
      lat: ratio(sb?.latency?.p50, gw?.latency?.p50),
    };
  });
  const rows = per.map((p, i) => [
    `${i + 1} (${p.round.startedAt.slice(11, 16)}, load ${p.round.load})`,
    `${fmt(p.sb?.process[c1]?.jobsPerSec)} / ${fmt(p.sb?.process[c2]?.jobsPerSec)}`,
    `${fmt(p.gw?.process[c1]?.jobsPerSec)} / ${fmt(p.gw?.process[c2]?.jobsPerSec)}`,
    `${times(p.r1)} / ${times(p.r2)}`,
    `${fmt(p.sb?.enqueueBatch)} (${fmt(p.round.floor)}; ${fmt(p.gw?.enqueueBatch)})`,
    `${times(p.enqFloor)} / ${times(p.enqGw)}`,
    `${fmt(p.sb?.latency?.p50, 1)} / ${fmt(p.gw?.latency?.p50, 1)}`,
  ]);
  const summary = (label: string, xs: number[]) => {
    const ok = defined(xs);
    return ok.length ? `${label}: median ${times(median(ok))}, ${times(Math.min(...ok))}–${times(Math.max(...ok))} over ${ok.length} rounds` : undefined;
  };
  return [
    markdownTable(
      [
        'round (UTC, load at start)',
        `SyncBridge c=${c1} / c=${c2}`,
        `graphile-worker best c=${c1} / c=${c2}`,
        `ratio c=${c1} / c=${c2}`,
        'SyncBridge batch enqueue (floor; graphile best)',
        'batch enqueue / floor, / graphile best',
        'latency p50 SyncBridge / graphile best (ms)',
      ],
      rows,
    ),
    '',
    ...defined([
      summary(`SyncBridge / graphile-worker best, process c=${c1}`, per.map((p) => p.r1)),
      summary(`SyncBridge / graphile-worker best, process c=${c2}`, per.map((p) => p.r2)),
      summary('SyncBridge batch enqueue / enqueue floor', per.map((p) => p.enqFloor)),
      summary('SyncBridge batch enqueue / graphile-worker best', per.map((p) => p.enqGw)),
      summary('SyncBridge batch enqueue / floor, batch by batch', per.map((p) => ratio(p.round.sideBySide?.syncbridge, p.round.sideBySide?.floor))),
      summary('SyncBridge latency p50 / graphile-worker best', per.map((p) => p.lat)),
    ]),
  ].join('\n');
}
