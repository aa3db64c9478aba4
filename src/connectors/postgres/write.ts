/**
 * The destination's write loop: buffers records per stream, writes a stream's buffer when it reaches
 * batch_size, and on a state for stream S writes S's buffer in a transaction and only then passes the
 * state on, so a checkpoint never runs ahead of its data. A failed write ends the run with a typed
 * error and no state for that batch; the pool is closed on every way out, `return()` included.
 */
import pg from 'pg';
import { typedErrorToTrace } from '../../protocol/error-trace.ts';
import { SyncError, ValidationError } from '../../protocol/errors.ts';
import type { ConfiguredCatalog, Message, RecordPayload } from '../../protocol/messages.ts';
import { classifyPgError } from './errors.ts';
import { requireConnectionString, type PostgresDestinationConfig } from './spec.ts';
import type { BatchCounts } from './upsert.ts';
import { createPostgresWriter, type PostgresWriter } from './writer.ts';

interface StreamProgress {
  buffer: RecordPayload[];
  records: number;
  deletions: number;
  counts: BatchCounts;
}

export async function* writeToPostgres(config: PostgresDestinationConfig, catalog: ConfiguredCatalog, messages: AsyncIterable<Message>): AsyncGenerator<Message> {
  const connectionString = requireConnectionString(config);
  const classify = (err: unknown, where: string) => classifyPgError(err, connectionString, where);
  const pool = new pg.Pool({ connectionString, max: 1, connectionTimeoutMillis: 30_000, application_name: `syncbridge-destination-postgres:${config.schema}`.slice(0, 63) });
  // A socket error on an idle client would otherwise crash the process; the next query reports it.
  pool.on('error', () => {});
  let client: pg.PoolClient | undefined;
  let failed = false;
  try {
    client = await pool.connect().catch((err: unknown) => {
      throw classify(err, 'connecting');
    });
    // A checked-out client's socket error (a terminated backend) is an 'error' event nothing else listens
    // to; unheard it would crash the process. The failing query rejects with it, and that is reported.
    client.on('error', () => {});
    const c = client;
    const writer = createPostgresWriter(c, { schema: config.schema, deletes: config.deletes, updatedAtField: config.updated_at_field });
    await writer.prepare(catalog).catch((err: unknown) => {
      throw classify(err, 'creating tables');
    });
    const streams = new Map<string, StreamProgress>(
      catalog.streams.map((s) => [s.stream.name, { buffer: [], records: 0, deletions: 0, counts: { inserted: 0, updated: 0, skipped: 0, deleted: 0 } }]),
    );
    const flush = (names: readonly string[]) => flushStreams(c, writer, streams, names, classify);

    for await (const message of messages) {
      if (message.type === 'record') {
        const name = message.record.stream;
        const progress = streams.get(name);
        if (!progress) throw new ValidationError(`postgres destination: record of stream "${name}", which is not in the catalog`);
        progress.buffer.push(message.record);
        progress.records++;
        if (message.record.deleted) progress.deletions++;
        if (progress.buffer.length >= config.batch_size) yield* guarded(flush([name]));
      } else if (message.type === 'state') {
        // A state of a stream outside the catalog is a global checkpoint: everything before it must be durable.
        const names = streams.has(message.state.stream) ? [message.state.stream] : [...streams.keys()];
        yield* guarded(flush(names));
        yield message;
      } else if (message.type === 'log' || message.type === 'trace') {
        yield message;
      }
    }
    yield* guarded(flush([...streams.keys()]));

    for (const [stream, p] of streams) {
      yield { type: 'log', log: { level: 'info', message: 'postgres_stream_written', fields: { stream, schema: config.schema, ...p.counts } } };
      yield { type: 'stream_status', stream_status: { stream, status: 'complete', counts: { records: p.records, deleted: p.deletions } } };
    }
  } catch (err) {
    failed = true;
    throw err;
  } finally {
    // A client that failed mid-transaction is not handed back for reuse; the pool closes either way.
    client?.release(failed);
    await pool.end().catch(() => {});
  }
}

/** Runs a flush; when it fails, reports the stream incomplete, then throws the typed error. */
async function* guarded(flush: Promise<void>): AsyncGenerator<Message> {
  try {
    await flush;
  } catch (err) {
    if (err instanceof FlushFailed) {
      yield { type: 'stream_status', stream_status: { stream: err.stream, status: 'incomplete', error: typedErrorToTrace(err.error, err.stream).trace.error } };
      throw err.error;
    }
    throw err;
  }
}

class FlushFailed extends Error {
  readonly stream: string;
  readonly error: SyncError;
  constructor(stream: string, error: SyncError) {
    super(error.message);
    this.stream = stream;
    this.error = error;
  }
}

/** Writes the buffers of `names` in one transaction; on failure nothing of them is written. */
async function flushStreams(
  client: pg.PoolClient,
  writer: PostgresWriter,
  streams: Map<string, StreamProgress>,
  names: readonly string[],
  classify: (err: unknown, where: string) => SyncError,
): Promise<void> {
  const pending = names.filter((n) => (streams.get(n)?.buffer.length ?? 0) > 0);
  if (pending.length === 0) return;
  let current = pending[0]!;
  try {
    await client.query('begin');
    const results: [StreamProgress, BatchCounts][] = [];
    for (const name of pending) {
      current = name;
      const p = streams.get(name)!;
      results.push([p, await writer.writeBatch(name, p.buffer)]);
    }
    await client.query('commit');
    for (const [p, counts] of results) {
      p.buffer = [];
      p.counts.inserted += counts.inserted;
      p.counts.updated += counts.updated;
      p.counts.skipped += counts.skipped;
      p.counts.deleted += counts.deleted;
    }
  } catch (err) {
    await client.query('rollback').catch(() => {});
    throw new FlushFailed(current, classify(err, `writing stream "${current}"`));
  }
}
