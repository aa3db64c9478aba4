/**
 * Identifier quoting for the Postgres destination's SQL. Stream and property names come from a
 * source, so every schema, table and column name is quoted here and never spliced in raw.
 */
import { ValidationError } from '../../protocol/errors.ts';

/** Postgres' identifier limit: a longer name would be silently truncated and could collide. */
export const MAX_IDENT_LENGTH = 63;

/** Whether `name` can be used as an identifier as it is (quoted), without truncation. */
export function isValidIdent(name: string): boolean {
  return name.length > 0 && Buffer.byteLength(name, 'utf8') <= MAX_IDENT_LENGTH && !name.includes('\0');
}

/** Quotes an SQL identifier the way Postgres' quote_ident does; throws a ValidationError for an unusable name. */
export function ident(name: string): string {
  if (!isValidIdent(name)) throw new ValidationError(`invalid identifier ${JSON.stringify(name.slice(0, 80))}: must be 1 to ${MAX_IDENT_LENGTH} bytes without NUL`);
  return `"${name.replaceAll('"', '""')}"`;
}

/** `"schema"."table"`. */
export function qualified(schema: string, table: string): string {
  return `${ident(schema)}.${ident(table)}`;
}
