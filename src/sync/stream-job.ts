/**
 * The `pipeline_stream` job: syncs one stream of one pipeline run, payload `{ pipeline_id, run_id,
 * stream }`. Connectors come from a registry by the names the pipeline stores; a retried attempt resumes
 * from the last checkpoint the destination acknowledged, not from the first page. Its success is
 * recorded in the transaction that wakes the run's job, so the run finishes without waiting a poll.
 */
import { z } from 'zod';
import type { Db } from '../db/db.ts';
import type { JobStore } from '../jobs/store.ts';
import type { JobHandler } from '../jobs/worker.ts';
import type { Destination, Source } from '../protocol/connector.ts';
import { NotFound, ValidationError } from '../protocol/errors.ts';
import { describeIssues, type StreamDescriptor } from '../protocol/messages.ts';
import { engineSinkFor } from './engine-sink.ts';
import { getPipeline, getRun, streamModeOf } from './pipeline-store.ts';
import { runStreamSync } from './run-stream.ts';

export const PIPELINE_STREAM_JOB = 'pipeline_stream';

export const StreamJobPayload = z.object({
  pipeline_id: z.number().int().positive(),
  run_id: z.number().int().positive(),
  stream: z.string().min(1),
});
export type StreamJobPayload = z.infer<typeof StreamJobPayload>;

export type ConnectorRegistry = Record<string, Source | Destination>;

export interface StreamJobOptions {
  db: Db;
  schema: string;
  connectors: ConnectorRegistry;
  /** When given, a success wakes the run's job in the same transaction. */
  jobs?: JobStore;
}

export function createStreamJobHandler(options: StreamJobOptions): JobHandler<StreamJobPayload> {
  return async (job, ctx) => {
    const parsed = StreamJobPayload.safeParse(job.payload);
    if (!parsed.success) throw new ValidationError(`${PIPELINE_STREAM_JOB} payload: ${describeIssues(parsed.error.issues)}`);
    const payload = parsed.data;
    const pipeline = await getPipeline(options.db, options.schema, payload.pipeline_id);
    if (!pipeline.streams.includes(payload.stream)) throw new ValidationError(`pipeline ${pipeline.id} does not sync stream "${payload.stream}"`);
    const source = connector(options.connectors, pipeline.source.connector, 'read') as Source;
    const sink = engineSinkFor(options.db, pipeline.destination, { schema: options.schema, source, sourceConfig: pipeline.source.config, runId: payload.run_id, mode: pipeline.mode, logger: ctx.logger });
    const destination = sink ? undefined : (connector(options.connectors, pipeline.destination.connector, 'write') as Destination);
    const stream = await discoverStream(source, pipeline.source.config, payload.stream, ctx.signal);
    const counts = await runStreamSync({
      source,
      sourceConfig: pipeline.source.config,
      destination,
      sink,
      destinationConfig: pipeline.destination.config,
      stream,
      syncMode: streamModeOf(pipeline.mode),
      pipelineId: pipeline.id,
      runId: payload.run_id,
      db: options.db,
      schema: options.schema,
      signal: ctx.signal,
      logger: ctx.logger,
    });
    const result = { records: counts.records, pages: counts.pages, state: counts.state };
    const jobs = options.jobs;
    if (!jobs) return result;
    const run = await getRun(options.db, options.schema, payload.run_id);
    if (run.job_id === null) return result;
    const parent = run.job_id;
    await ctx.completeInTransaction(async (tx) => {
      await jobs.runNow(parent, tx);
    }, result);
    jobs.notifier.poke();
    return result;
  };
}

export function connector(registry: ConnectorRegistry, name: string, method: 'read' | 'write'): Source | Destination {
  const found = Object.hasOwn(registry, name) ? registry[name] : undefined;
  if (!found) throw new NotFound(`connector "${name}" is not registered`);
  if (!(method in found)) throw new ValidationError(`connector "${name}" is not a ${method === 'read' ? 'source' : 'destination'}`);
  return found;
}

/** The stream's descriptor from the source's catalog (schemas can change between runs, so asked each time). */
export async function discoverStream(source: Source, config: unknown, name: string, signal: AbortSignal): Promise<StreamDescriptor> {
  for await (const message of source.discover({ config })) {
    signal.throwIfAborted();
    if (message.type !== 'catalog') continue;
    const stream = message.catalog.streams.find((s) => s.name === name);
    if (!stream) throw new NotFound(`source does not offer stream "${name}"`);
    return stream;
  }
  throw new NotFound(`source sent no catalog, so stream "${name}" cannot be resolved`);
}
