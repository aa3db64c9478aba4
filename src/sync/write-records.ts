/**
 * Writing a handful of records outside a read — a webhook's — to a pipeline's destination: into the
 * engine's own database through the sink, or through the destination connector's write loop. No
 * checkpoint moves: the stream's cursor belongs to reads, and the next incremental read re-applies
 * anything newer in order.
 */
import type { Db } from '../db/db.ts';
import type { Destination } from '../protocol/connector.ts';
import type { Message, RecordPayload, StreamDescriptor, SyncMode } from '../protocol/messages.ts';
import { engineSinkFor, type SinkContext } from './engine-sink.ts';

export async function writeRecords(params: {
  db: Db;
  destination: { connector: string; config: unknown };
  connector: () => Destination;
  stream: StreamDescriptor;
  syncMode: SyncMode;
  records: readonly RecordPayload[];
  signal: AbortSignal;
  context: SinkContext;
}): Promise<void> {
  const catalog = { streams: [{ stream: params.stream, sync_mode: params.syncMode }] };
  const sink = engineSinkFor(params.db, params.destination, params.context);
  if (sink) {
    await sink.prepare(catalog);
    await sink.beforeWrite?.(params.stream.name, params.records, params.signal);
    await params.db.transaction((tx) => sink.write(tx, params.stream.name, params.records));
    return;
  }
  async function* messages(): AsyncGenerator<Message> {
    for (const record of params.records) yield { type: 'record', record };
  }
  for await (const _ of params.connector().write({ config: params.destination.config, catalog }, messages())) params.signal.throwIfAborted();
}
