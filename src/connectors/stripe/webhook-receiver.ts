/**
 * The Stripe source's webhook capability. A delivery is verified with `Stripe-Signature` against the
 * configured endpoint secrets and the tolerance, and identified by its event id (Stripe redelivers the
 * same `evt_…`). Stripe does not deliver in order and `created` has one-second resolution, so the event's
 * snapshot is not trusted for ordering: the touched object is fetched again when the delivery is applied
 * (as Stripe recommends), and a deleted one (its stub, or a 404) becomes a deletion. The engine applies
 * one delivery at a time per object, so a later application always reads a state at least as new.
 */
import { NotFound, ValidationError } from '../../protocol/errors.ts';
import type { RecordPayload } from '../../protocol/messages.ts';
import type { SourceWebhooks } from '../../protocol/webhooks.ts';
import { StripeClient, type StripeObject } from './client.ts';
import type { StripeConfig } from './spec.ts';
import { streamNamed } from './streams.ts';
import { eventToRecord, verifyStripeSignature, type StripeEvent } from './webhook.ts';

export const stripeWebhooks: SourceWebhooks<StripeConfig> = {
  verify({ config, body, headers }) {
    if (!config.webhook_secrets) {
      throw new ValidationError('the Stripe source has no webhook_secrets configured: it cannot verify webhooks', { detail: { field: 'webhook_secrets' } });
    }
    const event = verifyStripeSignature(body, headers['stripe-signature'], config.webhook_secrets, config.webhook_tolerance_seconds);
    return { id: event.id, type: event.type, payload: event };
  },

  touched({ delivery }) {
    const record = eventToRecord(delivery.payload as StripeEvent);
    return record ? [{ stream: record.stream, key: String(record.data.id) }] : [];
  },

  async records({ config, delivery, signal }) {
    const event = delivery.payload as StripeEvent;
    const record = eventToRecord(event);
    if (!record) return [];
    const stream = streamNamed(record.stream)!;
    const id = String(record.data.id);
    const emitted_at = new Date().toISOString();
    let current: StripeObject;
    try {
      current = await new StripeClient(config, signal).get<StripeObject>(`${stream.path}/${encodeURIComponent(id)}`);
    } catch (err) {
      // Gone for good (some types answer 404 once deleted): the deletion the event announced.
      if (err instanceof NotFound) return [deletion(record.stream, { ...record.data, deleted: true }, emitted_at)];
      throw err;
    }
    if ((current as { deleted?: unknown }).deleted === true) return [deletion(record.stream, current, emitted_at)];
    return [{ stream: record.stream, data: current, emitted_at }];
  },
};

const deletion = (stream: string, data: Record<string, unknown>, emitted_at: string): RecordPayload => ({ stream, data, emitted_at, deleted: true });
