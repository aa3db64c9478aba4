/**
 * The batch SQL: a pure builder per operation (upsert, flag as deleted, delete), the one parameter every
 * batch binds (batchParam), and one runner. An upsert never lets an older version replace a newer one,
 * skips no-op updates, and counts inserts with `xmax = 0`. Rows of a batch must have distinct keys (see
 * dedupeByKey).
 */
import { toColumnText } from './coerce.ts';
import { ident, qualified } from './ident.ts';
import type { QueryClient } from './query-client.ts';
import { runStatement, type Statement } from './statement.ts';

export interface TableRef {
  schema: string;
  name: string;
}

export interface TypedColumn {
  name: string;
  /** The column's actual type as format_type spells it, e.g. "bigint", "timestamp with time zone". */
  type: string;
}

export interface UpsertOptions {
  /**
   * Field ordering versions of a record. When it is one of `columns`, the typed columns are compared;
   * otherwise the `_raw` values (jsonb ordering), the field name bound as `$2`. A side without a value
   * does not block the update. Example: `updatedAtField: 'updated'`.
   */
  updatedAtField?: string;
}

export interface BatchCounts {
  inserted: number;
  updated: number;
  /** Rows sent but left as they were: no change, or older than the stored version, or already flagged. */
  skipped: number;
  deleted: number;
}

/**
 * The batch as `$1`, ONE jsonb document: an array with an element per record, `[t0, …, tn-1, record]` —
 * each typed column's text as coerce.ts gives it (null when the value does not fit the column), then,
 * when `withRecord`, the whole record for `_raw`. In SQL, `jsonb_array_elements` yields a row per
 * record, `(v.r ->> i)::type` a column and `v.r -> n` the record; `->>` of a JSON string is exactly the
 * text coerce.ts made, so the columns get what a text parameter cast to their type would give.
 *
 * Why one document rather than a text[] per column: Postgres parses one jsonb (it must parse the
 * records for `_raw` anyway), where a text[] per column costs an array literal per column, built and
 * escaped by `pg` on the client and parsed back by the server (bench/sync: ~10% of a batch).
 */
export function batchParam(columns: readonly TypedColumn[], records: readonly Record<string, unknown>[], withRecord: boolean): string {
  const width = columns.length + (withRecord ? 1 : 0);
  // One JSON.stringify of the whole batch: no per-record strings to join.
  return JSON.stringify(
    records.map((data) => {
      const row = new Array<unknown>(width);
      for (let i = 0; i < columns.length; i++) row[i] = toColumnText(data[columns[i]!.name], columns[i]!.type);
      if (withRecord) row[columns.length] = data;
      return row;
    }),
  );
}

const FROM_BATCH = 'jsonb_array_elements($1::jsonb) as v(r)';
const cell = (i: number, type: string) => `(v.r ->> ${i})::${type}`;

/**
 * The upsert of a batch. Updates only when the newer-than guard allows and something differs, so
 * a re-sent batch writes nothing; returns one row `{ inserted, updated }`.
 *
 * @example buildUpsertSql({ schema: 'stripe', name: 'customers' }, [{ name: 'id', type: 'text' }], ['id'], { updatedAtField: 'updated' })
 */
export function buildUpsertSql(table: TableRef, columns: readonly TypedColumn[], pk: readonly string[], options: UpsertOptions = {}): string {
  const targets = [...columns.map((c) => ident(c.name)), '"_raw"', '"_synced_at"', '"_deleted"'];
  const values = [...columns.map((c, i) => cell(i, c.type)), `v.r -> ${columns.length}`, 'now()', 'false'];
  const updatable = [...columns.filter((c) => !pk.includes(c.name)).map((c) => ident(c.name)), '"_raw"', '"_deleted"'];
  const guard = newerThanGuard(columns, options.updatedAtField);
  return `with written as (
  insert into ${qualified(table.schema, table.name)} as t (${targets.join(', ')})
  select ${values.join(', ')}
  from ${FROM_BATCH}
  on conflict (${pk.map(ident).join(', ')}) do update set
    ${[...updatable, '"_synced_at"'].map((c) => `${c} = excluded.${c}`).join(',\n    ')}
  where ${guard ? `${guard}\n    and ` : ''}(${updatable.map((c) => `t.${c}`).join(', ')}) is distinct from (${updatable.map((c) => `excluded.${c}`).join(', ')})
  returning (xmax = 0) as inserted
)
select count(*) filter (where inserted)::int as inserted, count(*) filter (where not inserted)::int as updated from written`;
}

function newerThanGuard(columns: readonly TypedColumn[], field: string | undefined): string | undefined {
  if (field === undefined) return undefined;
  if (columns.some((c) => c.name === field)) return `coalesce(excluded.${ident(field)} >= t.${ident(field)}, true)`;
  return `coalesce((excluded."_raw" -> $2::text) >= (t."_raw" -> $2::text), true)`;
}

/**
 * Deletions in flag mode: the row stays, with `_deleted = true`; a key never seen gets a tombstone row
 * holding what the deletion carried. Columns are the key columns only, the batch bound with its
 * records. Returns `{ deleted }`: rows flagged or tombstoned now (a row already flagged is skipped).
 */
export function buildFlagDeletedSql(table: TableRef, keyColumns: readonly TypedColumn[]): string {
  const targets = [...keyColumns.map((c) => ident(c.name)), '"_raw"', '"_synced_at"', '"_deleted"'];
  const values = [...keyColumns.map((c, i) => cell(i, c.type)), `v.r -> ${keyColumns.length}`, 'now()', 'true'];
  return `with written as (
  insert into ${qualified(table.schema, table.name)} as t (${targets.join(', ')})
  select ${values.join(', ')}
  from ${FROM_BATCH}
  on conflict (${keyColumns.map((c) => ident(c.name)).join(', ')}) do update set "_deleted" = true, "_synced_at" = excluded."_synced_at"
  where not t."_deleted"
  returning 1
)
select count(*)::int as deleted from written`;
}

/** Deletions in delete mode: the rows go. Columns are the key columns only, the batch bound without records; returns `{ deleted }`. */
export function buildDeleteSql(table: TableRef, keyColumns: readonly TypedColumn[]): string {
  const match = keyColumns.map((c, i) => `t.${ident(c.name)} = ${cell(i, c.type)}`).join(' and ');
  return `with gone as (
  delete from ${qualified(table.schema, table.name)} as t
  using ${FROM_BATCH}
  where ${match}
  returning 1
)
select count(*)::int as deleted from gone`;
}

/** Runs one batch statement and reads its counts; `sent` is the number of rows in the batch. */
export async function runBatchSql(client: QueryClient, sql: Statement, params: unknown[], sent: number): Promise<BatchCounts> {
  const { rows } = await runStatement(client, sql, params);
  const row = rows[0] ?? {};
  const inserted = Number(row.inserted ?? 0);
  const updated = Number(row.updated ?? 0);
  const deleted = Number(row.deleted ?? 0);
  return { inserted, updated, deleted, skipped: sent - inserted - updated - deleted };
}

/** The last record of each key, in the order of those last occurrences: a batch may not touch a row twice. */
export function dedupeByKey<T>(items: readonly T[], keyOf: (item: T) => string): T[] {
  const last = new Map<string, T>();
  for (const item of items) {
    const key = keyOf(item);
    last.delete(key);
    last.set(key, item);
  }
  return [...last.values()];
}
