/**
 * The writer proper, on any QueryClient: `prepare` makes each configured stream's table exist and
 * current, `writeBatch` writes one stream's records (upserts and deletions) and returns counts. It
 * opens no transaction of its own, so the caller decides what commits together — the destination's
 * write loop, or the engine running it on its own connection beside a checkpoint. On pg's own Client
 * the records are first offered to COPY (copy.ts: new rows only, undone to a savepoint otherwise) and
 * the statements are prepared (statement.ts); any other client gets the same statements as plain SQL.
 */
import { ValidationError } from '../../protocol/errors.ts';
import type { ConfiguredCatalog, RecordPayload } from '../../protocol/messages.ts';
import { toColumnText } from './coerce.ts';
import { buildCopySql, copyCapable, copyNewRows, createCopyGate, type CopyGate, type CopySql } from './copy.ts';
import { ensureTable } from './ddl.ts';
import type { QueryClient } from './query-client.ts';
import { tableShapeOf } from './schema-map.ts';
import { statement, type Statement } from './statement.ts';
import { batchParam, buildDeleteSql, buildFlagDeletedSql, buildUpsertSql, dedupeByKey, runBatchSql, type BatchCounts, type TypedColumn } from './upsert.ts';

export interface PostgresWriterOptions {
  schema: string;
  deletes: 'flag' | 'delete';
  updatedAtField?: string | undefined;
}

export interface PostgresWriter {
  /** Creates or evolves every stream's table; call once before writeBatch. */
  prepare(catalog: ConfiguredCatalog): Promise<void>;
  /**
   * Writes one stream's records: the upserts by COPY or one statement (COPY first, the statement when a
   * key is already stored), the deletions by one statement; for a key seen twice, the last record wins.
   */
  writeBatch(stream: string, records: readonly RecordPayload[]): Promise<BatchCounts>;
}

interface PreparedStream {
  columns: TypedColumn[];
  keyColumns: TypedColumn[];
  /** Set when the newer-than field is not a column and is compared inside `_raw`: bound last. */
  rawGuardField: string | undefined;
  upsert: Statement;
  delete: Statement;
  copy: CopySql;
  copyGate: CopyGate;
}

/**
 * A writer on `client` (a pg client or pool, or the engine's transaction: anything with `query`).
 *
 * @example
 * const writer = createPostgresWriter(tx, { schema: 'stripe', deletes: 'flag' });
 * await writer.prepare(catalog);
 * await writer.writeBatch('customers', records);
 */
export function createPostgresWriter(client: QueryClient, options: PostgresWriterOptions): PostgresWriter {
  const prepared = new Map<string, PreparedStream>();

  /** New rows go by COPY when the client and the stream's gate allow, else (or when COPY cannot) by the upsert. */
  async function upsert(p: PreparedStream, rows: readonly Record<string, unknown>[]): Promise<BatchCounts> {
    const copyClient = p.copyGate.open() ? copyCapable(client) : undefined;
    if (copyClient) {
      const outcome = await copyNewRows(copyClient, p.copy, p.columns, rows);
      p.copyGate.record(outcome);
      if ('inserted' in outcome) return { inserted: outcome.inserted, updated: 0, skipped: rows.length - outcome.inserted, deleted: 0 };
    }
    const params: unknown[] = [batchParam(p.columns, rows, true)];
    if (p.rawGuardField !== undefined) params.push(p.rawGuardField);
    return runBatchSql(client, p.upsert, params, rows.length);
  }

  return {
    async prepare(catalog) {
      for (const { stream } of catalog.streams) {
        const shape = tableShapeOf(stream);
        const actual = await ensureTable(client, options.schema, stream.name, shape);
        // The table's own types win: a column once created as bigint stays bigint whatever the schema says now.
        const columns = shape.columns.filter((c) => actual.has(c.name)).map((c) => ({ name: c.name, type: actual.get(c.name)! }));
        const keyColumns = shape.primaryKey.map((k) => columns.find((c) => c.name === k)!);
        const table = { schema: options.schema, name: stream.name };
        const field = options.updatedAtField;
        prepared.set(stream.name, {
          columns,
          keyColumns,
          rawGuardField: field !== undefined && !columns.some((c) => c.name === field) ? field : undefined,
          upsert: statement(buildUpsertSql(table, columns, shape.primaryKey, field === undefined ? {} : { updatedAtField: field })),
          delete: statement(options.deletes === 'flag' ? buildFlagDeletedSql(table, keyColumns) : buildDeleteSql(table, keyColumns)),
          copy: buildCopySql(table, columns),
          copyGate: createCopyGate(),
        });
      }
    },

    async writeBatch(stream, records) {
      const p = prepared.get(stream);
      if (!p) throw new ValidationError(`postgres destination: stream "${stream}" is not in the catalog`);
      const rows = dedupeByKey(records, (r) => keyOf(stream, p.keyColumns, r));
      const upserts = rows.filter((r) => !r.deleted);
      const deletions = rows.filter((r) => r.deleted);
      const counts: BatchCounts = { inserted: 0, updated: 0, skipped: 0, deleted: 0 };
      if (upserts.length > 0) add(counts, await upsert(p, upserts.map((r) => r.data)));
      if (deletions.length > 0) {
        const params = [batchParam(p.keyColumns, deletions.map((r) => r.data), options.deletes === 'flag')];
        add(counts, await runBatchSql(client, p.delete, params, deletions.length));
      }
      return counts;
    },
  };
}

// A record without a usable key cannot be written anywhere; that is the source's bug, not a retry.
function keyOf(stream: string, keyColumns: readonly TypedColumn[], record: RecordPayload): string {
  return JSON.stringify(
    keyColumns.map((c) => {
      const text = toColumnText(record.data[c.name], c.type);
      if (text === null) throw new ValidationError(`postgres destination: a record of stream "${stream}" has no usable value for key field "${c.name}" (${c.type})`);
      return text;
    }),
  );
}

function add(into: BatchCounts, more: BatchCounts): void {
  into.inserted += more.inserted;
  into.updated += more.updated;
  into.skipped += more.skipped;
  into.deleted += more.deleted;
}
