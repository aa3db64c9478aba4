/**
 * Syncs one stream of one pipeline run: resumes the source from the saved checkpoint, pipes its records
 * and states into the destination, and saves each state only when the destination yields it back —
 * i.e. once the data before it is durable (invariant 3) — together with the run's progress, in one transaction.
 */
import type { Db } from '../db/db.ts';
import type { Logger } from '../log.ts';
import type { Destination, Source } from '../protocol/connector.ts';
import type { ConfiguredCatalog, Message, StreamDescriptor, SyncMode } from '../protocol/messages.ts';
import { abortable } from './abortable.ts';
import { finishStreamProgress, loadStreamProgress, recordCheckpoint, startStreamProgress } from './progress-store.ts';
import { loadStreamState, saveStreamState } from './state-store.ts';

export interface RunStreamOptions {
  source: Source;
  sourceConfig: unknown;
  destination: Destination;
  destinationConfig: unknown;
  stream: StreamDescriptor;
  syncMode: SyncMode;
  pipelineId: number;
  runId: number;
  db: Db;
  schema: string;
  signal: AbortSignal;
  logger: Logger;
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

  log.info({ resumed: resumedFrom !== undefined }, 'stream sync started');
  try {
    for await (const message of abortable(o.destination.write({ config: o.destinationConfig, catalog }, feed()), o.signal)) {
      if (message.type !== 'state' || message.state.stream !== name) continue;
      const acknowledged = sentAtState.shift() ?? counts.sent;
      const records = acknowledged - counts.records;
      const cursor = message.state.data;
      await o.db.transaction(async (tx) => {
        await saveStreamState(tx, o.schema, o.pipelineId, name, cursor);
        await recordCheckpoint(tx, o.schema, o.runId, name, { records: totalRecords + records, pages: totalPages + 1, cursor });
      });
      totalRecords += records;
      totalPages += 1;
      counts.records += records;
      counts.pages += 1;
      counts.state = cursor;
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
