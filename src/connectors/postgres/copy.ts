/**
 * The fast path for a batch of rows that are all new: `COPY … FROM STDIN` on a `pg` Client. COPY inserts
 * in bulk (many rows per WAL record and page lock, no speculative insertion per row, the rows streamed
 * while Postgres parses them) at about 1.5× the rows/s of the upsert statement (bench/sync), but it
 * cannot upsert: one key already stored fails it. So it runs inside a savepoint, and a batch it cannot
 * take is rolled back to that savepoint and written by the upsert statement, which stays the authority
 * on what a batch does. COPY only ever inserts rows the upsert would have inserted, with the same values:
 * the same column texts (coerce.ts, read by the same input functions) and the transaction's own now().
 */
import pg from 'pg';
import { toColumnText } from './coerce.ts';
import { ident, qualified } from './ident.ts';
import type { QueryClient } from './query-client.ts';
import type { TableRef, TypedColumn } from './upsert.ts';

/** The statements of a COPY of a stream's rows, built once per stream (buildCopySql). */
export interface CopySql {
  /** Inside the caller's transaction: savepoint, the transaction's now(), the COPY, release. */
  inTransaction: string;
  /** Outside any transaction: now() and the COPY, one implicit transaction. */
  autocommit: string;
}

export type CopyOutcome =
  | { inserted: number }
  /** `conflict`: a key is already stored; `refused`: COPY cannot take this table or data (the upsert may). */
  | { fallback: 'conflict' | 'refused'; sqlstate: string };

const SAVEPOINT = 'syncbridge_copy';
// now() is the transaction's start: the `_synced_at` the upsert statement writes. Spelled in ISO 8601
// UTC with microseconds, which COPY reads back exactly whatever the session's DateStyle and TimeZone.
const NOW_SQL = `select to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** `columns` then `_raw`, `_deleted`, `_synced_at`: each line of the COPY ends with the last two. */
export function buildCopySql(table: TableRef, columns: readonly TypedColumn[]): CopySql {
  const copy = `copy ${qualified(table.schema, table.name)} (${[...columns.map((c) => ident(c.name)), '"_raw"', '"_deleted"', '"_synced_at"'].join(', ')}) from stdin`;
  return {
    inTransaction: `savepoint ${SAVEPOINT}; ${NOW_SQL}; ${copy}; release savepoint ${SAVEPOINT}`,
    autocommit: `${NOW_SQL}; ${copy}`,
  };
}

/**
 * `client` when it can run a COPY now: pg's own Client (a PoolClient is one), not pipelining (which
 * refuses custom protocol flows), and in a transaction block or idle; otherwise undefined.
 */
export function copyCapable(client: QueryClient): pg.Client | undefined {
  if (!(client instanceof pg.Client) || client.pipeline) return undefined;
  const status = client.getTransactionStatus();
  return status === 'T' || status === 'I' ? client : undefined;
}

/**
 * Inserts `records` (distinct keys) by COPY; on a conflict or a refusal the batch is undone (to the
 * savepoint, or by the implicit transaction's rollback) and the outcome says why. A failure that the
 * upsert could not get past either (the connection, a cancel, resources) is thrown as it is.
 */
export async function copyNewRows(client: pg.Client, sql: CopySql, columns: readonly TypedColumn[], records: readonly Record<string, unknown>[]): Promise<CopyOutcome> {
  const inTransaction = client.getTransactionStatus() === 'T';
  try {
    return { inserted: await runCopy(client, inTransaction ? sql.inTransaction : sql.autocommit, columns, records) };
  } catch (err) {
    const sqlstate = (err as { code?: unknown }).code;
    const fallback = typeof sqlstate === 'string' ? fallbackFor(sqlstate) : undefined;
    if (fallback === undefined) throw err;
    if (inTransaction) await client.query(`rollback to savepoint ${SAVEPOINT}; release savepoint ${SAVEPOINT}`);
    return { fallback, sqlstate: sqlstate as string };
  }
}

/**
 * Which failed COPYs the upsert statement should redo. 23505: a key is stored. Data (22) and other
 * integrity (23) errors, feature-not-supported (0A: COPY FROM under row-level security), access (42)
 * and check-option (44) errors: the upsert either fails the same way or differs on purpose (an
 * explicit cast truncates a varchar(n) where COPY refuses), and its outcome is the batch's.
 */
function fallbackFor(sqlstate: string): 'conflict' | 'refused' | undefined {
  if (sqlstate === '23505') return 'conflict';
  return ['22', '23', '0A', '42', '44'].includes(sqlstate.slice(0, 2)) ? 'refused' : undefined;
}

/** The parts of pg's Connection a COPY uses (its typings leave the copy messages out). */
interface CopyConnection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
  sendCopyFail(message: string): void;
}

const CHUNK_CHARS = 64 * 1024;

/**
 * Runs the statements as one simple query, as a pg "submittable" (pg hands it the protocol messages of
 * its turn): the now() row arrives before CopyInResponse, then the rows go out as CopyData of ~64 KiB,
 * each built while Postgres parses the one before. Resolves with COPY's row count.
 */
function runCopy(client: pg.Client, text: string, columns: readonly TypedColumn[], records: readonly Record<string, unknown>[]): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    let syncedAt: string | undefined;
    let rows = -1;
    let failed: unknown;
    const submittable = {
      submit(connection: CopyConnection) {
        connection.query(text);
      },
      handleRowDescription() {},
      handleDataRow(msg: { fields: unknown[] }) {
        syncedAt = String(msg.fields[0]);
      },
      handleCommandComplete(msg: { text: string }) {
        if (msg.text.startsWith('COPY ')) rows = Number(msg.text.slice(5));
      },
      handleEmptyQuery() {},
      handlePortalSuspended() {},
      handleCopyData() {},
      handleCopyInResponse(connection: CopyConnection) {
        try {
          const tail = `\tf\t${syncedAt ?? ''}\n`;
          let chunk = '';
          for (const data of records) {
            chunk += copyLine(columns, data) + tail;
            if (chunk.length >= CHUNK_CHARS) {
              connection.sendCopyFromChunk(Buffer.from(chunk, 'utf8'));
              chunk = '';
            }
          }
          if (chunk.length > 0) connection.sendCopyFromChunk(Buffer.from(chunk, 'utf8'));
          connection.endCopyFrom();
        } catch (err) {
          // A record JSON cannot hold (a BigInt): the upsert would throw the same. COPY is abandoned.
          connection.sendCopyFail(err instanceof Error ? err.message : String(err));
          failed = err;
        }
      },
      // pg forgets the active query on an error (no ReadyForQuery reaches it), so an error settles now.
      handleError(err: Error) {
        reject(failed ?? err);
      },
      handleReadyForQuery() {
        resolve(rows);
      },
    };
    client.query(submittable as unknown as pg.Submittable);
  });
}

/** A record's typed columns and `_raw`, tab-separated in COPY's text format (`\N` for null). */
function copyLine(columns: readonly TypedColumn[], data: Record<string, unknown>): string {
  let line = '';
  for (const c of columns) {
    const text = toColumnText(data[c.name], c.type);
    line += `${text === null ? '\\N' : copyText(text)}\t`;
  }
  // JSON.stringify escapes every control character, so a backslash is the only byte COPY would misread.
  const raw = JSON.stringify(data);
  return line + (raw.includes('\\') ? raw.replaceAll('\\', '\\\\') : raw);
}

const NEEDS_ESCAPE = /[\\\n\r\t]/;
const COPY_SPECIAL = /[\\\n\r\t]/g;
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** `text` escaped for COPY's text format: backslash, newline, carriage return and tab. */
export function copyText(text: string): string {
  return NEEDS_ESCAPE.test(text) ? text.replace(COPY_SPECIAL, (ch) => COPY_ESCAPES[ch]!) : text;
}

/** When a stream's batches try COPY first (one gate per stream and writer). */
export interface CopyGate {
  open(): boolean;
  record(outcome: CopyOutcome): void;
}

const MAX_SKIP = 64;

/**
 * Every batch tries COPY until one conflicts (keys already stored: a re-sync, updates); then only the
 * 2nd, 4th, … up to every 64th batch does, and every one again after a COPY succeeds, so a stream of
 * updates wastes few COPYs and a backfill loses none. A refusal (the table or its data do not suit
 * COPY) closes the gate for good.
 */
export function createCopyGate(): CopyGate {
  let skip = 0;
  let waiting = 0;
  let closed = false;
  return {
    open() {
      if (closed) return false;
      if (waiting === 0) return true;
      waiting--;
      return false;
    },
    record(outcome) {
      if ('inserted' in outcome) skip = 0;
      else if (outcome.fallback === 'refused') closed = true;
      else skip = Math.min(MAX_SKIP, Math.max(1, skip * 2));
      waiting = skip;
    },
  };
}
