/**
 * Outbound: the `issue_push` job delivers an issue's unsent outbox entries. It reads the provider's
 * issue now, merges it with the mirror against the base (so a remote edit made since is kept, or held
 * as a conflict — never overwritten), sends the provider its patch, and records the result with the
 * job's completion in one transaction. A mirror edit made while the push was on the wire is not
 * overwritten: the push's changes to the mirror skip fields that moved, and that edit's own entry
 * pushes it next. Retried with the engine's backoff; past the limit the entries are marked dead.
 */
import { JobCancelled, LeaseLost, WorkerShutdown } from '../jobs/errors.ts';
import { snapshotError } from '../jobs/classify.ts';
import type { JobContext, JobHandler } from '../jobs/worker.ts';
import type { IssueProvider, RemoteIssue } from '../protocol/issues.ts';
import { agreedBase } from './agreed-base.ts';
import { applyRemoteInTx } from './apply-remote.ts';
import { announceConflicts } from './conflict-notice.ts';
import { syncConflicts } from './conflict-store.ts';
import type { Connection } from './connection-store.ts';
import { policyOf, type TwoWayContext } from './context.ts';
import { FIELDS, fieldEquals, normaliseFields, type FieldName, type IssueFields, type Snapshot, type Version } from './issue-fields.ts';
import { merge, type MergeResult } from './merge.ts';
import {
  fieldsOf,
  getIssueRow,
  localSnapshot,
  localVersion,
  logState,
  refreshStatus,
  remoteSnapshotOf,
  remoteVersionOf,
  table,
  updateIssueRow,
  type IssueRow,
  type RemoteSnapshot,
} from './mirror-store.ts';
import { markDead, markSent, unsentEntries, type PushPayload } from './outbox.ts';
import { appendLog } from './sync-log.ts';

/** How far back a retried create looks for the issue its lost first attempt may have made. */
const ADOPT_WINDOW_MS = 10 * 60_000;

export function createPushHandler(ctx: TwoWayContext, connectionOf: (id: number) => Promise<Connection>): JobHandler<PushPayload> {
  return async (job, jc) => {
    // Entries first, then the row: an entry commits with its change, so every entry read here has its
    // change in the row read next. (The other order could count an entry whose change the row lacks,
    // and mark it sent unpushed.)
    const unsent = await unsentEntries(ctx.db, ctx.schema, job.payload.issue_id);
    const row = await getIssueRow(ctx.db, ctx.schema, job.payload.issue_id);
    if (unsent.length === 0) return { pushed: false, reason: 'already sent by an earlier push' };
    const upTo = unsent.at(-1)!.id;
    const connection = await connectionOf(row.connection_id);
    const provider = ctx.providerFor(connection);
    try {
      if (row.external_id === null) return await pushCreate(ctx, jc, connection, provider, row, upTo, unsent[0]!.created_at);
      return await pushMerge(ctx, jc, connection, provider, row, upTo);
    } catch (err) {
      const error = snapshotError(err);
      const interrupted = err instanceof JobCancelled || err instanceof LeaseLost || err instanceof WorkerShutdown;
      if (!interrupted && (!error.retryable || jc.attempt > job.max_retries)) {
        await ctx.db.transaction(async (tx) => {
          await markDead(tx, ctx.schema, row.id, upTo, { class: error.class, code: error.code ?? null, message: error.message });
          await refreshStatus(tx, ctx.schema, row.id);
          await appendLog(tx, ctx.schema, {
            connectionId: connection.id,
            issueId: row.id,
            provider: connection.provider,
            direction: 'outbound',
            action: 'push_failed',
            detail: { job_id: job.id, attempt: jc.attempt, error: { class: error.class, message: error.message } },
          });
        });
      }
      throw err;
    }
  };
}

/** The issue was made here: create it on the provider (or adopt the one a lost attempt made) and link it. */
async function pushCreate(ctx: TwoWayContext, jc: JobContext, connection: Connection, provider: IssueProvider, row: IssueRow, upTo: number, since: Date) {
  if (row.deleted_at) {
    return jc.completeInTransaction(async (tx) => {
      await markSent(tx, ctx.schema, row.id, upTo, ctx.jobs.clock.now());
      await refreshStatus(tx, ctx.schema, row.id);
      return { pushed: false, reason: 'deleted before it was created' };
    });
  }
  const fields = normaliseFields(fieldsOf(row));
  // A create is not idempotent on any of the three APIs. An attempt that died after the provider made
  // the issue but before the link committed left it there; a retry finds it by its content.
  const adopted = jc.attempt > 1 ? await findOrphan(ctx, provider, connection.id, fields, since, jc.signal) : null;
  const created = adopted ?? (await provider.create(fields, jc.signal));
  return jc.completeInTransaction(async (tx) => {
    const now = ctx.jobs.clock.now();
    const current = await getIssueRow(tx, ctx.schema, row.id, true);
    const remote = remoteSnapshotOf(created, true);
    await updateIssueRow(
      tx,
      ctx.schema,
      row.id,
      {
        externalId: created.externalId,
        url: created.url,
        externalUpdatedAt: created.updatedAt,
        remote,
        // Both sides held these fields: the mirror when the push read it, the provider now.
        base: normaliseFields(created.fields),
      },
      now,
    );
    await markSent(tx, ctx.schema, row.id, upTo, now);
    await refreshStatus(tx, ctx.schema, row.id);
    await appendLog(tx, ctx.schema, {
      connectionId: connection.id,
      issueId: row.id,
      provider: connection.provider,
      direction: 'outbound',
      action: 'pushed',
      before: null,
      after: logState(current),
      detail: { op: 'create', external_id: created.externalId, ...(adopted ? { adopted: true } : {}) },
    });
    return { pushed: true, op: 'create', external_id: created.externalId, adopted: adopted !== null };
  });
}

async function findOrphan(ctx: TwoWayContext, provider: IssueProvider, connectionId: number, fields: IssueFields, since: Date, signal: AbortSignal): Promise<RemoteIssue | null> {
  let page: string | null = null;
  for (let pages = 0; pages < 20; pages++) {
    const result = await provider.listChangedSince(new Date(since.getTime() - ADOPT_WINDOW_MS), page, signal);
    for (const issue of result.issues) {
      const theirs = normaliseFields(issue.fields);
      if (!FIELDS.every((f) => fieldEquals(f, theirs[f], fields[f]))) continue;
      const { rows } = await ctx.db.query(`select 1 from ${table(ctx.schema, 'issues')} where connection_id = $1 and external_id = $2`, [connectionId, issue.externalId]);
      if (rows.length === 0) return issue;
    }
    page = result.next;
    if (page === null) break;
  }
  return null;
}

/** The issue exists on the provider: merge with what it holds now, send the difference, record both sides. */
async function pushMerge(ctx: TwoWayContext, jc: JobContext, connection: Connection, provider: IssueProvider, row: IssueRow, upTo: number) {
  const externalId = row.external_id!;
  const now0 = ctx.jobs.clock.now();
  const before = await provider.get(externalId, jc.signal);
  const remote: Version = before ? remoteVersionOf(before) : { deleted: true, deletedAt: now0 };
  const m = merge({ base: row.base, local: localVersion(row), remote }, policyOf(connection));

  let after: RemoteIssue | null = before;
  let note: string | undefined;
  switch (m.toRemote.op) {
    case 'none':
      break;
    case 'update':
      after = await provider.update(externalId, m.toRemote.fields, jc.signal);
      break;
    case 'create':
      after = await provider.create(m.toRemote.fields, jc.signal);
      break;
    case 'delete':
      if (provider.canDelete) {
        await provider.delete(externalId, jc.signal);
        after = null;
      } else {
        // GitHub's REST API cannot delete an issue; closing it is the nearest thing it allows.
        after = await provider.update(externalId, { state: 'closed' }, jc.signal);
        note = `${provider.name} cannot delete issues through its API: closed instead`;
      }
      break;
  }

  // The provider's answer to an update is the whole issue as it is now: someone may have edited other
  // fields between our read and our write. What we know we wrote is the read plus our patch; anything
  // else in the answer is a remote edit, merged below as one — never recorded as our own echo.
  const wrote = m.toRemote.op === 'update' && before && after ? normaliseFields({ ...before.fields, ...m.toRemote.fields }) : undefined;
  const theirs = wrote && after && !FIELDS.every((f) => fieldEquals(f, wrote[f], normaliseFields(after.fields)[f])) ? after : undefined;
  const known: RemoteIssue | null = theirs ? { ...theirs, fields: wrote! } : after;

  return jc.completeInTransaction(async (tx) => {
    const now = ctx.jobs.clock.now();
    const current = await getIssueRow(tx, ctx.schema, row.id, true);
    const newLocal = rebase(row, current, m);
    const remoteSnap: Snapshot = known ? { deleted: false, fields: normaliseFields(known.fields) } : { deleted: true };
    const conflicted = new Set<FieldName>(m.conflicts.map((c) => c.field));
    const pushed = m.toRemote.op !== 'none';
    const newer = isNewer(current.remote, known);
    const updated = await updateIssueRow(
      tx,
      ctx.schema,
      row.id,
      {
        ...(newLocal ? { local: newLocal } : {}),
        // A poll recorded a later provider version while this push was on the wire: that one stands.
        ...(newer
          ? {}
          : {
              base: agreedBase(current.base, { local: newLocal ?? localSnapshot(current), remote: remoteSnap, decided: m.local }, conflicted),
              remote: known ? remoteSnapshotOf(known, pushed) : ({ deleted: true, at: now.toISOString(), pushed } satisfies RemoteSnapshot),
              ...(known ? { externalId: known.externalId, url: known.url, externalUpdatedAt: known.updatedAt } : {}),
            }),
      },
      now,
    );
    const created = await syncConflicts(tx, ctx.schema, row.id, m.conflicts, now);
    await markSent(tx, ctx.schema, row.id, upTo, now);
    await refreshStatus(tx, ctx.schema, row.id);
    await announceConflicts(tx, ctx, connection, updated, created);
    await appendLog(tx, ctx.schema, {
      connectionId: connection.id,
      issueId: row.id,
      provider: connection.provider,
      direction: 'outbound',
      action: pushed ? 'pushed' : 'unchanged',
      before: before ? normaliseFields(before.fields) : { deleted: true },
      after: after ? normaliseFields(after.fields) : { deleted: true },
      detail: {
        op: m.toRemote.op,
        ...(m.toRemote.op === 'update' ? { fields: Object.keys(m.toRemote.fields) } : {}),
        ...(m.toLocal.op !== 'none' ? { to_local: m.toLocal.op } : {}),
        ...(m.conflicts.length ? { conflicts: m.conflicts.map((c) => c.field) } : {}),
        ...(m.overridden.length ? { overridden: m.overridden } : {}),
        ...(note ? { note } : {}),
        ...(theirs ? { remote_edit_meanwhile: true } : {}),
      },
    });
    if (theirs && !newer) await applyRemoteInTx(tx, ctx, connection, { kind: 'upsert', issue: theirs }, { via: 'push_answer', fresh: true, detail: { job_id: jc.job.id } });
    return { pushed, op: m.toRemote.op, conflicts: m.conflicts.map((c) => c.field) };
  });
}

/**
 * The mirror after the merge's local patch, applied only to fields nobody changed since the push read
 * the row (a concurrent local edit wins over the push's view; its own outbox entry follows). Undefined
 * when nothing changes.
 */
function rebase(read: IssueRow, current: IssueRow, m: MergeResult): Snapshot | undefined {
  const patch = m.toLocal;
  if (patch.op === 'none') return undefined;
  if (patch.op === 'delete') return { deleted: true };
  if (patch.op === 'create') return current.deleted_at ? { deleted: false, fields: patch.fields } : undefined;
  if (current.deleted_at) return undefined;
  const was = normaliseFields(fieldsOf(read));
  const now = normaliseFields(fieldsOf(current));
  const next: IssueFields = { ...now };
  let changed = false;
  for (const field of FIELDS) {
    const value = patch.fields[field];
    if (value === undefined || !fieldEquals(field, was[field], now[field])) continue;
    (next as Record<FieldName, unknown>)[field] = value;
    changed = true;
  }
  return changed ? { deleted: false, fields: next } : undefined;
}

function isNewer(known: RemoteSnapshot | null, after: RemoteIssue | null): boolean {
  if (!known || known.deleted || !after) return false;
  return Date.parse(known.updated_at) > after.updatedAt.getTime();
}
