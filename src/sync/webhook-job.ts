/**
 * The `pipeline_webhook` job: applies one stored webhook delivery to the pipeline's destination — the
 * source turns the delivery into records (the touched objects' current state), those of the pipeline's
 * streams are written (upserts and deletions, idempotent), and nothing else moves. A redelivered event
 * never gets here twice (the inbox refuses it); deliveries for one object run one at a time.
 */
import { z } from 'zod';
import type { Db } from '../db/db.ts';
import type { JobHandler } from '../jobs/worker.ts';
import type { Destination, Source } from '../protocol/connector.ts';
import { ValidationError } from '../protocol/errors.ts';
import { describeIssues, type RecordPayload } from '../protocol/messages.ts';
import { getPipeline, streamModeOf } from './pipeline-store.ts';
import { connector, discoverStream, type ConnectorRegistry } from './stream-job.ts';
import { getDelivery } from './webhook-inbox.ts';
import { writeRecords } from './write-records.ts';

export const WebhookJobPayload = z.object({
  pipeline_id: z.number().int().positive(),
  delivery_id: z.number().int().positive(),
});

export function createWebhookJobHandler(options: { db: Db; schema: string; connectors: ConnectorRegistry }): JobHandler {
  return async (job, ctx) => {
    const parsed = WebhookJobPayload.safeParse(job.payload);
    if (!parsed.success) throw new ValidationError(`pipeline_webhook payload: ${describeIssues(parsed.error.issues)}`);
    const pipeline = await getPipeline(options.db, options.schema, parsed.data.pipeline_id);
    const stored = await getDelivery(options.db, options.schema, parsed.data.delivery_id);
    const source = connector(options.connectors, pipeline.source.connector, 'read') as Source;
    if (!source.webhooks) throw new ValidationError(`connector "${pipeline.source.connector}" does not receive webhooks`);
    const delivery = { id: stored.delivery_id, type: stored.event_type ?? '', payload: stored.payload };
    const byStream = new Map<string, RecordPayload[]>();
    for (const record of await source.webhooks.records({ config: pipeline.source.config, delivery, signal: ctx.signal })) {
      if (!pipeline.streams.includes(record.stream)) continue;
      byStream.set(record.stream, [...(byStream.get(record.stream) ?? []), record]);
    }
    const written: Record<string, number> = {};
    for (const [name, records] of byStream) {
      const stream = await discoverStream(source, pipeline.source.config, name, ctx.signal);
      await writeRecords({
        db: options.db,
        destination: pipeline.destination,
        connector: () => connector(options.connectors, pipeline.destination.connector, 'write') as Destination,
        stream,
        syncMode: streamModeOf(pipeline.mode),
        context: { schema: options.schema, source, sourceConfig: pipeline.source.config, runId: null, mode: pipeline.mode, logger: ctx.logger },
        records,
        signal: ctx.signal,
      });
      written[name] = records.length;
    }
    ctx.logger.info({ event: 'pipeline.webhook_applied', pipeline_id: pipeline.id, delivery: stored.delivery_id, event_type: stored.event_type, written });
    return { event: stored.delivery_id, event_type: stored.event_type, written };
  };
}
