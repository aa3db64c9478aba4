/**
 * The one thing the destination needs of a database connection: run a parameterised query. Structural,
 * so a `pg` client, a pool, or the engine's own transaction handle all fit without importing them.
 */

export interface QueryClient {
  query(sql: string, params?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}
