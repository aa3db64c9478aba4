/**
 * Pipelines (a source and a destination, each a connector name plus its config, and the streams to
 * sync) and their runs, as stored in `pipelines`, `pipeline_runs` and `stream_progress`. Plain reads and
 * writes: what a run means (fan-out, finishing) lives in run-job.ts.
 */
import type { Queryable } from '../db/db.ts';
import { quoteIdent } from '../db/ident.ts';
import { Conflict, NotFound } from '../protocol/errors.ts';
import type { SyncMode } from '../protocol/messages.ts';

/** How a pipeline syncs: the protocol's modes, or reconcile (a full pass that marks missing records deleted). */
export type PipelineMode = SyncMode | 'reconcile';

/** The stream-level sync mode of a pipeline mode. */
export const streamModeOf = (mode: PipelineMode): SyncMode => (mode === 'reconcile' ? 'full_refresh' : mode);
import type { StreamProgressStatus } from './progress-store.ts';

export interface ConnectorRef {
  connector: string;
  config: unknown;
}

export interface Pipeline {
  id: number;
  name: string;
  source: ConnectorRef;
  destination: ConnectorRef;
  streams: string[];
  mode: PipelineMode;
  schedule: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface NewPipeline {
  name: string;
  source: ConnectorRef;
  destination: ConnectorRef;
  streams: string[];
  mode: PipelineMode;
  schedule?: string | null;
}

export const RUN_STATUSES = ['pending', 'running', 'succeeded', 'partial', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const RUN_TRIGGERS = ['manual', 'schedule', 'api', 'cli'] as const;
export type RunTrigger = (typeof RUN_TRIGGERS)[number];

export interface RunCounts {
  records: number;
  pages: number;
  streams: Partial<Record<StreamProgressStatus, number>>;
}

export interface PipelineRun {
  id: number;
  pipeline_id: number;
  job_id: number | null;
  status: RunStatus;
  trigger: RunTrigger;
  started_at: Date;
  finished_at: Date | null;
  counts: RunCounts | Record<string, never>;
  error: Record<string, unknown> | null;
}

export interface StreamRunProgress {
  stream: string;
  status: StreamProgressStatus;
  records: number;
  pages: number;
  job_id: number | null;
  updated_at: Date;
}

const UNIQUE_VIOLATION = '23505';
const t = (schema: string, table: string) => `${quoteIdent(schema)}.${table}`;

export async function createPipeline(q: Queryable, schema: string, p: NewPipeline): Promise<Pipeline> {
  try {
    const { rows } = await q.query<Pipeline>(
      `insert into ${t(schema, 'pipelines')} (name, source, destination, streams, mode, schedule)
       values ($1, $2::jsonb, $3::jsonb, $4::text[], $5, $6) returning *`,
      [p.name, JSON.stringify(p.source), JSON.stringify(p.destination), p.streams, p.mode, p.schedule ?? null],
    );
    return rows[0]!;
  } catch (err) {
    if ((err as { code?: string }).code === UNIQUE_VIOLATION) throw new Conflict(`a pipeline named "${p.name}" already exists`, { detail: { field: 'name' } });
    throw err;
  }
}

/** An id no row can have (beyond bigint, or not a positive integer) is simply not found, never a database error. */
const isRowId = (id: number) => Number.isSafeInteger(id) && id > 0;

export async function getPipeline(q: Queryable, schema: string, id: number): Promise<Pipeline> {
  if (!isRowId(id)) throw new NotFound(`pipeline ${id} not found`, { detail: { pipeline_id: id } });
  const { rows } = await q.query<Pipeline>(`select * from ${t(schema, 'pipelines')} where id = $1`, [id]);
  if (!rows[0]) throw new NotFound(`pipeline ${id} not found`, { detail: { pipeline_id: id } });
  return rows[0];
}

/** By id (all digits) or by name. */
export async function findPipeline(q: Queryable, schema: string, ref: string): Promise<Pipeline> {
  if (/^\d+$/.test(ref)) return getPipeline(q, schema, Number(ref));
  const { rows } = await q.query<Pipeline>(`select * from ${t(schema, 'pipelines')} where name = $1`, [ref]);
  if (!rows[0]) throw new NotFound(`pipeline "${ref}" not found`, { detail: { pipeline: ref } });
  return rows[0];
}

export interface PipelineSummary extends Pipeline {
  last_run: Pick<PipelineRun, 'id' | 'status' | 'started_at' | 'finished_at'> | null;
}

export async function listPipelines(q: Queryable, schema: string): Promise<PipelineSummary[]> {
  const { rows } = await q.query<Pipeline & { last_run: PipelineSummary['last_run'] }>(
    `select p.*, (select jsonb_build_object('id', r.id, 'status', r.status, 'started_at', r.started_at, 'finished_at', r.finished_at)
                  from ${t(schema, 'pipeline_runs')} r where r.pipeline_id = p.id order by r.id desc limit 1) as last_run
     from ${t(schema, 'pipelines')} p order by p.id`,
  );
  return rows.map((r) => ({
    ...r,
    last_run: r.last_run
      ? { ...r.last_run, started_at: new Date(r.last_run.started_at), finished_at: r.last_run.finished_at ? new Date(r.last_run.finished_at) : null }
      : null,
  }));
}

/** Starts a run of the pipeline; `jobId` is the job carrying it, when there is one. */
export async function createRun(q: Queryable, schema: string, pipelineId: number, jobId: number | null = null, trigger: RunTrigger = 'manual'): Promise<number> {
  const { rows } = await q.query<{ id: number }>(
    `insert into ${t(schema, 'pipeline_runs')} (pipeline_id, job_id, status, trigger) values ($1, $2, 'running', $3) returning id`,
    [pipelineId, jobId, trigger],
  );
  return rows[0]!.id;
}

export async function getRun(q: Queryable, schema: string, runId: number): Promise<PipelineRun> {
  if (!isRowId(runId)) throw new NotFound(`run ${runId} not found`, { detail: { run_id: runId } });
  const { rows } = await q.query<PipelineRun>(`select * from ${t(schema, 'pipeline_runs')} where id = $1`, [runId]);
  if (!rows[0]) throw new NotFound(`run ${runId} not found`, { detail: { run_id: runId } });
  return rows[0];
}

/** The run a `pipeline_run` job started, if an earlier attempt of it got that far. */
export async function findRunByJob(q: Queryable, schema: string, jobId: number): Promise<PipelineRun | undefined> {
  const { rows } = await q.query<PipelineRun>(`select * from ${t(schema, 'pipeline_runs')} where job_id = $1 order by id limit 1`, [jobId]);
  return rows[0];
}

export async function listRuns(q: Queryable, schema: string, pipelineId: number, limit = 50): Promise<PipelineRun[]> {
  const { rows } = await q.query<PipelineRun>(
    `select * from ${t(schema, 'pipeline_runs')} where pipeline_id = $1 order by id desc limit $2`,
    [pipelineId, Math.min(Math.max(limit, 1), 500)],
  );
  return rows;
}

/** Each stream of the run with its progress and the status of the job syncing it. */
export async function runStreams(q: Queryable, schema: string, runId: number): Promise<(StreamRunProgress & { job_status: string | null })[]> {
  const { rows } = await q.query<StreamRunProgress & { job_status: string | null }>(
    `select sp.stream, sp.status, sp.records, sp.pages, sp.job_id, sp.updated_at, j.status as job_status
     from ${t(schema, 'stream_progress')} sp left join ${t(schema, 'jobs')} j on j.id = sp.job_id
     where sp.run_id = $1 order by sp.stream`,
    [runId],
  );
  return rows;
}

/** Records the stream's job at fan-out, before it ran: the run then knows all its streams. */
export async function addRunStream(q: Queryable, schema: string, runId: number, stream: string, jobId: number): Promise<void> {
  await q.query(
    `insert into ${t(schema, 'stream_progress')} (run_id, stream, status, job_id, updated_at) values ($1, $2, 'pending', $3, now())
     on conflict (run_id, stream) do update set job_id = excluded.job_id`,
    [runId, stream, jobId],
  );
}

export async function finishRun(q: Queryable, schema: string, runId: number, status: Exclude<RunStatus, 'pending' | 'running'>, counts: RunCounts, error: Record<string, unknown> | null = null): Promise<void> {
  await q.query(
    `update ${t(schema, 'pipeline_runs')} set status = $2, counts = $3::jsonb, error = $4::jsonb, finished_at = now()
     where id = $1 and status in ('pending', 'running')`,
    [runId, status, JSON.stringify(counts), error === null ? null : JSON.stringify(error)],
  );
}

export async function updateRunCounts(q: Queryable, schema: string, runId: number, counts: RunCounts): Promise<void> {
  await q.query(`update ${t(schema, 'pipeline_runs')} set counts = $2::jsonb where id = $1 and status in ('pending', 'running')`, [runId, JSON.stringify(counts)]);
}
