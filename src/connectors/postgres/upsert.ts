/**
 * The batch SQL: a pure builder per operation (upsert, flag as deleted, delete) and one runner. A batch
 * is one statement over `unnest` of one text[] per column, cast in SQL to each column's actual type.
 * An upsert never lets an older version replace a newer one, skips no-op updates, and counts inserts
 * with `xmax = 0`. Rows of a batch must have distinct keys (see dedupeByKey).
 */
import { ident, qualified } from './ident.ts';
import type { QueryClient } from './query-client.ts';

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
   * otherwise the `_raw` values (jsonb ordering), bound as the last parameter. A side without a value
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
 * Parameter layout of every builder: `$1…$n` one text[] per column in order, then `_raw` as ONE jsonb
 * array of the records (see rawParam). Zipped row by row with `rows from`.
 *
 * Why `_raw` is a jsonb document and not a text[] like the rest: a text[] literal of JSON escapes every
 * quote of every record on the client and parses it back on the server, which measured as most of a
 * batch's time (bench/sync); a JSON array is sent as it is and split by jsonb_array_elements.
 */
function unnestFrom(columns: readonly TypedColumn[], withRaw: boolean): string {
  const names = Array.from({ length: columns.length + (withRaw ? 1 : 0) }, (_, i) => `c${i}`);
  const fns = columns.map((_, i) => `unnest($${i + 1}::text[])`);
  if (withRaw) fns.push(`jsonb_array_elements($${columns.length + 1}::jsonb)`);
  return `rows from (${fns.join(', ')}) as v(${names.join(', ')})`;
}

/** The `_raw` parameter: the records' JSON texts joined into one JSON array, without re-serialising. */
export function rawParam(jsonTexts: readonly string[]): string {
  return `[${jsonTexts.join(',')}]`;
}

const cast = (i: number, type: string) => `v.c${i}::${type}`;

/**
 * The upsert of a batch. Updates only when the newer-than guard allows and something differs, so
 * a re-sent batch writes nothing; returns one row `{ inserted, updated }`.
 *
 * @example buildUpsertSql({ schema: 'stripe', name: 'customers' }, [{ name: 'id', type: 'text' }], ['id'], { updatedAtField: 'updated' })
 */
export function buildUpsertSql(table: TableRef, columns: readonly TypedColumn[], pk: readonly string[], options: UpsertOptions = {}): string {
  const raw = columns.length;
  const targets = [...columns.map((c) => ident(c.name)), '"_raw"', '"_synced_at"', '"_deleted"'];
  const values = [...columns.map((c, i) => cast(i, c.type)), cast(raw, 'jsonb'), 'now()', 'false'];
  const updatable = [...columns.filter((c) => !pk.includes(c.name)).map((c) => ident(c.name)), '"_raw"', '"_deleted"'];
  const guard = newerThanGuard(columns, options.updatedAtField, raw + 2);
  return `with written as (
  insert into ${qualified(table.schema, table.name)} as t (${targets.join(', ')})
  select ${values.join(', ')}
  from ${unnestFrom(columns, true)}
  on conflict (${pk.map(ident).join(', ')}) do update set
    ${[...updatable, '"_synced_at"'].map((c) => `${c} = excluded.${c}`).join(',\n    ')}
  where ${guard ? `${guard}\n    and ` : ''}(${updatable.map((c) => `t.${c}`).join(', ')}) is distinct from (${updatable.map((c) => `excluded.${c}`).join(', ')})
  returning (xmax = 0) as inserted
)
select count(*) filter (where inserted)::int as inserted, count(*) filter (where not inserted)::int as updated from written`;
}

function newerThanGuard(columns: readonly TypedColumn[], field: string | undefined, fieldParam: number): string | undefined {
  if (field === undefined) return undefined;
  if (columns.some((c) => c.name === field)) return `coalesce(excluded.${ident(field)} >= t.${ident(field)}, true)`;
  return `coalesce((excluded."_raw" -> $${fieldParam}::text) >= (t."_raw" -> $${fieldParam}::text), true)`;
}

/**
 * Deletions in flag mode: the row stays, with `_deleted = true`; a key never seen gets a tombstone row
 * holding what the deletion carried. Columns are the key columns only. Returns `{ deleted }`: rows
 * flagged or tombstoned now (a row already flagged is skipped).
 */
export function buildFlagDeletedSql(table: TableRef, keyColumns: readonly TypedColumn[]): string {
  const raw = keyColumns.length;
  const targets = [...keyColumns.map((c) => ident(c.name)), '"_raw"', '"_synced_at"', '"_deleted"'];
  const values = [...keyColumns.map((c, i) => cast(i, c.type)), cast(raw, 'jsonb'), 'now()', 'true'];
  return `with written as (
  insert into ${qualified(table.schema, table.name)} as t (${targets.join(', ')})
  select ${values.join(', ')}
  from ${unnestFrom(keyColumns, true)}
  on conflict (${keyColumns.map((c) => ident(c.name)).join(', ')}) do update set "_deleted" = true, "_synced_at" = excluded."_synced_at"
  where not t."_deleted"
  returning 1
)
select count(*)::int as deleted from written`;
}

/** Deletions in delete mode: the rows go. Columns are the key columns only; returns `{ deleted }`. */
export function buildDeleteSql(table: TableRef, keyColumns: readonly TypedColumn[]): string {
  const match = keyColumns.map((c, i) => `t.${ident(c.name)} = ${cast(i, c.type)}`).join(' and ');
  return `with gone as (
  delete from ${qualified(table.schema, table.name)} as t
  using ${unnestFrom(keyColumns, false)}
  where ${match}
  returning 1
)
select count(*)::int as deleted from gone`;
}

/** Runs one builder's SQL and reads its counts; `sent` is the number of rows in the batch. */
export async function runBatchSql(client: QueryClient, sql: string, params: unknown[], sent: number): Promise<BatchCounts> {
  const { rows } = await client.query(sql, params);
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
