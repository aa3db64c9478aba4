/**
 * A stream's JSON Schema → the shape of its table: one typed column per usable top-level property,
 * the fixed `_raw`, `_synced_at`, `_deleted` columns, and the primary key. Pure; a field that gets no
 * column (unusable name, clash with a fixed column) is still kept, in `_raw`.
 */
import { ValidationError } from '../../protocol/errors.ts';
import type { StreamDescriptor } from '../../protocol/messages.ts';
import { isValidIdent } from './ident.ts';

export type ColumnType = 'text' | 'timestamptz' | 'bigint' | 'double precision' | 'boolean' | 'jsonb';

export interface Column {
  /** The property name, used as the column name as it is (quoted). */
  name: string;
  type: ColumnType;
}

export interface TableShape {
  /** Data columns, in schema order, primary key columns included. */
  columns: Column[];
  primaryKey: string[];
}

/** Columns every table has, as their DDL. `_raw` is the whole record, so nothing is ever lost. */
export const FIXED_COLUMNS = [
  { name: '_raw', ddl: 'jsonb not null' },
  { name: '_synced_at', ddl: 'timestamptz not null' },
  { name: '_deleted', ddl: 'boolean not null default false' },
] as const;

const FIXED_NAMES: ReadonlySet<string> = new Set(FIXED_COLUMNS.map((c) => c.name));

/** The column type for one property's JSON Schema; anything not plainly scalar is jsonb. */
export function columnTypeOf(property: unknown): ColumnType {
  if (typeof property !== 'object' || property === null) return 'jsonb';
  const p = property as { type?: unknown; format?: unknown };
  // ["string", "null"] is a nullable string; a real union of types has no single column type.
  const types = (Array.isArray(p.type) ? p.type : [p.type]).filter((t) => t !== 'null');
  if (types.length !== 1) return 'jsonb';
  switch (types[0]) {
    case 'string':
      return p.format === 'date-time' ? 'timestamptz' : 'text';
    case 'integer':
      return 'bigint';
    case 'number':
      return 'double precision';
    case 'boolean':
      return 'boolean';
    default:
      return 'jsonb';
  }
}

/** Whether a property becomes a column: a usable identifier that is not one of the fixed columns. */
export function isColumnName(name: string): boolean {
  return isValidIdent(name) && !FIXED_NAMES.has(name);
}

/**
 * The table for a stream. A primary key field the schema does not describe becomes a text column
 * (it must be a column to be a key); a key field that cannot be a column is a ValidationError.
 */
export function tableShapeOf(stream: Pick<StreamDescriptor, 'json_schema' | 'primary_key'>): TableShape {
  const properties = stream.json_schema.properties;
  const entries = typeof properties === 'object' && properties !== null ? Object.entries(properties as Record<string, unknown>) : [];
  const columns: Column[] = entries.filter(([name]) => isColumnName(name)).map(([name, schema]) => ({ name, type: columnTypeOf(schema) }));
  for (const key of stream.primary_key) {
    if (!isColumnName(key)) throw new ValidationError(`primary key field ${JSON.stringify(key)} cannot be a column`);
    if (!columns.some((c) => c.name === key)) columns.push({ name: key, type: 'text' });
  }
  return { columns, primaryKey: [...stream.primary_key] };
}
