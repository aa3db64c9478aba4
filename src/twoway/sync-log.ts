/**
 * The sync log: one row per change two-way sync made, refused or held — direction, action, the state
 * before and after, the provider, the time. Append-only; written in the transaction of the change it
 * describes, so the log never claims a change that did not commit.
 */
import type { Queryable } from '../db/db.ts';
import { table } from './mirror-store.ts';
import { newestFirst } from './newest-first.ts';

export type Direction = 'inbound' | 'outbound' | 'local';

/**
 * inbound: created, updated, deleted, unchanged, echo (our own write coming back), stale (older than what
 * the mirror holds), conflict; outbound: pushed, push_failed; local: edited, created, deleted, resolved.
 */
export interface LogEntry {
  connectionId: number;
  issueId: number | null;
  provider: string;
  direction: Direction;
  action: string;
  before?: unknown;
  after?: unknown;
  detail?: Record<string, unknown>;
}

export interface SyncLogRow {
  id: number;
  connection_id: number;
  issue_id: number | null;
  provider: string;
  direction: Direction;
  action: string;
  before: unknown;
  after: unknown;
  detail: Record<string, unknown> | null;
  at: Date;
}

export async function appendLog(q: Queryable, schema: string, e: LogEntry): Promise<void> {
  await q.query(
    `insert into ${table(schema, 'issue_sync_log')} (connection_id, issue_id, provider, direction, action, before, after, detail)
     values ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8::jsonb)`,
    [
      e.connectionId,
      e.issueId,
      e.provider,
      e.direction,
      e.action,
      e.before === undefined ? null : JSON.stringify(e.before),
      e.after === undefined ? null : JSON.stringify(e.after),
      e.detail === undefined ? null : JSON.stringify(e.detail),
    ],
  );
}

export interface LogFilter {
  connectionId?: number;
  issueId?: number;
  action?: string;
  limit?: number;
}

/** Newest first. */
export function listLog(q: Queryable, schema: string, filter: LogFilter = {}): Promise<SyncLogRow[]> {
  return newestFirst<SyncLogRow>(q, schema, 'issue_sync_log', { connection_id: filter.connectionId, issue_id: filter.issueId, action: filter.action }, { limit: filter.limit });
}
