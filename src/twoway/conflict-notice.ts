/**
 * Announcing a new conflict: a structured log event always, and — when the connection names a
 * `notify_url` — a job that POSTs it there, enqueued in the transaction that recorded the conflict, so a
 * notification is sent (and retried) exactly when the conflict committed.
 */
import type { Queryable } from '../db/db.ts';
import { httpJson } from '../connectors/http.ts';
import type { JobHandler } from '../jobs/worker.ts';
import type { Connection } from './connection-store.ts';
import { getConflict, type ConflictRow } from './conflict-store.ts';
import type { TwoWayContext } from './context.ts';
import { getIssueRow, type IssueRow } from './mirror-store.ts';

export const CONFLICT_NOTIFY_JOB = 'issue_conflict_notify';

export async function announceConflicts(tx: Queryable, ctx: TwoWayContext, connection: Connection, row: IssueRow, created: readonly ConflictRow[]): Promise<void> {
  for (const c of created) {
    ctx.logger.warn({ event: 'twoway.conflict', connection_id: connection.id, issue_id: row.id, conflict_id: c.id, field: c.field, external_id: row.external_id });
    if (connection.notify_url) {
      await ctx.jobs.enqueue({ jobType: CONFLICT_NOTIFY_JOB, entityId: `conflict:${c.id}`, payload: { conflict_id: c.id, connection_id: connection.id } }, tx);
    }
  }
}

/** The body a notification carries: enough to find and show the conflict, never a secret. */
export function conflictNotice(connection: Connection, row: IssueRow, c: ConflictRow) {
  return {
    event: 'issue.conflict',
    connection: { id: connection.id, name: connection.name, provider: connection.provider },
    issue: { id: row.id, external_id: row.external_id, url: row.url, title: row.title },
    conflict: { id: c.id, field: c.field, base: c.base_value, local: c.local_value, remote: c.remote_value, created_at: c.created_at.toISOString() },
  };
}

export function createConflictNotifyHandler(ctx: TwoWayContext, connectionOf: (id: number) => Promise<Connection>): JobHandler<{ conflict_id: number; connection_id: number }> {
  return async (job, jc) => {
    const connection = await connectionOf(job.payload.connection_id);
    if (!connection.notify_url) return { skipped: 'no notify_url' };
    const conflict = await getConflict(ctx.db, ctx.schema, job.payload.conflict_id);
    const row = await getIssueRow(ctx.db, ctx.schema, conflict.issue_id);
    await httpJson({
      method: 'POST',
      url: connection.notify_url,
      body: conflictNotice(connection, row, conflict),
      timeoutMs: 10_000,
      signal: jc.signal,
      correlationId: jc.correlationId,
      idempotencyKey: `conflict-${conflict.id}`,
    });
    return { notified: connection.notify_url };
  };
}
