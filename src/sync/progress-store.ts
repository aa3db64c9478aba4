/**
 * One stream's progress within one run (`stream_progress`): status, records and pages acknowledged by
 * the destination, and the cursor of the last checkpoint — which is also where a retried full-refresh
 * run of the same stream resumes.
 */
import type { Queryable } from '../db/db.ts';
import { quoteIdent } from '../db/ident.ts';

export type StreamProgressStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface StreamProgress {
  status: StreamProgressStatus;
  records: number;
  pages: number;
  cursor: unknown;
}

export async function loadStreamProgress(db: Queryable, schema: string, runId: number, stream: string): Promise<StreamProgress | undefined> {
  const { rows } = await db.query<StreamProgress>(
    `select status, records, pages, cursor from ${quoteIdent(schema)}.stream_progress where run_id = $1 and stream = $2`,
    [runId, stream],
  );
  return rows[0];
}

/** Marks the stream running in this run, keeping the counts of an earlier attempt of the same run. */
export async function startStreamProgress(q: Queryable, schema: string, runId: number, stream: string): Promise<void> {
  await q.query(
    `insert into ${quoteIdent(schema)}.stream_progress (run_id, stream, status, updated_at) values ($1, $2, 'running', now())
     on conflict (run_id, stream) do update set status = 'running', updated_at = now()`,
    [runId, stream],
  );
}

/** Records a checkpoint: the run's totals so far for the stream and the state just acknowledged. */
export async function recordCheckpoint(
  q: Queryable,
  schema: string,
  runId: number,
  stream: string,
  progress: { records: number; pages: number; cursor: unknown },
): Promise<void> {
  await q.query(
    `update ${quoteIdent(schema)}.stream_progress set records = $3, pages = $4, cursor = $5::jsonb, updated_at = now()
     where run_id = $1 and stream = $2`,
    [runId, stream, progress.records, progress.pages, JSON.stringify(progress.cursor ?? null)],
  );
}

export async function finishStreamProgress(q: Queryable, schema: string, runId: number, stream: string, status: Exclude<StreamProgressStatus, 'running' | 'pending'>): Promise<void> {
  await q.query(
    `update ${quoteIdent(schema)}.stream_progress set status = $3, updated_at = now() where run_id = $1 and stream = $2`,
    [runId, stream, status],
  );
}
