/**
 * Each stream's saved checkpoint (the `data` of its last acknowledged state message), one row per
 * (pipeline, stream) in `stream_states`. Saving takes any Queryable so it can join the caller's
 * transaction; it is only ever called after the destination acknowledged the state (invariant 3).
 */
import type { Queryable } from '../db/db.ts';
import { quoteIdent } from '../db/ident.ts';

/** The stream's saved state, or undefined when it has none (start from the beginning). */
export async function loadStreamState(db: Queryable, schema: string, pipelineId: number, stream: string): Promise<unknown> {
  const { rows } = await db.query<{ state: unknown }>(
    `select state from ${quoteIdent(schema)}.stream_states where pipeline_id = $1 and stream = $2`,
    [pipelineId, stream],
  );
  return rows[0]?.state;
}

/** Replaces the stream's saved state; pass the transaction that records the rest of the checkpoint. */
export async function saveStreamState(q: Queryable, schema: string, pipelineId: number, stream: string, state: unknown): Promise<void> {
  await q.query(
    `insert into ${quoteIdent(schema)}.stream_states (pipeline_id, stream, state, updated_at)
     values ($1, $2, $3::jsonb, now())
     on conflict (pipeline_id, stream) do update set state = excluded.state, updated_at = excluded.updated_at`,
    [pipelineId, stream, JSON.stringify(state ?? null)],
  );
}
