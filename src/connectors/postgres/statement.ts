/**
 * A batch statement runs once per batch with the same text, so on a `pg` Client or Pool it goes as a
 * named (prepared) statement: Postgres parses, analyses and plans it once per connection, then only binds
 * and executes it. Any other QueryClient (the engine's transaction handle, PGlite, a wrapper) gets the
 * plain text. The name is a hash of the text, so one text is prepared once per connection however many
 * writers use it, and two texts never share a name (pg refuses a name reused for another text).
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import type { QueryClient } from './query-client.ts';

export interface Statement {
  readonly text: string;
  /** `syncbridge_` and a hash of `text`: within Postgres' 63-byte name limit. */
  readonly name: string;
}

/** The statement for `text`; build it once (at prepare), run it per batch. */
export function statement(text: string): Statement {
  return { text, name: `syncbridge_${createHash('sha256').update(text).digest('base64url').slice(0, 32)}` };
}

// pg's query(config) takes the name; both a Client (PoolClient included) and a Pool accept it.
type NamedQuery = (config: { name: string; text: string; values: unknown[] }) => Promise<{ rows: Record<string, unknown>[] }>;

/** Runs `s` on `client`, prepared when the client is pg's. */
export function runStatement(client: QueryClient, s: Statement, params: unknown[]): Promise<{ rows: Record<string, unknown>[] }> {
  if (client instanceof pg.Client || client instanceof pg.Pool) return (client.query as NamedQuery).call(client, { name: s.name, text: s.text, values: params });
  return client.query(s.text, params);
}
