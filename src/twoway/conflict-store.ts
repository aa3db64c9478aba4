/**
 * Recorded conflicts (`issue_conflicts`): a scalar field both sides changed to different values, held —
 * each side keeps its own value — until a person resolves it. A merge that finds the same conflict again
 * leaves the open one as it is; one whose values moved replaces it (`superseded`), and a field the sides
 * came to agree on by themselves closes its conflict the same way.
 */
import type { Queryable } from '../db/db.ts';
import { NotFound } from '../protocol/errors.ts';
import type { ScalarField } from './issue-fields.ts';
import type { FieldConflict } from './merge.ts';
import { table } from './mirror-store.ts';
import { newestFirst } from './newest-first.ts';

export type ConflictStatus = 'open' | 'resolved' | 'superseded';

export interface ConflictRow {
  id: number;
  issue_id: number;
  field: ScalarField;
  base_value: string | null;
  local_value: string;
  remote_value: string;
  status: ConflictStatus;
  resolution: 'local' | 'remote' | 'value' | null;
  resolved_value: string | null;
  created_at: Date;
  resolved_at: Date | null;
}

export function asFieldConflict(row: ConflictRow): FieldConflict {
  return { field: row.field, base: row.base_value, local: row.local_value, remote: row.remote_value } as FieldConflict;
}

/**
 * Makes the open conflicts of the issue exactly `conflicts`: new ones are inserted (and returned, so the
 * caller can announce them), unchanged ones kept, the rest superseded.
 */
export async function syncConflicts(tx: Queryable, schema: string, issueId: number, conflicts: readonly FieldConflict[], now: Date): Promise<ConflictRow[]> {
  const t = table(schema, 'issue_conflicts');
  const { rows: open } = await tx.query<ConflictRow>(`select * from ${t} where issue_id = $1 and status = 'open'`, [issueId]);
  const created: ConflictRow[] = [];
  for (const c of conflicts) {
    const same = open.find((o) => o.field === c.field && o.base_value === c.base && o.local_value === c.local && o.remote_value === c.remote);
    if (same) continue;
    await tx.query(`update ${t} set status = 'superseded', resolved_at = $3 where issue_id = $1 and field = $2 and status = 'open'`, [issueId, c.field, now]);
    const { rows } = await tx.query<ConflictRow>(
      `insert into ${t} (issue_id, field, base_value, local_value, remote_value, created_at) values ($1, $2, $3::jsonb, $4::jsonb, $5::jsonb, $6) returning *`,
      [issueId, c.field, JSON.stringify(c.base), JSON.stringify(c.local), JSON.stringify(c.remote), now],
    );
    created.push(rows[0]!);
  }
  const still = new Set(conflicts.map((c) => c.field));
  for (const o of open) {
    if (!still.has(o.field)) await tx.query(`update ${t} set status = 'superseded', resolved_at = $2 where id = $1 and status = 'open'`, [o.id, now]);
  }
  return created;
}

export async function getConflict(q: Queryable, schema: string, id: number, lock = false): Promise<ConflictRow> {
  const { rows } = await q.query<ConflictRow>(`select * from ${table(schema, 'issue_conflicts')} where id = $1${lock ? ' for update' : ''}`, [id]);
  if (!rows[0]) throw new NotFound(`conflict ${id} not found`, { detail: { conflict_id: id } });
  return rows[0];
}

export function listConflicts(q: Queryable, schema: string, filter: { status?: ConflictStatus; issueId?: number; limit?: number } = {}): Promise<ConflictRow[]> {
  return newestFirst<ConflictRow>(q, schema, 'issue_conflicts', { status: filter.status, issue_id: filter.issueId }, { limit: filter.limit });
}

export async function markResolved(tx: Queryable, schema: string, id: number, resolution: 'local' | 'remote' | 'value', value: string, now: Date): Promise<ConflictRow> {
  const { rows } = await tx.query<ConflictRow>(
    `update ${table(schema, 'issue_conflicts')} set status = 'resolved', resolution = $2, resolved_value = $3::jsonb, resolved_at = $4 where id = $1 returning *`,
    [id, resolution, JSON.stringify(value), now],
  );
  return rows[0]!;
}
