/**
 * When a job ends failed, dead or cancelled, every job that depends on it — directly or through other
 * dependents — can never run: they are cancelled with the reason, in the caller's transaction.
 */
import type { Queryable } from '../../db/db.ts';
import type { SqlContext } from './context.ts';

const cancelDependentsSql = (c: SqlContext) => `
  with recursive tree(id) as (
    select job_id from ${c.s}.job_dependencies where depends_on_id = any($1::bigint[])
    union
    select d.job_id from ${c.s}.job_dependencies d join tree t on d.depends_on_id = t.id
  )
  update ${c.s}.jobs j set status = 'cancelled', finished_at = $2::timestamptz, updated_at = $2::timestamptz,
    last_error = jsonb_build_object('class', 'DependencyFailed', 'message', $3::text, 'retryable', false)
  from tree where j.id = tree.id and j.status = 'pending'
  returning j.id`;

export async function cancelDependents(
  q: Queryable,
  c: SqlContext,
  parents: readonly { id: number; status: string }[],
  now: Date,
): Promise<number[]> {
  const cancelled: number[] = [];
  for (const p of parents) {
    const { rows } = await q.query<{ id: number }>(cancelDependentsSql(c), [[p.id], now, `dependency job ${p.id} ended ${p.status}`]);
    cancelled.push(...rows.map((r) => r.id));
  }
  return cancelled;
}
