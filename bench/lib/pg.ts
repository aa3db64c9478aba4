/** One-off administrative statements against the benchmark's Postgres (schema drops, version). */
import pg from 'pg';
import { quoteIdent } from '../../src/db/ident.ts';

export async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: 'bench' });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function dropSchema(url: string, schema: string): Promise<void> {
  await withClient(url, (c) => c.query(`drop schema if exists ${quoteIdent(schema)} cascade`));
}

export async function serverVersion(url: string): Promise<string> {
  const { rows } = await withClient(url, (c) => c.query<{ server_version: string }>('show server_version'));
  return rows[0]?.server_version ?? 'unknown';
}
