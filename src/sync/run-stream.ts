/**
 * Syncs one stream of one pipeline run: resumes the source from the saved checkpoint, pipes its records
 * and states into the destination, and saves each state only when the destination yields it back —
 * i.e. once the data before it is durable (invariant 3) — together with the run's progress, in one transaction.
 */
import type { Db, Queryable } from '../db/db.ts';
import type { Logger } from '../log.ts';
import type { Destination, Source } from '../protocol/connector.ts';
import type { ConfiguredCatalog, Message, RecordPayload, StreamDescriptor, SyncMode } from '../protocol/messages.ts';
import { abortable } from './abortable.ts';
import type { EngineSink } from './engine-sink.ts';
import { finishStreamProgress, loadStreamProgress, recordCheckpoint, startStreamProgress } from './progress-store.ts';
import { loadStreamState, saveStreamState } from './state-store.ts';

export interface RunStreamOptions {
  source: Source;
  sourceConfig: unknown;
  /** Where records go; optional only when `sink` writes them instead. */
  destination?: Destination | undefined;
  destinationConfig: unknown;
  stream: StreamDescriptor;
  syncMode: SyncMode;
  pipelineId: number;
  runId: number;
  db: Db;
  schema: string;
  signal: AbortSignal;
  logger: Logger;
  /**
   * Write into the engine's own database instead of through `destination`: each page's rows commit
   * in the transaction that saves its checkpoint.
   */
  sink?: EngineSink | undefined;
}

export interface StreamSyncCounts {
  /** Records the destination acknowledged in this call (behind a checkpoint it yielded). */
  records: number;
  /** Checkpoints the destination acknowledged and that were saved in this call. */
  pages: number;
  /** Records sent to the destination in this call, acknowledged or not. */
  sent: number;
  /** The state read() was given: undefined for a start from the beginning. */
  resumedFrom: unknown;
  /** The last state saved, or the one resumed from when none was. */
  state: unknown;
}

export async function runStreamSync(o: RunStreamOptions): Promise<StreamSyncCounts> {
  const name = o.stream.name;
  const log = o.logger.child({ pipeline_id: o.pipelineId, run_id: o.runId, stream: name });
  const prior = await loadStreamProgress(o.db, o.schema, o.runId, name);
  // Incremental resumes from the pipeline's checkpoint; full refresh starts over each run, but a retried
  // attempt of the same run resumes from that run's own last checkpoint.
  const resumeRun = prior !== undefined && prior.status !== 'succeeded';
  const resumedFrom = o.syncMode === 'incremental'
    ? await loadStreamState(o.db, o.schema, o.pipelineId, name)
    : resumeRun ? (prior.cursor ?? undefined) : undefined;
  await startStreamProgress(o.db, o.schema, o.runId, name);

  const catalog: ConfiguredCatalog = { streams: [{ stream: o.stream, sync_mode: o.syncMode }] };
  const state = resumedFrom === undefined ? undefined : { [name]: resumedFrom };
  // Totals are the run's: a retried attempt of the same run adds to what earlier attempts acknowledged.
  let totalRecords = resumeRun ? prior.records : 0;
  let totalPages = resumeRun ? prior.pages : 0;
  const counts: StreamSyncCounts = { records: 0, pages: 0, sent: 0, resumedFrom, state: resumedFrom };
  // Records sent before each state passed on, in order: a yielded state acknowledges the oldest.
  const sentAtState: number[] = [];

  async function* feed(): AsyncGenerator<Message> {
    for await (const message of abortable(o.source.read({ config: o.sourceConfig, catalog, ...(state ? { state } : {}) }), o.signal)) {
      if (message.type === 'record' && message.record.stream === name) {
        counts.sent++;
        yield message;
      } else if (message.type === 'state' && message.state.stream === name) {
        sentAtState.push(counts.sent);
        yield message;
      } else if (message.type === 'log') {
        log.debug({ source_log: message.log }, 'source log');
      }
    }
  }

  /** Saves an acknowledged checkpoint (in `tx` when given, with whatever else it holds). */
  async function checkpoint(records: number, cursor: unknown, tx?: Queryable): Promise<void> {
    const save = async (q: Queryable) => {
      await saveStreamState(q, o.schema, o.pipelineId, name, cursor);
      await recordCheckpoint(q, o.schema, o.runId, name, { records: totalRecords + records, pages: totalPages + 1, cursor });
    };
    if (tx) await save(tx);
    else await o.db.transaction(save);
    totalRecords += records;
    totalPages += 1;
    counts.records += records;
    counts.pages += 1;
    counts.state = cursor;
  }

  log.info({ resumed: resumedFrom !== undefined, engine_database: o.sink !== undefined }, 'stream sync started');
  try {
    if (o.sink) {
      await writeIntoEngine(o.sink, o.db, catalog, name, feed(), checkpoint, o.signal);
    } else {
      if (!o.destination) throw new TypeError('runStreamSync: a destination or a sink is required');
      for await (const message of abortable(o.destination.write({ config: o.destinationConfig, catalog }, feed()), o.signal)) {
        if (message.type !== 'state' || message.state.stream !== name) continue;
        const acknowledged = sentAtState.shift() ?? counts.sent;
        await checkpoint(acknowledged - counts.records, message.state.data);
      }
    }
  } catch (err) {
    const status = o.signal.aborted ? 'cancelled' : 'failed';
    await finishStreamProgress(o.db, o.schema, o.runId, name, status).catch((e: unknown) => log.warn({ err: e }, 'could not record stream status'));
    log.warn({ err, records: counts.records, pages: counts.pages }, `stream sync ${status}`);
    throw err;
  }
  await finishStreamProgress(o.db, o.schema, o.runId, name, 'succeeded');
  log.info({ records: counts.records, pages: counts.pages }, 'stream sync finished');
  return counts;
}

/**
 * The engine-database path: records are buffered until their state arrives, then written and
 * checkpointed in one transaction. A buffer that outgrows the batch size before a state is written
 * ahead on its own (upserts are idempotent; the checkpoint still never runs ahead of data).
 */
async function writeIntoEngine(
  sink: EngineSink,
  db: Db,
  catalog: ConfiguredCatalog,
  stream: string,
  messages: AsyncIterable<Message>,
  checkpoint: (records: number, cursor: unknown, tx: Queryable) => Promise<void>,
  signal: AbortSignal,
): Promise<void> {
  await sink.prepare(catalog);
  let buffer: RecordPayload[] = [];
  let unacknowledged = 0;
  for await (const message of messages) {
    if (message.type === 'record') {
      buffer.push(message.record);
      unacknowledged++;
      if (buffer.length >= sink.batchSize) {
        const batch = buffer;
        buffer = [];
        await sink.beforeWrite?.(stream, batch, signal);
        await db.transaction((tx) => sink.write(tx, stream, batch));
      }
    } else if (message.type === 'state') {
      const batch = buffer;
      const records = unacknowledged;
      buffer = [];
      unacknowledged = 0;
      if (batch.length > 0) await sink.beforeWrite?.(stream, batch, signal);
      await db.transaction(async (tx) => {
        if (batch.length > 0) await sink.write(tx, stream, batch);
        await checkpoint(records, message.state.data, tx);
      });
    }
  }
  const finish = sink.finish?.bind(sink);
  if (buffer.length > 0) await sink.beforeWrite?.(stream, buffer, signal);
  if (buffer.length > 0 || finish) {
    await db.transaction(async (tx) => {
      if (buffer.length > 0) await sink.write(tx, stream, buffer);
      await finish?.(tx, stream);
    });
  }
}
