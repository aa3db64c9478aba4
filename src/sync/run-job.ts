/**
 * The `pipeline_run` job: one run of one pipeline. Its first attempt creates the run and, in the same
 * transaction, one `pipeline_stream` job per selected stream (so a crash can neither lose the fan-out
 * nor do it twice). Then it waits for the stream jobs without holding a worker slot: each attempt looks
 * at them and snoozes (JobSnoozed, no retry spent) while any is active; a stream job that succeeds
 * wakes it at once. When none is active it finishes the run: succeeded, partial (some streams failed),
 * failed or cancelled, with the run's totals.
 */
import { z } from 'zod';
import type { Db } from '../db/db.ts';
import { JobSnoozed } from '../jobs/errors.ts';
import type { JobStore } from '../jobs/store.ts';
import type { JobHandler } from '../jobs/worker.ts';
import { ValidationError } from '../protocol/errors.ts';
import { describeIssues } from '../protocol/messages.ts';
import {
  addRunStream,
  createRun,
  findRunByJob,
  finishRun,
  getPipeline,
  getRun,
  RUN_TRIGGERS,
  runStreams,
  updateRunCounts,
  type Pipeline,
  type PipelineRun,
  type RunCounts,
  type RunStatus,
} from './pipeline-store.ts';
import type { StreamProgressStatus } from './progress-store.ts';
import { PIPELINE_STREAM_JOB } from './stream-job.ts';

export const PIPELINE_RUN_JOB = 'pipeline_run';

export const RunJobPayload = z.object({
  pipeline_id: z.number().int().positive(),
  trigger: z.enum(RUN_TRIGGERS).default('manual'),
});
export type RunJobPayload = z.input<typeof RunJobPayload>;

export interface RunJobOptions {
  db: Db;
  schema: string;
  jobs: JobStore;
  /** How often a waiting run looks at its streams when nothing wakes it. Default 2000. */
  pollMs?: number;
  /** Retries of each stream job; default the engine's. */
  streamMaxRetries?: number;
  /**
   * The order, hard dependencies, priorities and parallelism of a pipeline's streams, when its source
   * declares relationships (manifests); otherwise the streams run independently, all at once.
   */
  planOf?: (pipeline: Pipeline) => StreamPlan | undefined;
}

export interface StreamPlan {
  /** Every stream, dependencies first. */
  order: readonly string[];
  hard: ReadonlyMap<string, readonly string[]>;
  /** Higher is claimed first: soft dependencies order without blocking. */
  priority: ReadonlyMap<string, number>;
  /** At most this many streams of one run at once. */
  concurrency: number | undefined;
}

/** The entity of a run's job: one active run per pipeline (invariant 5 does the rest). */
export const runEntity = (pipelineId: number) => `pipeline:${pipelineId}`;
export const streamEntity = (runId: number, stream: string) => `run:${runId}:${stream}`;

export function createRunJobHandler(options: RunJobOptions): JobHandler {
  const pollMs = options.pollMs ?? 2000;
  return async (job, ctx) => {
    const parsed = RunJobPayload.safeParse(job.payload);
    if (!parsed.success) throw new ValidationError(`${PIPELINE_RUN_JOB} payload: ${describeIssues(parsed.error.issues)}`);
    const pipeline = await getPipeline(options.db, options.schema, parsed.data.pipeline_id);
    const run = (await findRunByJob(options.db, options.schema, job.id)) ?? (await fanOut(options, pipeline, job.id, job.correlation_id, parsed.data.trigger));
    if (run.status !== 'running' && run.status !== 'pending') return { run_id: run.id, status: run.status };

    const streams = await runStreams(options.db, options.schema, run.id);
    const counts = countsOf(streams);
    const active = streams.filter((s) => s.job_status === 'pending' || s.job_status === 'running');
    if (active.length > 0) {
      await updateRunCounts(options.db, options.schema, run.id, counts);
      throw new JobSnoozed(pollMs, `run ${run.id}: waiting for ${active.length} of ${streams.length} streams`);
    }
    const status = runStatusOf(streams.map((s) => streamOutcome(s.status, s.job_status)));
    const failed = streams.filter((s) => streamOutcome(s.status, s.job_status) !== 'succeeded').map((s) => s.stream);
    await finishRun(options.db, options.schema, run.id, status, counts, failed.length ? { streams_not_succeeded: failed } : null);
    ctx.logger.info({ event: 'pipeline.run_finished', pipeline_id: pipeline.id, run_id: run.id, status, records: counts.records });
    return { run_id: run.id, status, records: counts.records, pages: counts.pages };
  };
}

async function fanOut(options: RunJobOptions, pipeline: Pipeline, jobId: number, correlationId: string, trigger: RunJobPayload['trigger']): Promise<PipelineRun> {
  const plan = options.planOf?.(pipeline) ?? { order: pipeline.streams, hard: new Map<string, readonly string[]>(), priority: new Map<string, number>(), concurrency: undefined };
  return options.db.transaction(async (tx) => {
    const runId = await createRun(tx, options.schema, pipeline.id, jobId, trigger ?? 'manual');
    // In dependency order, so each job can name the jobs of its hard dependencies: the engine then holds
    // it until they succeed and cancels it, with the reason, when one of them fails.
    const jobOf = new Map<string, number>();
    for (const stream of plan.order) {
      const dependsOn = (plan.hard.get(stream) ?? []).map((d) => jobOf.get(d)).filter((id): id is number => id !== undefined);
      const { job } = await options.jobs.enqueue(
        {
          jobType: PIPELINE_STREAM_JOB,
          entityId: streamEntity(runId, stream),
          payload: { pipeline_id: pipeline.id, run_id: runId, stream },
          correlationId,
          ...(dependsOn.length ? { dependsOn } : {}),
          ...(plan.priority.has(stream) ? { priority: plan.priority.get(stream)! } : {}),
          ...(plan.concurrency ? { concurrencyKey: `run:${runId}`, concurrencyLimit: plan.concurrency } : {}),
          ...(options.streamMaxRetries === undefined ? {} : { maxRetries: options.streamMaxRetries }),
        },
        tx,
      );
      jobOf.set(stream, job.id);
      await addRunStream(tx, options.schema, runId, stream, job.id);
    }
    return getRun(tx, options.schema, runId);
  });
}

type StreamOutcome = 'succeeded' | 'failed' | 'cancelled';

/** A stream's end as its job ended: the job's status wins over a progress row a crash left behind. */
function streamOutcome(progress: StreamProgressStatus, jobStatus: string | null): StreamOutcome {
  if (jobStatus === 'succeeded' || (jobStatus === null && progress === 'succeeded')) return 'succeeded';
  if (jobStatus === 'cancelled' || (jobStatus === null && progress === 'cancelled')) return 'cancelled';
  return 'failed';
}

export function runStatusOf(outcomes: readonly StreamOutcome[]): Exclude<RunStatus, 'pending' | 'running'> {
  if (outcomes.length === 0 || outcomes.every((o) => o === 'succeeded')) return 'succeeded';
  if (outcomes.every((o) => o === 'cancelled')) return 'cancelled';
  return outcomes.some((o) => o === 'succeeded') ? 'partial' : 'failed';
}

function countsOf(streams: readonly { status: StreamProgressStatus; records: number; pages: number }[]): RunCounts {
  const counts: RunCounts = { records: 0, pages: 0, streams: {} };
  for (const s of streams) {
    counts.records += Number(s.records);
    counts.pages += Number(s.pages);
    counts.streams[s.status] = (counts.streams[s.status] ?? 0) + 1;
  }
  return counts;
}
