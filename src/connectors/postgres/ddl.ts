/**
 * Creates a stream's schema and table when missing and evolves it: a property the schema gained gets
 * `add column if not exists`; nothing is ever dropped, renamed or narrowed. Returns the table's
 * actual columns, so values are cast to what the table has, not to what today's schema says.
 */
import { ident, qualified } from './ident.ts';
import type { QueryClient } from './query-client.ts';
import { FIXED_COLUMNS, type TableShape } from './schema-map.ts';

export function createSchemaSql(schema: string): string {
  return `create schema if not exists ${ident(schema)}`;
}

export function createTableSql(schema: string, table: string, shape: TableShape): string {
  const columns = [
    ...shape.columns.map((c) => `${ident(c.name)} ${c.type}${shape.primaryKey.includes(c.name) ? ' not null' : ''}`),
    ...FIXED_COLUMNS.map((c) => `${ident(c.name)} ${c.ddl}`),
    `primary key (${shape.primaryKey.map(ident).join(', ')})`,
  ];
  return `create table if not exists ${qualified(schema, table)} (\n  ${columns.join(',\n  ')}\n)`;
}

/** One `alter table` adding every data column that may be missing; undefined when there are none. */
export function addColumnsSql(schema: string, table: string, shape: TableShape): string | undefined {
  if (shape.columns.length === 0) return undefined;
  const adds = shape.columns.map((c) => `add column if not exists ${ident(c.name)} ${c.type}`);
  return `alter table ${qualified(schema, table)}\n  ${adds.join(',\n  ')}`;
}

// format_type spells types the way a cast accepts them ("timestamp with time zone", "bigint").
const TABLE_COLUMNS_SQL = `
  select a.attname as name, format_type(a.atttypid, a.atttypmod) as type
  from pg_attribute a
  where a.attrelid = to_regclass($1) and a.attnum > 0 and not a.attisdropped
  order by a.attnum`;

/** The table's columns as they are now: name → type as format_type spells it. */
export async function tableColumns(client: QueryClient, schema: string, table: string): Promise<Map<string, string>> {
  const { rows } = await client.query(TABLE_COLUMNS_SQL, [qualified(schema, table)]);
  return new Map(rows.map((r) => [String(r.name), String(r.type)]));
}

/** Makes the table exist with at least `shape`'s columns; returns its actual columns. */
// Two writers creating the same schema or table at once: `IF NOT EXISTS` checks before it inserts into
// the catalog, so the loser fails on the catalog's unique index (23505) or as a duplicate (42P06, 42P07).
const CREATE_RACE = new Set(['23505', '42P06', '42P07', '42701']);

/** Creates or evolves the table; a lost creation race with another writer is simply tried again. */
export async function ensureTable(client: QueryClient, schema: string, table: string, shape: TableShape): Promise<Map<string, string>> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await ensureTableOnce(client, schema, table, shape);
    } catch (err) {
      if (attempt >= 3 || !CREATE_RACE.has(String((err as { code?: unknown }).code))) throw err;
    }
  }
}

async function ensureTableOnce(client: QueryClient, schema: string, table: string, shape: TableShape): Promise<Map<string, string>> {
  await client.query(createSchemaSql(schema));
  await client.query(createTableSql(schema, table, shape));
  const existing = await tableColumns(client, schema, table);
  if (shape.columns.some((c) => !existing.has(c.name))) {
    const alter = addColumnsSql(schema, table, shape);
    if (alter) await client.query(alter);
    return tableColumns(client, schema, table);
  }
  return existing;
}
