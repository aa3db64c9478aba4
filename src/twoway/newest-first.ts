/**
 * The one listing query of two-way sync's tables: rows newest first, filtered by column equality (an
 * undefined value is no filter), plus fixed conditions, at most `limit` (default 100, 1 to 1000).
 */
import type { Queryable } from '../db/db.ts';
import { table } from './mirror-store.ts';

export async function newestFirst<Row>(
  q: Queryable,
  schema: string,
  tableName: string,
  equal: Record<string, unknown>,
  options: { limit?: number | undefined; also?: string[] } = {},
): Promise<Row[]> {
  const params: unknown[] = [];
  const where = [...(options.also ?? [])];
  for (const [column, value] of Object.entries(equal)) {
    if (value === undefined) continue;
    params.push(value);
    where.push(`${column} = $${params.length}`);
  }
  params.push(Math.min(Math.max(options.limit ?? 100, 1), 1000));
  const { rows } = await q.query<Row>(
    `select * from ${table(schema, tableName)} ${where.length ? `where ${where.join(' and ')}` : ''} order by id desc limit $${params.length}`,
    params,
  );
  return rows;
}
