/**
 * Orchestration benchmark: a manifest of 8 entities (bench/orchestrate/manifest.ts: 4 levels, hard and
 * soft dependencies) and N records (200,000 by default) from a fake HTTP server in its own process
 * (fake-server.ts), into the canonical tables on Postgres. In one run, each row on a fresh schema:
 *
 *   w1, w2, w4  Orchestrated with 1, 2 and 4 worker processes (worker.ts) at the engine's defaults
 *               (worker concurrency 10, entityConcurrency 4): the pipeline is created, the workers
 *               started and ready, then the run is started once (`pipelines.start`) and timed until
 *               the run is `succeeded`.
 *   w2s, w4s    The same with each process's concurrency cut to entityConcurrency ÷ processes (2 and 1),
 *               so that one process cannot take every stream of the run.
 *   w1seq       1 worker process, entityConcurrency 1: one entity at a time, as by hand.
 *   hand        By hand (by-hand.ts, its own process): the entities one after another in dependency
 *               order, no jobs — the adapter's pages written through createCanonicalSink with the same
 *               checkpoint statements, one transaction per page.
 *
 * The workers time their handlers (claimed, started, ended), which gives each entity's span, the
 * process that ran it, and how long claimed jobs waited in a worker's local buffer. Every row must
 * leave exactly N canonical rows (per model as expected) and N external links.
 *
 *   npm run bench:orchestrate                    N = 200,000
 *   BENCH_QUICK=1 npm run bench:orchestrate      N = 10,000, a smoke run
 *   BENCH_RECORDS=50000                          another N (spread over the entities in the same shares)
 *   BENCH_ROUNDS=3                               every row 3 times (rotating the order); the table shows medians
 *   BENCH_ROWS=w1,hand                           only these rows (w1, w2, w4, w2s, w4s, w1seq, hand)
 *   BENCH_WORKER_CONCURRENCY=10                  each worker process's `concurrency` (w1, w2, w4, w1seq)
 *   BENCH_ENTITY_CONCURRENCY=4                   the engine's `entityConcurrency` (all but w1seq)
 *   BENCH_DATABASE_URL=postgres://…              else TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { createInterface, type Interface } from 'node:readline';
import { createPgDb } from '../../src/db/pg-driver.ts';
import { quoteIdent } from '../../src/db/ident.ts';
import { createSyncBridge } from '../../src/syncbridge.ts';
import { dropSchema, serverVersion, withClient } from '../lib/pg.ts';
import { fmt, perSecond } from '../lib/stats.ts';
import { markdownTable } from '../lib/table.ts';
import { sleep } from '../lib/time.ts';
import type { ByHandArgs, ByHandResult } from './by-hand.ts';
import { busyShare, cpuSample } from './cpu.ts';
import { countsFor, ENTITIES, type Counts } from './data.ts';
import { benchAdapter, benchManifest } from './manifest.ts';
import type { WorkerArgs, WorkerResult } from './worker.ts';

const url = process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const quick = process.env.BENCH_QUICK === '1';
const total = Number(process.env.BENCH_RECORDS || (quick ? 10_000 : 200_000));
const counts = countsFor(total);
const rounds = Number(process.env.BENCH_ROUNDS || 1);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`BENCH_ROUNDS must be a positive integer, got ${process.env.BENCH_ROUNDS}`);
const workerConcurrency = Number(process.env.BENCH_WORKER_CONCURRENCY || 10);
const entityConcurrency = Number(process.env.BENCH_ENTITY_CONCURRENCY || 4);
const rowCapMs = Number(process.env.BENCH_ROW_CAP_S || 600) * 1000;
const POOL = 10; // each process's pool: the engine's default (openDb)
const MB = (bytes: number) => bytes / 2 ** 20;
const log = (msg: string) => process.stderr.write(`[bench:orchestrate] ${msg}\n`);

interface RowSpec {
  key: string;
  label: string;
  /** Worker processes; 0 for the by-hand row. */
  processes: number;
  /** Each worker process's `concurrency`. */
  concurrency: number;
  entityConcurrency: number;
}

const spread = (processes: number) => Math.max(1, Math.ceil(entityConcurrency / processes));
const ROWS: RowSpec[] = [
  { key: 'w1', label: 'Orchestrated, 1 worker process', processes: 1, concurrency: workerConcurrency, entityConcurrency },
  { key: 'w2', label: 'Orchestrated, 2 worker processes', processes: 2, concurrency: workerConcurrency, entityConcurrency },
  { key: 'w4', label: 'Orchestrated, 4 worker processes', processes: 4, concurrency: workerConcurrency, entityConcurrency },
  { key: 'w2s', label: `Orchestrated, 2 worker processes of concurrency ${spread(2)} (spread)`, processes: 2, concurrency: spread(2), entityConcurrency },
  { key: 'w4s', label: `Orchestrated, 4 worker processes of concurrency ${spread(4)} (spread)`, processes: 4, concurrency: spread(4), entityConcurrency },
  { key: 'w1seq', label: 'Orchestrated, 1 worker process, one entity at a time', processes: 1, concurrency: workerConcurrency, entityConcurrency: 1 },
  { key: 'hand', label: 'By hand: entities one after another, no jobs', processes: 0, concurrency: 1, entityConcurrency: 1 },
];
const only = (process.env.BENCH_ROWS ?? '').split(',').filter(Boolean);
const rows = ROWS.filter((r) => only.length === 0 || only.includes(r.key));
const schemaOf = (key: string) => `sbbench_orch_${key}`;

// MARK: child processes

interface Child {
  proc: ChildProcess;
  lines: Interface;
  /** The first stdout line matching `pattern` from now on. */
  next(pattern: RegExp, what: string): Promise<RegExpExecArray>;
}

function spawnChild(file: string, arg: string, stdin: 'pipe' | 'ignore'): Child {
  const proc = spawn(process.execPath, [new URL(file, import.meta.url).pathname, arg], { stdio: [stdin, 'pipe', 'inherit'] });
  const lines = createInterface({ input: proc.stdout! });
  const waiting: { pattern: RegExp; resolve(m: RegExpExecArray): void }[] = [];
  lines.on('line', (line) => {
    for (const [i, w] of waiting.entries()) {
      const m = w.pattern.exec(line);
      if (!m) continue;
      waiting.splice(i, 1);
      w.resolve(m);
      return;
    }
  });
  // 'close', not 'exit': by then every line the process wrote has been read.
  const exited = once(proc, 'close');
  exited.catch(() => {});
  return {
    proc,
    lines,
    next(pattern, what) {
      const answer = new Promise<RegExpExecArray>((resolve) => waiting.push({ pattern, resolve }));
      const died = exited.then(([code]) => {
        throw new Error(`${what}: the process exited with code ${String(code)} before answering`);
      });
      died.catch(() => {});
      return Promise.race([answer, died]);
    },
  };
}

async function startFake(c: Counts): Promise<{ url: string; stop(): Promise<number> }> {
  const child = spawnChild('./fake-server.ts', JSON.stringify(c), 'ignore');
  const m = await child.next(/^listening (\S+)$/, 'fake server');
  return {
    url: m[1]!,
    async stop() {
      const served = child.next(/^served (\d+)$/, 'fake server');
      child.proc.kill('SIGTERM');
      const n = Number((await served)[1]);
      if (child.proc.exitCode === null) await once(child.proc, 'exit');
      return n;
    },
  };
}

// MARK: rows

interface Span {
  entity: string;
  /** When its job was claimed (orchestrated rows): it may sit in the worker's local buffer until a slot frees. */
  claimedMs?: number;
  startMs: number;
  endMs: number;
  /** Worker process index (orchestrated rows). */
  process?: number;
}

interface RowResult {
  key: string;
  round: number;
  ms: number;
  records: number;
  pages: number;
  timeline: Span[];
  /** Per process: jobs run, adapter stats, RSS. The by-hand row has one entry. */
  processes: { index: number; streamJobs: number; requests: number; acquireMs: number; fetchMs: number; peakRss: number; cpuMs: number }[];
  /** Attempts of the pipeline_run job (each snooze is one), and each attempt. */
  runJobAttempts?: number;
  runJob?: { claimedMs: number; startMs: number; endMs: number; outcome: string; process: number }[];
  /** Stream jobs' time between claim and handler start, summed: claimed into a worker's buffer while its slots were busy. */
  bufferedMs?: number;
  /** Milliseconds from `pipelines.start` to the first stream job starting, and from the last stream job ending to the run `succeeded`. */
  fanOutMs?: number;
  finishMs?: number;
  /** Share of the machine's CPU time busy during the timed part (every process on it). */
  machineBusy: number | undefined;
}

/** Exactly the expected canonical rows, per model, and one external link each; returns the total. */
async function verify(schema: string): Promise<number> {
  const expected: Record<string, number> = {};
  for (const e of ENTITIES) {
    const model = benchManifest.entities[e].canonical.model;
    expected[model] = (expected[model] ?? 0) + counts[e];
  }
  return withClient(url, async (c) => {
    let sum = 0;
    for (const [model, want] of Object.entries(expected)) {
      const { rows: r } = await c.query<{ n: number }>(`select count(*)::int as n from ${quoteIdent(schema)}.${quoteIdent(`canonical_${model}`)} where deleted_at is null`);
      if (r[0]!.n !== want) throw new Error(`${schema}: canonical_${model} holds ${r[0]!.n} rows, expected ${want}`);
      sum += want;
    }
    const { rows: links } = await c.query<{ n: number }>(`select count(*)::int as n from ${quoteIdent(schema)}.external_links where system = $1`, [benchManifest.system]);
    if (links[0]!.n !== total) throw new Error(`${schema}: ${links[0]!.n} external links, expected ${total}`);
    if (sum !== total) throw new Error(`${schema}: ${sum} canonical rows, expected ${total}`);
    return sum;
  });
}

/** A checkpoint between rows, so one row's dirty pages are not flushed on the next row's time. */
const settle = () => withClient(url, (c) => c.query('checkpoint')).catch(() => {});

async function orchestrated(spec: RowSpec, fakeUrl: string, round: number): Promise<RowResult> {
  const schema = schemaOf(spec.key);
  await dropSchema(url, schema);
  const db = createPgDb({ connectionString: url, max: 4, applicationName: 'bench-orchestrate-main' });
  const engine = await createSyncBridge({ db, schema, connectors: { benchorch: benchAdapter() }, entityConcurrency: spec.entityConcurrency });
  const workers: Child[] = [];
  try {
    const pipeline = await engine.pipelines.create({
      name: 'bench-orchestrate',
      source: { connector: 'benchorch', config: { base_url: fakeUrl } },
      destination: { connector: 'canonical', config: {} },
      streams: [...ENTITIES],
      mode: 'full_refresh',
    });
    await settle();
    for (let index = 0; index < spec.processes; index++) {
      const args: WorkerArgs = { dbUrl: url, schema, concurrency: spec.concurrency, entityConcurrency: spec.entityConcurrency, poolSize: POOL, index };
      workers.push(spawnChild('./worker.ts', JSON.stringify(args), 'pipe'));
    }
    await Promise.all(workers.map((w, i) => w.next(/^ready /, `worker ${i}`)));

    const cpu = cpuSample();
    const t0 = Date.now();
    const started = performance.now();
    const { job } = await engine.pipelines.start(pipeline.id, 'api');
    let status = 'pending';
    let runId = 0;
    for (;;) {
      const run = await engine.pipelines.runOfJob(job.id);
      if (run) {
        runId = run.id;
        status = run.status;
        if (status !== 'pending' && status !== 'running') break;
      }
      if (performance.now() - started > rowCapMs) throw new Error(`${spec.key}: the run did not finish within ${rowCapMs / 1000} s`);
      await sleep(20);
    }
    const ms = performance.now() - started;
    const machineBusy = busyShare(cpu, cpuSample());
    const detail = await engine.pipelines.run(runId);
    if (status !== 'succeeded') throw new Error(`${spec.key}: run ${runId} ended ${status}: ${JSON.stringify(detail.error)}`);

    const results: WorkerResult[] = [];
    for (const w of workers) {
      const answer = w.next(/^result (.*)$/, 'worker');
      w.proc.stdin!.write('stop\n');
      results.push(JSON.parse((await answer)[1]!) as WorkerResult);
    }
    // Spans as the workers timed their handlers: claimed (attempt_started_at), started, ended.
    const spans = results.flatMap((r) => r.spans.map((sp) => ({ ...sp, process: r.index })));
    const timeline: Span[] = spans
      .filter((sp) => sp.jobType === 'pipeline_stream' && sp.outcome === 'ok')
      .map((sp) => ({ entity: sp.stream ?? '?', claimedMs: sp.claimedAt - t0, startMs: sp.startedAt - t0, endMs: sp.endedAt - t0, process: sp.process }))
      .sort((a, b) => a.startMs - b.startMs);
    const runJob = spans
      .filter((sp) => sp.jobType === 'pipeline_run')
      .map((sp) => ({ claimedMs: sp.claimedAt - t0, startMs: sp.startedAt - t0, endMs: sp.endedAt - t0, outcome: sp.outcome, process: sp.process }))
      .sort((a, b) => a.startMs - b.startMs);
    const records = detail.streams.reduce((n, s) => n + Number(s.records), 0);
    const pages = detail.streams.reduce((n, s) => n + Number(s.pages), 0);
    await verify(schema);
    return {
      key: spec.key,
      round,
      ms,
      records,
      pages,
      timeline,
      processes: results.map((r) => ({
        index: r.index,
        streamJobs: timeline.filter((sp) => sp.process === r.index).length,
        requests: r.requests,
        acquireMs: r.acquireMs,
        fetchMs: r.fetchMs,
        peakRss: r.peakRss,
        cpuMs: r.cpuUserMs + r.cpuSystemMs,
      })),
      runJobAttempts: runJob.length,
      runJob,
      bufferedMs: timeline.reduce((n, sp) => n + (sp.startMs - (sp.claimedMs ?? sp.startMs)), 0),
      fanOutMs: Math.min(...timeline.map((sp) => sp.startMs)),
      finishMs: ms - Math.max(...timeline.map((sp) => sp.endMs)),
      machineBusy,
    };
  } finally {
    for (const w of workers) if (w.proc.exitCode === null) w.proc.kill('SIGTERM');
    await Promise.all(workers.map((w) => (w.proc.exitCode === null ? once(w.proc, 'exit') : undefined)));
    await engine.close();
    await db.close();
    await dropSchema(url, schema);
  }
}

async function byHand(fakeUrl: string, round: number): Promise<RowResult> {
  const schema = schemaOf('hand');
  await dropSchema(url, schema);
  await settle();
  try {
    const args: ByHandArgs = { dbUrl: url, schema, baseUrl: fakeUrl, poolSize: POOL };
    const child = spawnChild('./by-hand.ts', JSON.stringify(args), 'ignore');
    const r = JSON.parse((await child.next(/^result (.*)$/, 'by hand'))[1]!) as ByHandResult;
    if (child.proc.exitCode === null) await once(child.proc, 'exit');
    await verify(schema);
    return {
      key: 'hand',
      round,
      ms: r.ms,
      records: r.records,
      pages: r.pages,
      timeline: r.timeline,
      processes: [{ index: 0, streamJobs: 0, requests: r.requests, acquireMs: r.acquireMs, fetchMs: r.fetchMs, peakRss: r.peakRss, cpuMs: r.cpuUserMs + r.cpuSystemMs }],
      machineBusy: r.machineBusy,
    };
  } finally {
    await dropSchema(url, schema);
  }
}

// MARK: report

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const secs = (ms: number) => fmt(ms / 1000, 2);

function report(results: RowResult[], meta: Record<string, string | number>): string {
  const byKey = new Map<string, RowResult[]>();
  for (const r of results) byKey.set(r.key, [...(byKey.get(r.key) ?? []), r]);
  /** The round with the median wall time (the lower middle for an even count). */
  const rep = (key: string): RowResult | undefined => {
    const rs = [...(byKey.get(key) ?? [])].sort((a, b) => a.ms - b.ms);
    return rs[Math.floor((rs.length - 1) / 2)];
  };
  const wall = (key: string) => median((byKey.get(key) ?? []).map((r) => r.ms));
  const out = [
    `Orchestration benchmark — ${meta.date}; Node ${meta.node}; Postgres ${meta.postgres} (fsync ${meta.fsync}, synchronous_commit ${meta.synchronousCommit}, shared_buffers ${meta.sharedBuffers}); ` +
      `N = ${fmt(total)} records in ${ENTITIES.length} entities; ${meta.cores} cores; worker concurrency ${workerConcurrency}; ${rounds} round(s); load avg at start ${meta.loadStart}, at end ${meta.loadEnd}`,
    '',
    markdownTable(
      ['row', 'worker concurrency', 'entityConcurrency', 'wall time (s)', 'records/s', 'stream jobs per process', 'peak RSS per process (MB)', 'CPU per process (s)', 'machine CPU busy', 'run-job attempts'],
      rows
        .filter((s) => byKey.has(s.key))
        .map((s) => {
          const r = rep(s.key)!;
          return [
            s.label,
            s.processes === 0 ? '—' : String(s.concurrency),
            s.processes === 0 ? '—' : String(s.entityConcurrency),
            secs(wall(s.key)),
            fmt(perSecond(total, wall(s.key))),
            s.processes === 0 ? '—' : r.processes.map((p) => p.streamJobs).join(' / '),
            r.processes.map((p) => fmt(MB(p.peakRss))).join(' / '),
            r.processes.map((p) => fmt(p.cpuMs / 1000, 1)).join(' / '),
            r.machineBusy === undefined ? '—' : `${fmt(r.machineBusy * 100)} %`,
            r.runJobAttempts === undefined ? '—' : String(r.runJobAttempts),
          ];
        }),
    ),
    '',
    'Ratios (wall time; medians when several rounds):',
  ];
  const ratio = (a: string, b: string, what: string) => {
    const x = wall(a);
    const y = wall(b);
    if (!Number.isNaN(x) && !Number.isNaN(y)) out.push(`- ${what}: ${(x / y).toFixed(2)}×`);
  };
  ratio('w1', 'w2', 'speed-up of 2 worker processes over 1 (1 ÷ 2)');
  ratio('w1', 'w4', 'speed-up of 4 worker processes over 1 (1 ÷ 4)');
  ratio('w1', 'w2s', `speed-up of 2 worker processes of concurrency ${spread(2)} over 1 (1 ÷ 2 spread)`);
  ratio('w1', 'w4s', `speed-up of 4 worker processes of concurrency ${spread(4)} over 1 (1 ÷ 4 spread)`);
  ratio('w1', 'hand', 'overhead: orchestrated, 1 worker process ÷ by hand');
  ratio('w1seq', 'hand', 'overhead: orchestrated, 1 worker process, one entity at a time ÷ by hand');
  ratio('w1seq', 'w1', 'one entity at a time ÷ entityConcurrency ' + String(entityConcurrency) + ' (1 worker process)');

  if (rounds > 1) {
    out.push('', 'Wall time of each round (s):', '');
    out.push(markdownTable(['row', ...Array.from({ length: rounds }, (_, i) => `round ${i + 1}`)], rows.filter((s) => byKey.has(s.key)).map((s) => [s.label, ...(byKey.get(s.key) ?? []).sort((a, b) => a.round - b.round).map((r) => secs(r.ms))])));
  }

  out.push(
    '',
    'When each entity ran (median round; s from the start): handler start–end and the worker process; "claimed" when the job was claimed earlier and waited in that worker\'s local buffer:',
    '',
  );
  const shown = rows.filter((s) => byKey.has(s.key));
  out.push(
    markdownTable(
      ['entity', 'records', ...shown.map((s) => s.key)],
      ENTITIES.map((e) => [
        e,
        fmt(counts[e]),
        ...shown.map((s) => {
          const span = rep(s.key)!.timeline.find((t) => t.entity === e);
          if (!span) return '—';
          const waited = span.claimedMs !== undefined && span.startMs - span.claimedMs >= 50 ? `, claimed ${fmt(span.claimedMs / 1000, 1)}` : '';
          return `${fmt(span.startMs / 1000, 1)}–${fmt(span.endMs / 1000, 1)}${span.process === undefined ? '' : ` (p${span.process}${waited})`}`;
        }),
      ]),
    ),
  );
  out.push(
    '',
    'Per row (median round): start → first stream handler, last stream handler → run succeeded, stream jobs\' time claimed but waiting in a worker\'s buffer (summed), and the adapter (summed over processes and concurrent streams):',
    '',
  );
  const ms = (n: number | undefined) => (n === undefined ? '—' : fmt(n));
  out.push(
    markdownTable(
      ['row', 'start → first stream (ms)', 'last stream → run succeeded (ms)', 'claimed, waiting in a buffer (ms)', 'requests', 'waiting for a rate-limit token (s)', 'in fetch (s)'],
      shown.map((s) => {
        const r = rep(s.key)!;
        const sum = (f: (p: RowResult['processes'][number]) => number) => r.processes.reduce((n, p) => n + f(p), 0);
        return [s.key, ms(r.fanOutMs), ms(r.finishMs), ms(r.bufferedMs), fmt(sum((p) => p.requests)), fmt(sum((p) => p.acquireMs) / 1000, 2), fmt(sum((p) => p.fetchMs) / 1000, 2)];
      }),
    ),
  );
  return out.join('\n');
}

// MARK: main

async function main() {
  const settings = await withClient(url, async (c) => {
    const show = async (name: string) => (await c.query<Record<string, string>>(`show ${name}`)).rows[0]![name]!;
    return { fsync: await show('fsync'), synchronousCommit: await show('synchronous_commit'), sharedBuffers: await show('shared_buffers') };
  });
  const meta: Record<string, string | number> = {
    date: new Date().toISOString(),
    node: process.version,
    postgres: await serverVersion(url),
    ...settings,
    cores: cpus().length,
    loadStart: loadavg()[0]!.toFixed(2),
  };
  log(`N=${total} (${ENTITIES.map((e) => `${e} ${counts[e]}`).join(', ')}), ${rounds} round(s), rows ${rows.map((r) => r.key).join(', ')}, ${url.replace(/\/\/[^@]*@/, '//…@')}`);
  const fake = await startFake(counts);
  const results: RowResult[] = [];
  let served = 0;
  try {
    for (let round = 1; round <= rounds; round++) {
      // Rotate the order each round, so drifting load does not always land on the same row.
      const order = rows.map((_, i) => rows[(i + round - 1) % rows.length]!);
      for (const spec of order) {
        log(`round ${round}: ${spec.label}`);
        const r = spec.processes === 0 ? await byHand(fake.url, round) : await orchestrated(spec, fake.url, round);
        if (r.records !== total) throw new Error(`${spec.key}: ${r.records} records acknowledged, expected ${total}`);
        log(`round ${round}: ${spec.key} ${secs(r.ms)} s, ${fmt(perSecond(total, r.ms))} records/s`);
        results.push(r);
      }
    }
  } finally {
    served = await fake.stop();
  }
  meta.loadEnd = loadavg()[0]!.toFixed(2);
  console.log(report(results, meta));

  const dir = new URL('../.results/', import.meta.url);
  await mkdir(dir, { recursive: true });
  const file = new URL(`orchestrate-${String(meta.date).replace(/[:.]/g, '-')}.json`, dir);
  await writeFile(file, JSON.stringify({ ...meta, total, counts, rounds, workerConcurrency, entityConcurrency, fakeRequestsServed: served, results }, null, 2));
  log(`results written to ${file.pathname}`);
}

const dropAll = async () => {
  for (const s of ROWS) await dropSchema(url, schemaOf(s.key)).catch(() => {});
};
await dropAll();
await main().finally(dropAll);
