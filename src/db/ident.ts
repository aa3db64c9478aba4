/** Quotes an SQL identifier (schema, table, channel) the way Postgres' quote_ident does. */
export function quoteIdent(name: string): string {
  if (name.length === 0 || name.length > 63) {
    throw new Error(`invalid identifier ${JSON.stringify(name)}: must be 1 to 63 characters`);
  }
  if (name.includes('\0')) throw new Error('invalid identifier: contains a NUL byte');
  return `"${name.replaceAll('"', '""')}"`;
}
