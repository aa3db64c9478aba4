/**
 * The Postgres destination: one table per stream in the configured schema, typed columns from the
 * stream's JSON Schema plus `_raw`, upserted on the primary key. States are passed on only after the
 * records before them are committed. `createPostgresWriter` runs the same writing on a caller's connection.
 */
import pg from 'pg';
import { defineDestination } from '../../protocol/connector.ts';
import { createSchemaSql } from './ddl.ts';
import { classifyPgError } from './errors.ts';
import { PostgresDestinationConfig, requireConnectionString } from './spec.ts';
import { writeToPostgres } from './write.ts';

export { PostgresDestinationConfig, requireConnectionString } from './spec.ts';
export { createPostgresWriter, type PostgresWriter, type PostgresWriterOptions } from './writer.ts';
export type { QueryClient } from './query-client.ts';
export type { BatchCounts } from './upsert.ts';

export const postgresDestination = defineDestination({
  configSchema: PostgresDestinationConfig,

  /** Connects, runs `select 1`, and proves the schema can be created (in a transaction rolled back). */
  async *check({ config }) {
    const connectionString = requireConnectionString(config);
    const client = new pg.Client({ connectionString, connectionTimeoutMillis: 10_000 });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.query('select 1');
      await client.query('begin');
      await client.query(createSchemaSql(config.schema));
      await client.query('rollback');
    } catch (err) {
      // Non-retryable (bad password, unknown database, no privilege) becomes `failed`; the rest is thrown.
      throw classifyPgError(err, connectionString, 'checking the connection');
    } finally {
      await client.end().catch(() => {});
    }
    yield { type: 'connection_status', connection_status: { status: 'succeeded' } };
  },

  write({ config, catalog }, messages) {
    return writeToPostgres(config, catalog, messages);
  },
});
