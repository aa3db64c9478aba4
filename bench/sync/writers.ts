/**
 * The writer-only rows of the sync benchmark, each writing the same in-memory records into a fresh
 * table of the same shape (the destination's: typed columns, `_raw` jsonb, `_synced_at`, `_deleted`,
 * primary key on id) over one connection:
 *
 * - ours: createPostgresWriter, one transaction per batch (begin, writeBatch, commit), as the
 *   destination's flush does;
 * - the Stripe Sync Engine approach: one multi-row `INSERT … VALUES (…),(…) ON CONFLICT (id) DO UPDATE
 *   SET c = EXCLUDED.c … WHERE t.c IS DISTINCT FROM EXCLUDED.c OR …` per page of 100, one bound
 *   parameter per cell, autocommit — how its util-postgres `upsert()` builds the statement;
 * - COPY: one `COPY … FROM STDIN` of the rows as text, over the pg client (copy.ts).
 */
import type pg from 'pg';
import { toColumnText } from '../../src/connectors/postgres/coerce.ts';
import { createTableSql, tableColumns } from '../../src/connectors/postgres/ddl.ts';
import { ident, qualified } from '../../src/connectors/postgres/ident.ts';
import { createPostgresWriter } from '../../src/connectors/postgres/index.ts';
import type { QueryClient } from '../../src/connectors/postgres/query-client.ts';
import { tableShapeOf } from '../../src/connectors/postgres/schema-map.ts';
import type { RecordPayload, StreamDescriptor } from '../../src/protocol/messages.ts';
import { copyFromStdin, copyTextRow } from './copy.ts';

export interface WriteResult {
  rows: number;
  ms: number;
  /** Milliseconds of each batch (statement, or transaction for ours). */
  batches: number[];
}

/** Creates `schema` and the stream's table in it, as the destination would; returns its columns in order. */
export async function createTable(client: pg.Client, schema: string, stream: StreamDescriptor): Promise<{ name: string; type: string }[]> {
  await client.query(`drop schema if exists ${ident(schema)} cascade`);
  await client.query(`create schema ${ident(schema)}`);
  await client.query(createTableSql(schema, stream.name, tableShapeOf(stream)));
  return [...(await tableColumns(client, schema, stream.name))].map(([name, type]) => ({ name, type }));
}

async function timedBatches(total: number, size: number, write: (from: number, to: number) => Promise<void>): Promise<WriteResult> {
  const batches: number[] = [];
  const started = performance.now();
  for (let from = 0; from < total; from += size) {
    const t = performance.now();
    await write(from, Math.min(total, from + size));
    batches.push(performance.now() - t);
  }
  return { rows: total, ms: performance.now() - started, batches };
}

/** Ours: the destination's writer, each batch in its own transaction. The table comes from prepare(). */
export async function writeOurs(client: QueryClient, schema: string, stream: StreamDescriptor, records: readonly RecordPayload[], batchSize: number): Promise<WriteResult> {
  const writer = createPostgresWriter(client, { schema, deletes: 'flag' });
  await writer.prepare({ streams: [{ stream, sync_mode: 'full_refresh' }] });
  return timedBatches(records.length, batchSize, async (from, to) => {
    await client.query('begin');
    try {
      await writer.writeBatch(stream.name, records.slice(from, to));
      await client.query('commit');
    } catch (err) {
      await client.query('rollback');
      throw err;
    }
  });
}

/**
 * The Stripe Sync Engine's statement for one page: every cell a parameter (objects as `$n::jsonb`, the rest
 * untyped, typed by the insert's target column), the no-op guard as an OR of IS DISTINCT FROM over the
 * updated columns, the sync timestamp volatile (updated, not compared).
 */
export function stripeStyleUpsert(schema: string, table: string, columns: readonly string[], rows: readonly (readonly unknown[])[]): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const values = rows.map((row) => {
    const cells = row.map((v) => {
      const object = v !== null && typeof v === 'object';
      params.push(object ? JSON.stringify(v) : v);
      return object ? `$${params.length}::jsonb` : `$${params.length}`;
    });
    return `(${cells.join(', ')})`;
  });
  const updated = columns.filter((c) => c !== 'id');
  const compared = updated.filter((c) => c !== '_synced_at');
  const sql = `INSERT INTO ${qualified(schema, table)} (${columns.map(ident).join(', ')})
VALUES ${values.join(',\n       ')}
ON CONFLICT ("id") DO UPDATE SET ${updated.map((c) => `${ident(c)} = EXCLUDED.${ident(c)}`).join(', ')}
WHERE (${compared.map((c) => `${ident(table)}.${ident(c)} IS DISTINCT FROM EXCLUDED.${ident(c)}`).join(' OR ')})`;
  return { sql, params };
}

/** The row of values the Stripe-style statement binds for a record: its fields as they are, then `_raw` etc. */
function stripeRow(columns: readonly string[], record: RecordPayload, syncedAt: string): unknown[] {
  return columns.map((c) => {
    if (c === '_raw') return record.data;
    if (c === '_synced_at') return syncedAt;
    if (c === '_deleted') return false;
    return record.data[c] ?? null;
  });
}

/** The Stripe Sync Engine approach: one multi-row upsert per page, autocommit. */
export async function writeStripeStyle(client: pg.Client, schema: string, stream: StreamDescriptor, records: readonly RecordPayload[], pageSize: number): Promise<WriteResult> {
  const columns = [...(await tableColumns(client, schema, stream.name)).keys()];
  return timedBatches(records.length, pageSize, async (from, to) => {
    const syncedAt = new Date().toISOString();
    const { sql, params } = stripeStyleUpsert(schema, stream.name, columns, records.slice(from, to).map((r) => stripeRow(columns, r, syncedAt)));
    await client.query(sql, params);
  });
}

/** The ceiling: the same rows as one COPY in text format (typed columns as ours bind them), one statement. */
export async function writeCopy(client: pg.Client, schema: string, stream: StreamDescriptor, records: readonly RecordPayload[]): Promise<WriteResult> {
  const columns = [...(await tableColumns(client, schema, stream.name))].map(([name, type]) => ({ name, type }));
  const sql = `copy ${qualified(schema, stream.name)} (${columns.map((c) => ident(c.name)).join(', ')}) from stdin`;
  const started = performance.now();
  const syncedAt = new Date().toISOString();
  function* lines(): Generator<string> {
    for (const r of records) {
      yield copyTextRow(
        columns.map((c) => {
          if (c.name === '_raw') return JSON.stringify(r.data);
          if (c.name === '_synced_at') return syncedAt;
          if (c.name === '_deleted') return 'f';
          return toColumnText(r.data[c.name], c.type);
        }),
      );
    }
  }
  const rows = await copyFromStdin(client, sql, lines());
  const ms = performance.now() - started;
  if (rows !== records.length) throw new Error(`COPY wrote ${rows} rows, expected ${records.length}`);
  return { rows, ms, batches: [ms] };
}
