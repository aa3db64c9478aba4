/**
 * The local mirror's rows (`issues`): reading them as the merge's versions and snapshots, and writing
 * what a merge decided. Rows are locked (`FOR UPDATE`) by whoever merges, so a webhook, a poll, a push
 * and a local edit of one issue take turns. Every change of the mirror's fields bumps `local_version`.
 */
import type { Queryable } from '../db/db.ts';
import { quoteIdent } from '../db/ident.ts';
import { NotFound } from '../protocol/errors.ts';
import type { RemoteIssue } from '../protocol/issues.ts';
import { normaliseFields, type Base, type IssueFields, type Snapshot, type Version } from './issue-fields.ts';

/** The provider's version as last seen, kept to recognise echoes and stale deliveries. */
export type RemoteSnapshot =
  | { deleted: false; fields: IssueFields; updated_at: string; url: string; pushed: boolean }
  | { deleted: true; at: string; pushed: boolean };

export type SyncStatus = 'synced' | 'pending' | 'conflict' | 'error';

export interface IssueRow {
  id: number;
  connection_id: number;
  external_id: string | null;
  url: string | null;
  title: string;
  body: string;
  state: 'open' | 'closed';
  labels: string[];
  assignees: string[];
  deleted_at: Date | null;
  base: Base | null;
  remote: RemoteSnapshot | null;
  external_updated_at: Date | null;
  local_updated_at: Date;
  local_version: number;
  sync_status: SyncStatus;
  created_at: Date;
}

export const table = (schema: string, name: string) => `${quoteIdent(schema)}.${name}`;

export function fieldsOf(row: IssueRow): IssueFields {
  return { title: row.title, body: row.body, state: row.state, labels: row.labels, assignees: row.assignees };
}

export function localSnapshot(row: IssueRow): Snapshot {
  return row.deleted_at ? { deleted: true } : { deleted: false, fields: normaliseFields(fieldsOf(row)) };
}

export function localVersion(row: IssueRow): Version {
  return row.deleted_at ? { deleted: true, deletedAt: row.deleted_at } : { deleted: false, fields: normaliseFields(fieldsOf(row)), updatedAt: row.local_updated_at };
}

export function remoteVersionOf(issue: RemoteIssue): Version & { deleted: false } {
  return { deleted: false, fields: normaliseFields(issue.fields), updatedAt: issue.updatedAt };
}

export function remoteSnapshotOf(issue: RemoteIssue, pushed: boolean): RemoteSnapshot {
  return { deleted: false, fields: normaliseFields(issue.fields), updated_at: issue.updatedAt.toISOString(), url: issue.url, pushed };
}

export function snapshotOfRemote(remote: RemoteSnapshot | null): Snapshot | null {
  if (!remote) return null;
  return remote.deleted ? { deleted: true } : { deleted: false, fields: remote.fields };
}

export async function getIssueRow(q: Queryable, schema: string, id: number, lock = false): Promise<IssueRow> {
  const { rows } = await q.query<IssueRow>(`select * from ${table(schema, 'issues')} where id = $1${lock ? ' for update' : ''}`, [id]);
  if (!rows[0]) throw new NotFound(`issue ${id} not found`, { detail: { issue_id: id } });
  return rows[0];
}

export async function findByExternalId(q: Queryable, schema: string, connectionId: number, externalId: string, lock = false): Promise<IssueRow | undefined> {
  const { rows } = await q.query<IssueRow>(
    `select * from ${table(schema, 'issues')} where connection_id = $1 and external_id = $2${lock ? ' for update' : ''}`,
    [connectionId, externalId],
  );
  return rows[0];
}

/** A new mirror row: from the provider (linked, agreed) or made here (unlinked until pushed). */
export async function insertIssueRow(
  q: Queryable,
  schema: string,
  row: { connectionId: number; fields: IssueFields; remote: RemoteIssue | null; base: Base | null; status: SyncStatus; localUpdatedAt: Date },
): Promise<IssueRow> {
  const f = normaliseFields(row.fields);
  const { rows } = await q.query<IssueRow>(
    `insert into ${table(schema, 'issues')}
       (connection_id, external_id, url, title, body, state, labels, assignees, base, remote, external_updated_at, local_updated_at, sync_status)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10::jsonb, $11, $12, $13) returning *`,
    [
      row.connectionId,
      row.remote?.externalId ?? null,
      row.remote?.url ?? null,
      f.title,
      f.body,
      f.state,
      f.labels,
      f.assignees,
      row.base === null ? null : JSON.stringify(row.base),
      row.remote ? JSON.stringify(remoteSnapshotOf(row.remote, false)) : null,
      row.remote?.updatedAt ?? null,
      row.localUpdatedAt,
      row.status,
    ],
  );
  return rows[0]!;
}

export interface RowChange {
  /** The mirror's new fields (a snapshot): deleted sets `deleted_at`, present clears it. */
  local?: Snapshot;
  /** Whether the mirror's fields changed because of a person's edit here (sets local_updated_at). */
  localEdit?: boolean;
  base?: Base | null;
  remote?: RemoteSnapshot | null;
  externalId?: string | null;
  url?: string | null;
  externalUpdatedAt?: Date | null;
  status?: SyncStatus;
}

/** Writes the given parts of a row (which the caller has locked) and returns it as it is now. */
export async function updateIssueRow(q: Queryable, schema: string, id: number, change: RowChange, now: Date): Promise<IssueRow> {
  const sets: string[] = [];
  const params: unknown[] = [id];
  const set = (column: string, value: unknown, cast = '') => {
    params.push(value);
    sets.push(`${column} = $${params.length}${cast}`);
  };
  if (change.local) {
    if (change.local.deleted) set('deleted_at', now);
    else {
      const f = normaliseFields(change.local.fields);
      set('deleted_at', null);
      set('title', f.title);
      set('body', f.body);
      set('state', f.state);
      set('labels', f.labels);
      set('assignees', f.assignees);
    }
    sets.push('local_version = local_version + 1');
    if (change.localEdit) set('local_updated_at', now);
  }
  if (change.base !== undefined) set('base', change.base === null ? null : JSON.stringify(change.base), '::jsonb');
  if (change.remote !== undefined) set('remote', change.remote === null ? null : JSON.stringify(change.remote), '::jsonb');
  if (change.externalId !== undefined) set('external_id', change.externalId);
  if (change.url !== undefined) set('url', change.url);
  if (change.externalUpdatedAt !== undefined) set('external_updated_at', change.externalUpdatedAt);
  if (change.status !== undefined) set('sync_status', change.status);
  if (sets.length === 0) return getIssueRow(q, schema, id);
  const { rows } = await q.query<IssueRow>(`update ${table(schema, 'issues')} set ${sets.join(', ')} where id = $1 returning *`, params);
  return rows[0]!;
}

/** What a row's status is once its conflicts and outbox are counted: conflict > error > pending > synced. */
export async function refreshStatus(q: Queryable, schema: string, id: number): Promise<SyncStatus> {
  const { rows } = await q.query<{ status: SyncStatus }>(
    `update ${table(schema, 'issues')} i set sync_status = case
         when exists (select 1 from ${table(schema, 'issue_conflicts')} c where c.issue_id = i.id and c.status = 'open') then 'conflict'
         when exists (select 1 from ${table(schema, 'issue_outbox')} o where o.issue_id = i.id and o.status = 'dead') then 'error'
         when exists (select 1 from ${table(schema, 'issue_outbox')} o where o.issue_id = i.id and o.status = 'pending') then 'pending'
         else 'synced' end
     where i.id = $1 returning sync_status as status`,
    [id],
  );
  return rows[0]?.status ?? 'synced';
}

/** The row as the sync log and the API show it: the fields, or that it is deleted. */
export function logState(row: IssueRow): Record<string, unknown> {
  return row.deleted_at ? { deleted: true } : { ...normaliseFields(fieldsOf(row)) };
}
