/**
 * `syncbridge sync <ref>`: runs a pipeline in the foreground. A worker in this process (it runs the
 * engine's pipeline jobs, so other workers on the same database may help) carries a run started here,
 * or the pipeline's active run when there is one, while progress is read from the database: redrawn in
 * place on a terminal, one JSON line per change otherwise. Exit 0 only when the run succeeded; on
 * SIGINT/SIGTERM the run is cancelled before the worker stops (130/143), a second signal exits at once.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { defineCommand } from 'citty';
import type { Job } from '../../jobs/types.ts';
import { createLogger } from '../../log.ts';
import type { Pipeline } from '../../sync/pipeline-store.ts';
import type { RunDetail } from '../../sync/pipelines.ts';
import { createSyncBridge, engineOptionsFromConfig, type SyncBridge } from '../../syncbridge.ts';
import { config, UsageError } from '../context.ts';
import { count, duration } from '../pipeline-format.ts';
import { LiveBlock, progressLines, ProgressTracker, type RunSnapshot } from '../progress.ts';

const POLL_MS = 250;
const ACTIVE_RUN = new Set(['pending', 'running']);
const ACTIVE_JOB = new Set(['pending', 'running']);
const SIGNAL_EXIT: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143 };

interface Outcome {
  run_id: number | null;
  status: string;
  records: number;
  pages: number;
  /** Why the run did not succeed, when it did not: the streams that failed and their last errors. */
  problems: { stream: string | null; status: string; error: string | null }[];
}

interface Reporter {
  started(runId: number, jobId: number, created: boolean): void;
  progress(snapshot: RunSnapshot | undefined): void;
  note(text: string): void;
  finished(outcome: Outcome): void;
}

export default defineCommand({
  meta: { name: 'sync', description: 'Run a pipeline in the foreground with live progress; exit 0 only if the run succeeded' },
  args: {
    ref: { type: 'positional', description: 'Pipeline id or name', required: true },
    concurrency: { type: 'string', description: 'Jobs the in-process worker runs at once (default SYNCBRIDGE_WORKER_CONCURRENCY, 10)' },
    json: { type: 'boolean', description: 'One JSON line per progress change on stdout (the default when stderr is not a terminal)', default: false },
  },
  async run({ args }) {
    const cfg = config();
    const concurrency = args.concurrency === undefined ? cfg.worker.concurrency : Number(args.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new UsageError(`--concurrency must be a positive integer, got ${JSON.stringify(args.concurrency)}`);
    const live = process.stderr.isTTY === true && !args.json;
    // Worker logs would tear through lines redrawn in place (even the warnings a cancel causes): errors
    // only on a terminal, warnings otherwise, unless debug is asked for.
    const level = ['debug', 'trace', 'silent', 'fatal', 'error'].includes(cfg.logLevel) ? cfg.logLevel : live ? 'error' : 'warn';
    const logger = createLogger(level, process.stderr);
    const startedAt = Date.now();
    const interrupt = interruptions();
    const engine = await createSyncBridge(engineOptionsFromConfig(cfg, logger));
    try {
      const pipeline = await engine.pipelines.get(args.ref);
      if (interrupt.signal.aborted) {
        process.exitCode = SIGNAL_EXIT[interrupt.received()!] ?? 1;
        return;
      }
      const report = live ? terminalReporter(pipeline, startedAt) : jsonReporter(startedAt);
      interrupt.onFirst((signal) => report.note(`${signal}: cancelling the run (again to exit at once)`));
      await engine.worker({ handlers: {}, concurrency, schedules: false, shutdownGraceMs: cfg.worker.shutdownGraceSeconds * 1000 }).start();
      const { job, created } = await engine.pipelines.start(pipeline.id, 'cli');
      if (!created) report.note(`pipeline "${pipeline.name}" already has an active run (job ${job.id}); following it`);
      const outcome = await follow(engine, job, created, report, interrupt.signal);
      report.finished(outcome);
      const signal = interrupt.received();
      process.exitCode = signal ? (SIGNAL_EXIT[signal] ?? 1) : outcome.status === 'succeeded' ? 0 : 1;
    } finally {
      interrupt.dispose();
      await engine.close();
    }
  },
});

/** Follows the run of `job` until it ends, cancelling it once `signal` fires. */
async function follow(engine: SyncBridge, job: Job, created: boolean, report: Reporter, signal: AbortSignal): Promise<Outcome> {
  let runId: number | undefined;
  for (;;) {
    if (runId === undefined) {
      const run = await engine.pipelines.runOfJob(job.id);
      if (run) {
        runId = run.id;
        report.started(run.id, job.id, created);
        continue;
      }
      const now = await engine.jobs.get(job.id);
      if (!now || !ACTIVE_JOB.has(now.status)) return jobEndedEarly(now, job.id);
      if (signal.aborted) {
        await engine.jobs.cancel(job.id, 'sync interrupted').catch(() => undefined);
        // A fan-out that was committing as the job was cancelled leaves a run behind: cancel it too.
        const late = await engine.pipelines.runOfJob(job.id);
        if (late) return outcomeOf(engine, await engine.pipelines.cancelRun(late.id));
        return { run_id: null, status: 'cancelled', records: 0, pages: 0, problems: [] };
      }
      report.progress(undefined);
    } else {
      let detail = await engine.pipelines.run(runId);
      if (ACTIVE_RUN.has(detail.status) && signal.aborted) detail = await engine.pipelines.cancelRun(runId);
      report.progress(snapshotOf(detail));
      if (!ACTIVE_RUN.has(detail.status)) return outcomeOf(engine, detail);
      const now = await engine.jobs.get(job.id);
      if (now && !ACTIVE_JOB.has(now.status)) {
        // The run's job ended without finishing the run (cancelled with `jobs cancel`, or it died):
        // unless the run finished between the two reads, nothing will finish it now.
        let again = await engine.pipelines.run(runId);
        if (ACTIVE_RUN.has(again.status) && now.status === 'cancelled') again = await engine.pipelines.cancelRun(runId);
        report.progress(snapshotOf(again));
        if (!ACTIVE_RUN.has(again.status)) return outcomeOf(engine, again);
        return { ...(await outcomeOf(engine, again)), status: 'failed', problems: [{ stream: null, status: now.status, error: `run job ${job.id} is ${now.status}: ${errorText(now)}` }] };
      }
    }
    await sleep(POLL_MS, undefined, { signal }).catch(() => undefined);
  }
}

function jobEndedEarly(job: Job | undefined, jobId: number): Outcome {
  const status = job?.status === 'cancelled' ? 'cancelled' : 'failed';
  const error = job ? `run job ${jobId} is ${job.status} before it started the run: ${errorText(job)}` : `run job ${jobId} no longer exists`;
  return { run_id: null, status, records: 0, pages: 0, problems: [{ stream: null, status: job?.status ?? 'missing', error }] };
}

const errorText = (job: Job) => (job.last_error ? `${String(job.last_error.class ?? 'Error')}: ${String(job.last_error.message ?? '')}` : 'no error recorded');

function snapshotOf(detail: RunDetail): RunSnapshot {
  return { run_id: detail.id, status: detail.status, streams: detail.streams.map((s) => ({ stream: s.stream, status: s.status, records: Number(s.records), pages: Number(s.pages) })) };
}

/** The run's totals, and for each stream that did not succeed the last error of its job. */
async function outcomeOf(engine: SyncBridge, detail: RunDetail): Promise<Outcome> {
  const problems: Outcome['problems'] = [];
  for (const s of detail.streams) {
    if (s.status === 'succeeded' && (s.job_status === 'succeeded' || s.job_status === null)) continue;
    const job = s.job_id === null ? undefined : await engine.jobs.get(s.job_id);
    problems.push({ stream: s.stream, status: s.job_status ?? s.status, error: job?.last_error ? errorText(job) : null });
  }
  return {
    run_id: detail.id,
    status: detail.status,
    records: detail.streams.reduce((n, s) => n + Number(s.records), 0),
    pages: detail.streams.reduce((n, s) => n + Number(s.pages), 0),
    problems,
  };
}

/** One JSON object per line on stdout, for scripts and pipes; notes go to stderr. */
function jsonReporter(startedAt: number): Reporter {
  const tracker = new ProgressTracker();
  const line = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);
  return {
    started: (runId, jobId, created) => line({ event: 'started', run_id: runId, job_id: jobId, created }),
    progress(snapshot) {
      if (snapshot) for (const e of tracker.changes(snapshot, Date.now())) line(e);
    },
    note: (text) => process.stderr.write(`syncbridge: ${text}\n`),
    finished: (o) => line({ event: 'finished', ...o, elapsed_ms: Date.now() - startedAt }),
  };
}

/** Lines redrawn in place on stderr while the run goes on; a summary on stdout at the end. */
function terminalReporter(pipeline: Pipeline, startedAt: number): Reporter {
  const tracker = new ProgressTracker();
  const block = new LiveBlock(process.stderr);
  const notes: string[] = [];
  let last: RunSnapshot | undefined;
  const draw = () => {
    const now = Date.now();
    block.draw([...progressLines(`pipeline ${pipeline.name}`, last, tracker, now - startedAt, now), ...notes]);
  };
  return {
    started: () => undefined,
    progress(snapshot) {
      last = snapshot;
      if (snapshot) tracker.changes(snapshot, Date.now());
      draw();
    },
    note(text) {
      notes.push(text);
      draw();
    },
    finished(o) {
      const took = duration(Date.now() - startedAt);
      const head = o.run_id === null ? `run ${o.status}` : `run ${o.run_id} ${o.status}: ${count(o.records)} records, ${count(o.pages)} pages in ${took}`;
      const lines = [head, ...o.problems.map((p) => `  ${p.stream ?? 'run'}: ${p.status}${p.error ? ` (${p.error})` : ''}`)];
      process.stdout.write(`${lines.join('\n')}\n`);
    },
  };
}

/** SIGINT/SIGTERM: the first one aborts (the run is then cancelled), a second exits at once with 1. */
function interruptions() {
  const controller = new AbortController();
  let received: NodeJS.Signals | undefined;
  let first: ((signal: NodeJS.Signals) => void) | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (received) {
      process.stderr.write(`\nsyncbridge: ${signal} again: exiting without waiting\n`);
      process.exit(1);
    }
    received = signal;
    first?.(signal);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    received: () => received,
    onFirst: (fn: (signal: NodeJS.Signals) => void) => (first = fn),
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
