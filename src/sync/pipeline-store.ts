/**
 * Pipelines (a source and a destination, each a connector name plus its config, and the streams to
 * sync) and their runs, as stored in `pipelines` and `pipeline_runs`.
 */
import type { Queryable } from '../db/db.ts';
import { quoteIdent } from '../db/ident.ts';
import { NotFound } from '../protocol/errors.ts';
import type { SyncMode } from '../protocol/messages.ts';

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
  mode: SyncMode;
  schedule: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface NewPipeline {
  name: string;
  source: ConnectorRef;
  destination: ConnectorRef;
  streams: string[];
  mode: SyncMode;
  schedule?: string | null;
}

export async function createPipeline(q: Queryable, schema: string, p: NewPipeline): Promise<Pipeline> {
  const { rows } = await q.query<Pipeline>(
    `insert into ${quoteIdent(schema)}.pipelines (name, source, destination, streams, mode, schedule)
     values ($1, $2::jsonb, $3::jsonb, $4::text[], $5, $6) returning *`,
    [p.name, JSON.stringify(p.source), JSON.stringify(p.destination), p.streams, p.mode, p.schedule ?? null],
  );
  return rows[0]!;
}

export async function getPipeline(q: Queryable, schema: string, id: number): Promise<Pipeline> {
  const { rows } = await q.query<Pipeline>(`select * from ${quoteIdent(schema)}.pipelines where id = $1`, [id]);
  if (!rows[0]) throw new NotFound(`pipeline ${id} not found`);
  return rows[0];
}

/** Starts a run of the pipeline; `jobId` is the job carrying it, when there is one. */
export async function createRun(q: Queryable, schema: string, pipelineId: number, jobId: number | null = null): Promise<number> {
  const { rows } = await q.query<{ id: number }>(
    `insert into ${quoteIdent(schema)}.pipeline_runs (pipeline_id, job_id, status) values ($1, $2, 'running') returning id`,
    [pipelineId, jobId],
  );
  return rows[0]!.id;
}
