/**
 * One worker process of the orchestration benchmark: `node bench/orchestrate/worker.ts '<json options>'`.
 * Opens the engine on the bench's schema (already migrated by the parent) with the bench's connector
 * registry, starts a worker, prints "ready", and runs until it reads "stop" on stdin (or gets SIGTERM).
 * Then it stops the worker gracefully, and prints one line `result <json>`: the jobs it ran (each
 * handler call's claim, start and end: the engine's own handlers, wrapped only to be timed), what the
 * adapter did in this process, and its peak RSS. Warnings and errors go to stderr.
 */
import { createInterface } from 'node:readline';
import { createPgDb } from '../../src/db/pg-driver.ts';
import type { JobHandler } from '../../src/jobs/worker.ts';
import { createLogger } from '../../src/log.ts';
import { PIPELINE_RUN_JOB } from '../../src/sync/run-job.ts';
import { PIPELINE_STREAM_JOB } from '../../src/sync/stream-job.ts';
import { createSyncBridge } from '../../src/syncbridge.ts';
import { benchAdapter } from './manifest.ts';

export interface WorkerArgs {
  dbUrl: string;
  schema: string;
  /** Handlers at once in this process (the worker's `concurrency`). */
  concurrency: number;
  /** The engine's `entityConcurrency`: entities of one run syncing at once, across all processes. */
  entityConcurrency: number;
  /** Connections in this process's pool. */
  poolSize: number;
  index: number;
}

/** One handler call, times in ms since the epoch. */
export interface HandlerSpan {
  jobType: string;
  jobId: number;
  attempt: number;
  stream: string | null;
  /** When the job was claimed (its attempt_started_at): it may wait in the worker's buffer before it starts. */
  claimedAt: number;
  startedAt: number;
  endedAt: number;
  /** 'ok', or the error's name (JobSnoozed for a run waiting on its streams). */
  outcome: string;
}

export interface WorkerResult {
  index: number;
  pid: number;
  workerId: string;
  claimed: number;
  succeeded: number;
  failed: number;
  requests: number;
  acquireMs: number;
  fetchMs: number;
  /** Highest RSS sampled every 100 ms while running, bytes. */
  peakRss: number;
  /** The kernel's high-water mark for the process (getrusage), bytes. */
  maxRss: number;
  cpuUserMs: number;
  cpuSystemMs: number;
  spans: HandlerSpan[];
}

const args = JSON.parse(process.argv[2] ?? '') as WorkerArgs;
const logger = createLogger(process.env.BENCH_LOG_LEVEL || 'warn', process.stderr).child({ bench_worker: args.index });
const adapter = benchAdapter();
const db = createPgDb({ connectionString: args.dbUrl, max: args.poolSize, applicationName: `bench-orchestrate-w${args.index}` });
const engine = await createSyncBridge({ db, schema: args.schema, connectors: { benchorch: adapter }, entityConcurrency: args.entityConcurrency, logger, migrate: false });
const spans: HandlerSpan[] = [];
const timed = (jobType: string, handler: JobHandler): JobHandler => async (job, ctx) => {
  const startedAt = Date.now();
  const stream = typeof job.payload === 'object' && job.payload !== null && 'stream' in job.payload ? String(job.payload.stream) : null;
  const span: HandlerSpan = { jobType, jobId: job.id, attempt: job.attempt_count, stream, claimedAt: job.attempt_started_at?.getTime() ?? startedAt, startedAt, endedAt: 0, outcome: 'ok' };
  spans.push(span);
  try {
    return await handler(job, ctx);
  } catch (err) {
    span.outcome = err instanceof Error ? err.constructor.name : 'error';
    throw err;
  } finally {
    span.endedAt = Date.now();
  }
};
const own = engine.handlers();
const worker = engine.worker({
  handlers: { [PIPELINE_RUN_JOB]: timed(PIPELINE_RUN_JOB, own[PIPELINE_RUN_JOB]!), [PIPELINE_STREAM_JOB]: timed(PIPELINE_STREAM_JOB, own[PIPELINE_STREAM_JOB]!) },
  concurrency: args.concurrency,
});

let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 100);

let stopping: Promise<void> | undefined;
function stop(): Promise<void> {
  stopping ??= (async () => {
    await worker.stop();
    await engine.close();
    await db.close();
    clearInterval(sampler);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    const usage = process.resourceUsage();
    const result: WorkerResult = {
      index: args.index,
      pid: process.pid,
      workerId: worker.id,
      claimed: worker.stats.claimed,
      succeeded: worker.stats.succeeded,
      failed: worker.stats.failed,
      ...adapter.stats,
      peakRss,
      maxRss: usage.maxRSS * 1024,
      cpuUserMs: usage.userCPUTime / 1000,
      cpuSystemMs: usage.systemCPUTime / 1000,
      spans,
    };
    process.stdout.write(`result ${JSON.stringify(result)}\n`);
  })();
  return stopping;
}

process.on('SIGTERM', () => void stop().then(() => process.exit(0)));
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() === 'stop') void stop().then(() => process.exit(0));
});

await worker.start();
process.stdout.write(`ready ${worker.id}\n`);
