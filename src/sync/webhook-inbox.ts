/**
 * The webhook inbox (`webhook_deliveries`). A delivery is verified by the pipeline's source, then
 * stored together with the job that will process it, in one transaction, before the HTTP answer:
 * a 2xx means the event is committed (invariant 1). The provider's event id is unique per endpoint,
 * so a redelivery — Stripe retries for days — finds its first copy and enqueues nothing (invariant 4).
 */
import type { Db, Queryable } from '../db/db.ts';
import { quoteIdent } from '../db/ident.ts';
import type { JobStore } from '../jobs/store.ts';
import { NotFound } from '../protocol/errors.ts';
import type { WebhookDelivery } from '../protocol/webhooks.ts';

export const PIPELINE_WEBHOOK_JOB = 'pipeline_webhook';

export interface StoredDelivery {
  id: number;
  endpoint: string;
  delivery_id: string;
  event_type: string | null;
  payload: unknown;
  received_at: Date;
  job_id: number | null;
}

export interface Received {
  delivery: StoredDelivery;
  /** True when this event had been received before: nothing new was stored or enqueued. */
  duplicate: boolean;
}

export const pipelineEndpoint = (pipelineId: number) => `pipeline:${pipelineId}`;

export interface DeliveryJob {
  /** The job that processes the delivery; default `pipeline_webhook`. */
  jobType?: string;
  payload: (deliveryId: number) => unknown;
  /**
   * Deliveries touching the same object share this key and run one at a time (limit 1), so each
   * application reads the object after the previous one wrote it. Undefined: nothing to apply.
   */
  concurrencyKey: string | undefined;
}

export async function storeDelivery(db: Db, schema: string, jobs: JobStore, endpoint: string, delivery: WebhookDelivery, work: DeliveryJob): Promise<Received> {
  const table = `${quoteIdent(schema)}.webhook_deliveries`;
  const received = await db.transaction(async (tx): Promise<Received> => {
    const { rows } = await tx.query<StoredDelivery>(
      `insert into ${table} (endpoint, delivery_id, event_type, payload) values ($1, $2, $3, $4::jsonb)
       on conflict (endpoint, delivery_id) do nothing returning *`,
      [endpoint, delivery.id, delivery.type, JSON.stringify(delivery.payload)],
    );
    if (!rows[0]) {
      const { rows: first } = await tx.query<StoredDelivery>(`select * from ${table} where endpoint = $1 and delivery_id = $2`, [endpoint, delivery.id]);
      return { delivery: first[0]!, duplicate: true };
    }
    const stored = rows[0];
    // An event about nothing the source syncs is kept for the record, with no job.
    if (work.concurrencyKey === undefined) return { delivery: stored, duplicate: false };
    const { job } = await jobs.enqueue(
      { jobType: work.jobType ?? PIPELINE_WEBHOOK_JOB, entityId: `webhook:${stored.id}`, payload: work.payload(stored.id), concurrencyKey: work.concurrencyKey, concurrencyLimit: 1 },
      tx,
      // Woken after the commit, not by a NOTIFY inside it: a NOTIFY would serialise every delivery's
      // commit behind the WAL flush (bench:webhooks).
      { wakeAfterCommit: true },
    );
    await tx.query(`update ${table} set job_id = $2 where id = $1`, [stored.id, job.id]);
    return { delivery: { ...stored, job_id: job.id }, duplicate: false };
  });
  if (received.delivery.job_id !== null && !received.duplicate) jobs.wake();
  return received;
}

export async function getDelivery(q: Queryable, schema: string, id: number): Promise<StoredDelivery> {
  const { rows } = await q.query<StoredDelivery>(`select * from ${quoteIdent(schema)}.webhook_deliveries where id = $1`, [id]);
  if (!rows[0]) throw new NotFound(`webhook delivery ${id} not found`, { detail: { delivery_id: id } });
  return rows[0];
}

export async function listDeliveries(q: Queryable, schema: string, endpoint: string, limit = 50): Promise<StoredDelivery[]> {
  const { rows } = await q.query<StoredDelivery>(
    `select * from ${quoteIdent(schema)}.webhook_deliveries where endpoint = $1 order by id desc limit $2`,
    [endpoint, Math.min(Math.max(limit, 1), 500)],
  );
  return rows;
}
