/**
 * A source's webhook capability: verify a delivery on its raw body (signature, timestamp), name the
 * objects it touched, and produce their records. The engine stores the delivery before it answers 2xx
 * (so `verify` is pure, no I/O) and produces the records later in a job, one job at a time per touched
 * object. Providers do not deliver in order, so `records` should return each touched object's state as
 * of now (fetched from the API), not the event's snapshot: then any order of deliveries, retries and
 * redeliveries converges on the newest state, and writing it again changes nothing (invariant 4).
 */
import type { RecordPayload } from './messages.ts';

export interface WebhookDelivery {
  /** The provider's own id of the event: a redelivery carries the same one. */
  id: string;
  /** The provider's event type, e.g. `customer.updated`. */
  type: string;
  /** The parsed payload, stored as it came. */
  payload: unknown;
}

export interface WebhookRequest<Config> {
  config: Config;
  /** The body exactly as received: signatures are computed over these bytes. */
  body: Buffer;
  /** Header names in lowercase. */
  headers: Record<string, string | undefined>;
}

export interface SourceWebhooks<Config = unknown> {
  /**
   * Verifies the delivery. Throws AuthError when the signature or timestamp is wrong, ValidationError
   * when the request is malformed or the config has no webhook secret.
   */
  verify(request: WebhookRequest<Config>): WebhookDelivery;
  /** The objects the delivery touched, by stream and primary key (none for types the source does not sync). */
  touched(params: { config: Config; delivery: WebhookDelivery }): { stream: string; key: string }[];
  /** The records to write for the delivery: each touched object's current state, or its deletion. */
  records(params: { config: Config; delivery: WebhookDelivery; signal: AbortSignal }): Promise<RecordPayload[]>;
}
