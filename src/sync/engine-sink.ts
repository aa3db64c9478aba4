/**
 * Writing a stream into the engine's own database with the Postgres destination's writer, on the
 * engine's transaction: a page's rows, its checkpoint and the run's progress commit together, so after
 * a crash the saved state and the data agree exactly (invariant 3 without even a window of replay).
 * Used when a pipeline's destination is `postgres` without a `connection_string`.
 */
import type { Db, Queryable } from '../db/db.ts';
import { classifyPgError } from '../connectors/postgres/errors.ts';
import { createPostgresWriter, PostgresDestinationConfig, type QueryClient } from '../connectors/postgres/index.ts';
import { ValidationError } from '../protocol/errors.ts';
import type { Source } from '../protocol/connector.ts';
import type { Logger } from '../log.ts';
import { createCanonicalSink } from './canonical/sink.ts';
import { isManifestSource } from './manifest/source.ts';
import type { PipelineMode } from './pipeline-store.ts';
import { describeIssues, type ConfiguredCatalog, type RecordPayload } from '../protocol/messages.ts';

export interface EngineSink {
  /** Records buffered before they are written even without a checkpoint (they are idempotent upserts). */
  batchSize: number;
  /** Creates or evolves the stream's table; outside any transaction (DDL takes its own locks). */
  prepare(catalog: ConfiguredCatalog): Promise<void>;
  /**
   * Before the transaction that writes `records`: make what they refer to available (the canonical sink
   * fetches and stores missing parents), outside any transaction so no HTTP call holds one open.
   */
  beforeWrite?(stream: string, records: readonly RecordPayload[], signal: AbortSignal): Promise<void>;
  /** Writes the records on `tx`, the transaction that also records the checkpoint. */
  write(tx: Queryable, stream: string, records: readonly RecordPayload[]): Promise<void>;
  /** Once the stream's read completed (never after a failed one), in a transaction of its own. */
  finish?(tx: Queryable, stream: string): Promise<void>;
}

/** What a sink may need to know of the sync it serves. */
export interface SinkContext {
  schema: string;
  source: Source;
  /** The run being written, or null outside a run (webhooks). */
  runId: number | null;
  mode: PipelineMode;
  /** The pipeline's source config, as stored (a sink may read from the source with it). */
  sourceConfig?: unknown;
  logger?: Logger;
}

/**
 * The destination connector that writes manifest entities into the canonical tables of the engine's
 * database; it has no config and no existence outside the engine.
 */
export const CANONICAL_DESTINATION = 'canonical';

/** The sink for a destination ref, or undefined when the destination is not the engine's database. */
export function engineSinkFor(db: Db, destination: { connector: string; config: unknown }, context: SinkContext): EngineSink | undefined {
  if (destination.connector === CANONICAL_DESTINATION) {
    if (!isManifestSource(context.source)) throw new ValidationError(`the ${CANONICAL_DESTINATION} destination takes a manifest source (one with entities), not this one`);
    const source = context.source;
    return createCanonicalSink({
      db,
      schema: context.schema,
      manifest: context.source.adapter.manifest,
      runId: context.runId ?? 0,
      reconcile: context.mode === 'reconcile' && context.runId !== null,
      // Outside a run (a webhook) a record whose parent is not stored yet is retried, not dropped.
      missingReferences: context.runId === null ? 'retry' : 'skip',
      ...(context.sourceConfig === undefined ? {} : { fetchParent: (entity: string, id: string, signal: AbortSignal) => source.fetchRecord(context.sourceConfig, entity, id, signal) }),
      ...(context.logger ? { logger: context.logger } : {}),
    });
  }
  if (destination.connector !== 'postgres') return undefined;
  const parsed = PostgresDestinationConfig.safeParse(destination.config);
  if (!parsed.success) throw new ValidationError(`invalid destination config: ${describeIssues(parsed.error.issues)}`);
  if (parsed.data.connection_string !== undefined) return undefined;
  const config = parsed.data;
  // The writer keeps the client it was made with; this one forwards to whichever transaction is current.
  let current: Queryable = db;
  const client: QueryClient = { query: (sql, params) => current.query(sql, params) };
  const writer = createPostgresWriter(client, { schema: config.schema, deletes: config.deletes, updatedAtField: config.updated_at_field });
  const classify = (err: unknown, where: string) => classifyPgError(err, '', where);
  return {
    batchSize: config.batch_size,
    async prepare(catalog) {
      await writer.prepare(catalog).catch((err: unknown) => {
        throw classify(err, 'creating tables');
      });
    },
    async write(tx, stream, records) {
      current = tx;
      try {
        await writer.writeBatch(stream, records);
      } catch (err) {
        throw classify(err, `writing ${stream}`);
      } finally {
        current = db;
      }
    },
  };
}
