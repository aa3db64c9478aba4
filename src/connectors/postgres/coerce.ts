/**
 * A record field → the text bound for its column, cast in SQL to the column's actual type. A value
 * that does not fit the column (a string in a bigint column) binds null rather than failing the batch:
 * the value is never lost, because `_raw` holds the whole record.
 */

const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?$/i;
const INTEGER_TEXT = /^-?\d{1,18}$/;
const INT8_MAX = 9_223_372_036_854_775_807n;

/** The text form of `value` for a column of Postgres type `type` (as format_type spells it), or null. */
export function toColumnText(value: unknown, type: string): string | null {
  if (value === undefined || value === null) return null;
  switch (type) {
    case 'bigint':
    case 'integer':
    case 'smallint':
      return integerText(value);
    case 'double precision':
    case 'real':
    case 'numeric':
      return typeof value === 'number' && Number.isFinite(value) ? String(value) : null;
    case 'boolean':
      return typeof value === 'boolean' ? String(value) : null;
    case 'timestamp with time zone':
    case 'timestamp without time zone':
      return typeof value === 'string' && ISO_TIMESTAMP.test(value) && !Number.isNaN(Date.parse(value)) ? value : null;
    case 'jsonb':
    case 'json':
      return JSON.stringify(value);
    default:
      // text and any type a person gave the column by hand: Postgres parses the text form.
      return typeof value === 'string' ? value : JSON.stringify(value);
  }
}

function integerText(value: unknown): string | null {
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) return null;
    const big = BigInt(value);
    return big <= INT8_MAX && big >= -INT8_MAX ? big.toString() : null;
  }
  return typeof value === 'string' && INTEGER_TEXT.test(value) ? value : null;
}
