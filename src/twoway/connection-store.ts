/**
 * Stored connections (`issue_connections`): a provider, a repository and its secrets, the merge policy,
 * the polling period and cursor. Referenced by id or by name (names are never all digits).
 */
import type { Queryable } from '../db/db.ts';
import { NotFound, ValidationError } from '../protocol/errors.ts';
import type { ConnectionConfig, MergePolicyInput, ParsedConnectionInput, ProviderName } from './connection-input.ts';
import { table } from './mirror-store.ts';

export interface Connection {
  id: number;
  name: string;
  provider: ProviderName;
  config: ConnectionConfig;
  policy: MergePolicyInput;
  poll_interval_seconds: number;
  poll_cursor: Date | null;
  last_polled_at: Date | null;
  notify_url: string | null;
  created_at: Date;
}

export async function insertConnection(q: Queryable, schema: string, c: ParsedConnectionInput): Promise<Connection> {
  try {
    const { rows } = await q.query<Connection>(
      `insert into ${table(schema, 'issue_connections')} (name, provider, config, policy, poll_interval_seconds, notify_url)
       values ($1, $2, $3::jsonb, $4::jsonb, $5, $6) returning *`,
      [c.name, c.provider, JSON.stringify(c.config), JSON.stringify(c.policy), c.poll_interval_seconds, c.notify_url],
    );
    return rows[0]!;
  } catch (err) {
    if ((err as { code?: string }).code === '23505') throw new ValidationError(`name: a connection named "${c.name}" exists`, { detail: { field: 'name' } });
    throw err;
  }
}

/** By id, or by name when `ref` is not all digits. */
export async function findConnection(q: Queryable, schema: string, ref: string | number): Promise<Connection> {
  const text = String(ref);
  const byId = /^\d{1,15}$/.test(text);
  const { rows } = await q.query<Connection>(`select * from ${table(schema, 'issue_connections')} where ${byId ? 'id = $1' : 'name = $1'}`, [byId ? Number(text) : text]);
  if (!rows[0]) throw new NotFound(`connection ${JSON.stringify(text)} not found`, { detail: { connection: text } });
  return rows[0];
}

export async function listConnections(q: Queryable, schema: string): Promise<Connection[]> {
  const { rows } = await q.query<Connection>(`select * from ${table(schema, 'issue_connections')} order by id`);
  return rows;
}

export async function deleteConnection(q: Queryable, schema: string, id: number): Promise<void> {
  await q.query(`delete from ${table(schema, 'issue_connections')} where id = $1`, [id]);
}

/** Moves the poll cursor forward only (a slow poll never takes it back). */
export async function advancePollCursor(q: Queryable, schema: string, id: number, cursor: Date | null, now: Date): Promise<void> {
  await q.query(
    `update ${table(schema, 'issue_connections')} set poll_cursor = greatest(poll_cursor, $2), last_polled_at = $3 where id = $1`,
    [id, cursor, now],
  );
}

/** Counts a refused webhook for the endpoint (nothing else of the request is kept). */
export async function countRejection(q: Queryable, schema: string, endpoint: string, reason: string, now: Date): Promise<void> {
  await q.query(
    `insert into ${table(schema, 'webhook_rejections')} (endpoint, count, last_reason, last_at) values ($1, 1, $2, $3)
     on conflict (endpoint) do update set count = webhook_rejections.count + 1, last_reason = excluded.last_reason, last_at = excluded.last_at`,
    [endpoint, reason, now],
  );
}

export async function rejectionCount(q: Queryable, schema: string, endpoint: string): Promise<number> {
  const { rows } = await q.query<{ count: number }>(`select count from ${table(schema, 'webhook_rejections')} where endpoint = $1`, [endpoint]);
  return Number(rows[0]?.count ?? 0);
}
