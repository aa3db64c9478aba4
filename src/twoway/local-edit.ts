/**
 * Local edits of the mirror: create, edit, delete, and a person's answer to a conflict. Each writes the
 * mirror, an outbox entry with its push job, and a sync-log line in one transaction (the outbox
 * pattern): the change and the promise to send it commit together or not at all.
 */
import { Conflict } from '../protocol/errors.ts';
import { getConflict, markResolved, asFieldConflict, type ConflictRow } from './conflict-store.ts';
import type { Connection } from './connection-store.ts';
import type { TwoWayContext } from './context.ts';
import { fieldEquals, FIELDS, normaliseFields, type FieldName, type IssueFields } from './issue-fields.ts';
import type { IssueCreateInput, IssuePatchInput } from './issue-input.ts';
import { fieldsOf, getIssueRow, insertIssueRow, localVersion, logState, refreshStatus, updateIssueRow, type IssueRow } from './mirror-store.ts';
import { addOutboxEntry } from './outbox.ts';
import type { FieldPatch } from './patch.ts';
import { resolveConflict, type Resolution } from './resolve.ts';
import { appendLog } from './sync-log.ts';

type Parsed<T> = { [K in keyof T]-?: Exclude<T[K], undefined> };

export async function createLocalIssue(ctx: TwoWayContext, connection: Connection, input: Parsed<IssueCreateInput>): Promise<IssueRow> {
  return ctx.db.transaction(async (tx) => {
    const now = ctx.jobs.clock.now();
    const fields = normaliseFields(input);
    const row = await insertIssueRow(tx, ctx.schema, { connectionId: connection.id, fields, remote: null, base: null, status: 'pending', localUpdatedAt: now });
    await addOutboxEntry(tx, ctx.schema, ctx.jobs, row, { op: 'create', fields });
    await appendLog(tx, ctx.schema, { connectionId: connection.id, issueId: row.id, provider: connection.provider, direction: 'local', action: 'created', before: null, after: logState(row) });
    return row;
  });
}

/**
 * Applies the fields given. `ifVersion`, when set, must equal the row's `local_version` (optimistic
 * concurrency for editors that show a form). An edit that changes nothing writes nothing.
 */
export async function updateLocalIssue(ctx: TwoWayContext, connection: Connection, id: number, patch: IssuePatchInput, ifVersion?: number): Promise<IssueRow> {
  return ctx.db.transaction(async (tx) => {
    const now = ctx.jobs.clock.now();
    const row = await getIssueRow(tx, ctx.schema, id, true);
    if (row.deleted_at) throw new Conflict(`issue ${id} is deleted`, { detail: { issue_id: id } });
    if (ifVersion !== undefined && ifVersion !== row.local_version) {
      throw new Conflict(`issue ${id} changed since version ${ifVersion} (now ${row.local_version})`, { detail: { issue_id: id, local_version: row.local_version } });
    }
    const current = normaliseFields(fieldsOf(row));
    const wanted = normaliseFields({ ...current, ...definedOnly(patch) });
    const changed: FieldPatch = {};
    for (const field of FIELDS) if (!fieldEquals(field, current[field], wanted[field])) setPatch(changed, field, wanted[field]);
    if (Object.keys(changed).length === 0) return row;
    const updated = await updateIssueRow(tx, ctx.schema, id, { local: { deleted: false, fields: wanted }, localEdit: true }, now);
    await addOutboxEntry(tx, ctx.schema, ctx.jobs, updated, { op: 'update', fields: changed });
    await refreshStatus(tx, ctx.schema, id);
    await appendLog(tx, ctx.schema, { connectionId: connection.id, issueId: id, provider: connection.provider, direction: 'local', action: 'edited', before: logState(row), after: logState(updated), detail: { fields: Object.keys(changed) } });
    return getIssueRow(tx, ctx.schema, id);
  });
}

export async function deleteLocalIssue(ctx: TwoWayContext, connection: Connection, id: number): Promise<IssueRow> {
  return ctx.db.transaction(async (tx) => {
    const now = ctx.jobs.clock.now();
    const row = await getIssueRow(tx, ctx.schema, id, true);
    if (row.deleted_at) return row;
    const updated = await updateIssueRow(tx, ctx.schema, id, { local: { deleted: true }, localEdit: true }, now);
    await addOutboxEntry(tx, ctx.schema, ctx.jobs, updated, { op: 'delete' });
    await refreshStatus(tx, ctx.schema, id);
    await appendLog(tx, ctx.schema, { connectionId: connection.id, issueId: id, provider: connection.provider, direction: 'local', action: 'deleted', before: logState(row), after: { deleted: true } });
    return getIssueRow(tx, ctx.schema, id);
  });
}

/**
 * A person's answer to a recorded conflict. Refused (409) when the conflict is closed, or when a side
 * moved since it was recorded (StaleConflict: the next merge shows it as it is now). The mirror takes
 * the chosen value; the base becomes the provider's value, so the push that follows carries the choice
 * as a local change rather than meeting the same conflict again.
 */
export async function resolveLocalConflict(ctx: TwoWayContext, connection: Connection, conflictId: number, choice: Resolution): Promise<{ conflict: ConflictRow; issue: IssueRow }> {
  return ctx.db.transaction(async (tx) => {
    const now = ctx.jobs.clock.now();
    const conflict = await getConflict(tx, ctx.schema, conflictId, true);
    if (conflict.status !== 'open') throw new Conflict(`conflict ${conflictId} is ${conflict.status}`, { detail: { conflict_id: conflictId, status: conflict.status } });
    const row = await getIssueRow(tx, ctx.schema, conflict.issue_id, true);
    const remote = row.remote;
    if (!remote || remote.deleted || row.deleted_at) throw new Conflict(`issue ${row.id} is deleted on one side; the conflict no longer applies`, { detail: { conflict_id: conflictId } });
    const resolved = resolveConflict(
      { base: row.base, local: localVersion(row), remote: { deleted: false, fields: remote.fields, updatedAt: new Date(remote.updated_at) } },
      asFieldConflict(conflict),
      choice,
    );
    const field = conflict.field;
    const remoteValue = remote.fields[field];
    const fields: IssueFields = { ...normaliseFields(fieldsOf(row)), [field]: resolved.value };
    const updated = await updateIssueRow(tx, ctx.schema, row.id, { local: { deleted: false, fields }, localEdit: true, base: { ...row.base, [field]: remoteValue } }, now);
    const closed = await markResolved(tx, ctx.schema, conflictId, typeof choice === 'string' ? choice : 'value', resolved.value, now);
    if (resolved.value !== remoteValue) await addOutboxEntry(tx, ctx.schema, ctx.jobs, updated, { op: 'update', fields: { [field]: resolved.value } });
    await refreshStatus(tx, ctx.schema, row.id);
    await appendLog(tx, ctx.schema, {
      connectionId: connection.id,
      issueId: row.id,
      provider: connection.provider,
      direction: 'local',
      action: 'resolved',
      before: logState(row),
      after: logState(updated),
      detail: { conflict_id: conflictId, field, resolution: closed.resolution },
    });
    return { conflict: closed, issue: await getIssueRow(tx, ctx.schema, row.id) };
  });
}

function definedOnly(patch: IssuePatchInput): Partial<IssueFields> {
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<IssueFields>;
}

function setPatch<F extends FieldName>(patch: FieldPatch, field: F, value: IssueFields[F]): void {
  patch[field] = value;
}
