/**
 * Inbound: what the provider says about one issue (a webhook's snapshot, a poll's listing, a fresh GET)
 * merged into the mirror in one transaction with the row locked. Deliveries come late, twice and out of
 * order, so before merging the snapshot is weighed against the provider version the mirror last saw:
 * older → `stale`, the same → `echo` (our own push coming back) or `duplicate`, the same time but other
 * fields → `needs_refetch` (a whole-second `updated_at` — GitHub's, GitLab's webhooks' — cannot order two
 * edits in one second; the caller reads the issue now and applies that). A newer snapshot goes through the three-way merge:
 * the mirror takes its patch at once, the provider's patch goes to the outbox, conflicts are recorded.
 */
import type { Queryable } from '../db/db.ts';
import type { RemoteIssue } from '../protocol/issues.ts';
import { agreedBase } from './agreed-base.ts';
import { announceConflicts } from './conflict-notice.ts';
import { syncConflicts, type ConflictRow } from './conflict-store.ts';
import type { Connection } from './connection-store.ts';
import { policyOf, type TwoWayContext } from './context.ts';
import { FIELDS, fieldEquals, normaliseFields, type FieldName, type Snapshot, type Version } from './issue-fields.ts';
import { merge } from './merge.ts';
import {
  findByExternalId,
  insertIssueRow,
  localSnapshot,
  localVersion,
  logState,
  refreshStatus,
  remoteSnapshotOf,
  remoteVersionOf,
  table,
  updateIssueRow,
  type IssueRow,
} from './mirror-store.ts';
import { addOutboxEntry } from './outbox.ts';
import { applyPatch } from './patch.ts';
import { appendLog } from './sync-log.ts';

export type RemoteChange = { kind: 'upsert'; issue: RemoteIssue } | { kind: 'deleted'; externalId: string };

export type ApplyOutcome = 'created' | 'updated' | 'deleted' | 'unchanged' | 'conflict' | 'echo' | 'duplicate' | 'stale' | 'needs_refetch' | 'wait';

export interface ApplyResult {
  outcome: ApplyOutcome;
  issueId: number | null;
  conflicts: ConflictRow[];
}

export interface ApplyOptions {
  /** Where the change came from, for the log: `webhook`, `poll`, `refetch`. */
  via: string;
  /** The snapshot is the provider's state as of now (a listing, a GET): an equal `updated_at` with other fields is applied, not refetched. */
  fresh: boolean;
  detail?: Record<string, unknown>;
}

export async function applyRemoteChange(ctx: TwoWayContext, connection: Connection, change: RemoteChange, opts: ApplyOptions): Promise<ApplyResult> {
  return ctx.db.transaction((tx) => applyRemoteInTx(tx, ctx, connection, change, opts));
}

/** The same, in the caller's transaction (a push that learned of a remote edit from its own answer). */
export async function applyRemoteInTx(tx: Queryable, ctx: TwoWayContext, connection: Connection, change: RemoteChange, opts: ApplyOptions): Promise<ApplyResult> {
  const { schema } = ctx;
  const now = ctx.jobs.clock.now();
  const externalId = change.kind === 'upsert' ? change.issue.externalId : change.externalId;
  const log = (row: IssueRow | null, action: string, extra: { before?: unknown; after?: unknown; detail?: Record<string, unknown> } = {}) =>
    appendLog(tx, schema, {
      connectionId: connection.id,
      issueId: row?.id ?? null,
      provider: connection.provider,
      direction: 'inbound',
      action,
      ...extra,
      detail: { via: opts.via, external_id: externalId, ...opts.detail, ...extra.detail },
    });
  const row = await findByExternalId(tx, schema, connection.id, externalId, true);

  if (!row) {
    if (change.kind === 'deleted') {
      await log(null, 'unchanged', { detail: { reason: 'deleted an issue the mirror never held' } });
      return { outcome: 'unchanged', issueId: null, conflicts: [] };
    }
    // An issue we are creating ourselves may be this one: its push has not recorded the number yet.
    // Wait for it rather than mirroring our own issue twice.
    if (await hasUnsettledCreates(tx, schema, connection.id)) return { outcome: 'wait', issueId: null, conflicts: [] };
    const fields = normaliseFields(change.issue.fields);
    const created = await insertIssueRow(tx, schema, { connectionId: connection.id, fields, remote: change.issue, base: fields, status: 'synced', localUpdatedAt: now });
    await log(created, 'created', { before: null, after: logState(created) });
    return { outcome: 'created', issueId: created.id, conflicts: [] };
  }

  const seen = seenBefore(row, change, opts.fresh);
  if (seen) {
    if (seen !== 'needs_refetch') await log(row, seen, { detail: { updated_at: change.kind === 'upsert' ? change.issue.updatedAt.toISOString() : null } });
    return { outcome: seen, issueId: row.id, conflicts: [] };
  }

  const remote: Version = change.kind === 'upsert' ? remoteVersionOf(change.issue) : { deleted: true, deletedAt: now };
  const remoteSnap: Snapshot = remote.deleted ? { deleted: true } : { deleted: false, fields: remote.fields };
  const m = merge({ base: row.base, local: localVersion(row), remote }, policyOf(connection));
  const before = logState(row);
  const newLocal = applyPatch(localSnapshot(row), m.toLocal);
  const conflicted = new Set<FieldName>(m.conflicts.map((c) => c.field));
  // The delete lost to an edit (update_wins): the provider's issue is gone, so the mirror unlinks and
  // the outbox creates it anew.
  const recreate = m.toRemote.op === 'create';
  const updated = await updateIssueRow(
    tx,
    schema,
    row.id,
    {
      ...(m.toLocal.op === 'none' ? {} : { local: newLocal }),
      base: recreate ? null : agreedBase(row.base, { local: newLocal, remote: remoteSnap, decided: m.local }, conflicted),
      remote: recreate ? null : change.kind === 'upsert' ? remoteSnapshotOf(change.issue, false) : { deleted: true, at: now.toISOString(), pushed: false },
      ...(recreate ? { externalId: null, url: null, externalUpdatedAt: null } : {}),
      ...(change.kind === 'upsert' ? { externalUpdatedAt: change.issue.updatedAt, url: change.issue.url } : {}),
    },
    now,
  );
  const newConflicts = await syncConflicts(tx, schema, row.id, m.conflicts, now);
  if (m.toRemote.op !== 'none') await addOutboxEntry(tx, schema, ctx.jobs, updated, m.toRemote);
  await refreshStatus(tx, schema, row.id);
  await announceConflicts(tx, ctx, connection, updated, newConflicts);

  const outcome: ApplyOutcome =
    newConflicts.length > 0 ? 'conflict' : newLocal.deleted && !row.deleted_at ? 'deleted' : m.toLocal.op !== 'none' ? 'updated' : 'unchanged';
  await log(row, outcome, {
    before,
    after: logState(updated),
    detail: {
      to_remote: m.toRemote.op,
      ...(m.conflicts.length ? { conflicts: m.conflicts.map((c) => c.field) } : {}),
      ...(m.overridden.length ? { overridden: m.overridden } : {}),
    },
  });
  return { outcome, issueId: row.id, conflicts: newConflicts };
}

/** Whether the snapshot tells the mirror nothing new; see the module comment. */
function seenBefore(row: IssueRow, change: RemoteChange, fresh: boolean): 'stale' | 'echo' | 'duplicate' | 'needs_refetch' | null {
  const known = row.remote;
  if (change.kind === 'deleted') return known?.deleted ? 'duplicate' : null;
  if (!known || known.deleted) return null;
  // Compare at the coarser precision of the two: GitLab's webhooks write whole seconds where its REST
  // answers carry milliseconds, so our own write (ms) comes back as a webhook "older" than itself.
  const coarse = change.issue.updatedAt.getTime() % 1000 === 0 || Date.parse(known.updated_at) % 1000 === 0;
  const unit = coarse ? 1000 : 1;
  const at = Math.floor(change.issue.updatedAt.getTime() / unit);
  const knownAt = Math.floor(Date.parse(known.updated_at) / unit);
  if (at < knownAt) return 'stale';
  if (at > knownAt) return null;
  const incoming = normaliseFields(change.issue.fields);
  if (FIELDS.every((f) => fieldEquals(f, incoming[f], known.fields[f]))) return known.pushed ? 'echo' : 'duplicate';
  return fresh ? null : 'needs_refetch';
}

async function hasUnsettledCreates(tx: Queryable, schema: string, connectionId: number): Promise<boolean> {
  const { rows } = await tx.query(
    `select 1 from ${table(schema, 'issues')} i join ${table(schema, 'issue_outbox')} o on o.issue_id = i.id
     where i.connection_id = $1 and i.external_id is null and i.deleted_at is null and o.op = 'create' and o.status = 'pending' limit 1`,
    [connectionId],
  );
  return rows.length > 0;
}
