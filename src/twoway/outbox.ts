/**
 * The outbox: a local change on its way to the provider. An entry is written in the transaction of the
 * change, together with the job that pushes it (one job per entry, so each is visible, retried with
 * backoff and replayable on its own), keyed so that the pushes and webhooks of one issue run one at a
 * time. A push sends whatever the issue's unsent entries add up to, so a later job finds its entry
 * already sent and ends at once.
 */
import type { Queryable } from '../db/db.ts';
import type { JobStore } from '../jobs/store.ts';
import type { Patch } from './patch.ts';
import { table, type IssueRow } from './mirror-store.ts';
import { newestFirst } from './newest-first.ts';

export const ISSUE_PUSH_JOB = 'issue_push';

export type OutboxOp = 'create' | 'update' | 'delete';
export type OutboxStatus = 'pending' | 'sent' | 'dead';

export interface OutboxEntry {
  id: number;
  issue_id: number;
  op: OutboxOp;
  fields: Record<string, unknown> | null;
  status: OutboxStatus;
  job_id: number | null;
  last_error: Record<string, unknown> | null;
  created_at: Date;
  sent_at: Date | null;
}

export interface PushPayload {
  issue_id: number;
  outbox_id: number;
}

/**
 * The key every job that touches one issue shares (limit 1): a webhook's, a push's. Before the issue
 * exists on the provider it has no external id; its pushes are keyed by the mirror id until then.
 */
export function issueKey(connectionId: number, externalId: string | null, issueId: number): string {
  return externalId === null ? `issue-local:${issueId}` : `issue:${connectionId}:${externalId}`;
}

/** Records the change to push and enqueues its job, in the caller's transaction. */
export async function addOutboxEntry(tx: Queryable, schema: string, jobs: JobStore, row: IssueRow, patch: Exclude<Patch, { op: 'none' }>): Promise<OutboxEntry> {
  const fields = patch.op === 'delete' ? null : patch.fields;
  const { rows } = await tx.query<OutboxEntry>(
    `insert into ${table(schema, 'issue_outbox')} (issue_id, op, fields) values ($1, $2, $3::jsonb) returning *`,
    [row.id, patch.op, fields === null ? null : JSON.stringify(fields)],
  );
  const entry = rows[0]!;
  const { job } = await jobs.enqueue(
    {
      jobType: ISSUE_PUSH_JOB,
      entityId: `outbox:${entry.id}`,
      payload: { issue_id: row.id, outbox_id: entry.id } satisfies PushPayload,
      concurrencyKey: issueKey(row.connection_id, row.external_id, row.id),
      concurrencyLimit: 1,
    },
    tx,
  );
  await tx.query(`update ${table(schema, 'issue_outbox')} set job_id = $2 where id = $1`, [entry.id, job.id]);
  return { ...entry, job_id: job.id };
}

/** The issue's entries not yet sent (pending, or dead and being pushed again), oldest first. */
export async function unsentEntries(q: Queryable, schema: string, issueId: number): Promise<OutboxEntry[]> {
  const { rows } = await q.query<OutboxEntry>(`select * from ${table(schema, 'issue_outbox')} where issue_id = $1 and status <> 'sent' order by id`, [issueId]);
  return rows;
}

/** Marks the entries up to `upToId` sent (their change is on the provider now). */
export async function markSent(q: Queryable, schema: string, issueId: number, upToId: number, now: Date): Promise<number> {
  const { rowCount } = await q.query(
    `update ${table(schema, 'issue_outbox')} set status = 'sent', sent_at = $3, last_error = null where issue_id = $1 and id <= $2 and status <> 'sent'`,
    [issueId, upToId, now],
  );
  return rowCount;
}

/** The push gave up: its entries stay unsent, marked dead with the error, until a replay pushes them. */
export async function markDead(q: Queryable, schema: string, issueId: number, upToId: number, error: Record<string, unknown>): Promise<void> {
  await q.query(`update ${table(schema, 'issue_outbox')} set status = 'dead', last_error = $3::jsonb where issue_id = $1 and id <= $2 and status <> 'sent'`, [
    issueId,
    upToId,
    JSON.stringify(error),
  ]);
}

export function listOutbox(q: Queryable, schema: string, filter: { status?: OutboxStatus; issueId?: number; limit?: number } = {}): Promise<OutboxEntry[]> {
  return newestFirst<OutboxEntry>(q, schema, 'issue_outbox', { status: filter.status, issue_id: filter.issueId }, { limit: filter.limit });
}
