/**
 * The writer proper, on any QueryClient: `prepare` makes each configured stream's table exist and
 * current, `writeBatch` writes one stream's records (upserts and deletions) and returns counts. It
 * opens no transaction of its own, so the caller decides what commits together — the destination's
 * write loop, or the engine running it on its own connection beside a checkpoint.
 */
import { ValidationError } from '../../protocol/errors.ts';
import type { ConfiguredCatalog, RecordPayload } from '../../protocol/messages.ts';
import { toColumnText } from './coerce.ts';
import { ensureTable } from './ddl.ts';
import type { QueryClient } from './query-client.ts';
import { tableShapeOf } from './schema-map.ts';
import { buildDeleteSql, buildFlagDeletedSql, buildUpsertSql, dedupeByKey, rawParam, runBatchSql, type BatchCounts, type TypedColumn } from './upsert.ts';

export interface PostgresWriterOptions {
  schema: string;
  deletes: 'flag' | 'delete';
  updatedAtField?: string | undefined;
}

export interface PostgresWriter {
  /** Creates or evolves every stream's table; call once before writeBatch. */
  prepare(catalog: ConfiguredCatalog): Promise<void>;
  /** Writes one stream's records in at most two statements; for a key seen twice, the last record wins. */
  writeBatch(stream: string, records: readonly RecordPayload[]): Promise<BatchCounts>;
}

interface PreparedStream {
  columns: TypedColumn[];
  keyColumns: TypedColumn[];
  /** Set when the newer-than field is not a column and is compared inside `_raw`: bound last. */
  rawGuardField: string | undefined;
  upsertSql: string;
  deleteSql: string;
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
          upsertSql: buildUpsertSql(table, columns, shape.primaryKey, field === undefined ? {} : { updatedAtField: field }),
          deleteSql: options.deletes === 'flag' ? buildFlagDeletedSql(table, keyColumns) : buildDeleteSql(table, keyColumns),
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
      if (upserts.length > 0) {
        const params: unknown[] = [...columnArrays(p.columns, upserts), rawParam(upserts.map((r) => JSON.stringify(r.data)))];
        if (p.rawGuardField !== undefined) params.push(p.rawGuardField);
        add(counts, await runBatchSql(client, p.upsertSql, params, upserts.length));
      }
      if (deletions.length > 0) {
        const params: unknown[] = columnArrays(p.keyColumns, deletions);
        if (options.deletes === 'flag') params.push(rawParam(deletions.map((r) => JSON.stringify(r.data))));
        add(counts, await runBatchSql(client, p.deleteSql, params, deletions.length));
      }
      return counts;
    },
  };
}

function columnArrays(columns: readonly TypedColumn[], records: readonly RecordPayload[]): (string | null)[][] {
  return columns.map((c) => records.map((r) => toColumnText(r.data[c.name], c.type)));
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
