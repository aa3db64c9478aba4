/**
 * The catalog as data: for each stream its list path, the list passes that together return every object
 * (Stripe hides canceled subscriptions and inactive prices by default), the event types that carry it, and
 * which of those mean "deleted". The events path and the webhook path both map events through this table.
 */
import type { StreamDescriptor } from '../../protocol/messages.ts';

export interface StripeStream {
  name: string;
  path: string;
  /** Extra query params, one list walk per entry, so hidden-by-default rows are read too. */
  passes: Record<string, string>[];
  /** Exact event types whose `data.object` is this stream's object (Stripe's `types[]` takes ≤ 20). */
  events: string[];
  /** Of `events`, those meaning the object is gone (customer.subscription.deleted is a cancel, not a delete). */
  deletes: string[];
  /** Extra typed fields on top of id/object/created/livemode. */
  fields: Record<string, unknown>;
}

const str = { type: ['string', 'null'] };
const int = { type: ['integer', 'null'] };
const bool = { type: ['boolean', 'null'] };
const obj = { type: ['object', 'null'] };
const crud = (prefix: string, extra: string[] = []) => [`${prefix}.created`, `${prefix}.updated`, `${prefix}.deleted`, ...extra];

export const STREAMS: readonly StripeStream[] = [
  { name: 'customers', path: '/v1/customers', passes: [{}], events: crud('customer'), deletes: ['customer.deleted'], fields: { email: str, name: str, metadata: obj } },
  { name: 'products', path: '/v1/products', passes: [{}], events: crud('product'), deletes: ['product.deleted'], fields: { name: str, active: bool, metadata: obj } },
  {
    name: 'prices',
    path: '/v1/prices',
    passes: [{ active: 'true' }, { active: 'false' }],
    events: crud('price'),
    deletes: ['price.deleted'],
    fields: { product: str, active: bool, currency: str, unit_amount: int, recurring: obj },
  },
  { name: 'plans', path: '/v1/plans', passes: [{}], events: crud('plan'), deletes: ['plan.deleted'], fields: { product: str, active: bool, amount: int, interval: str } },
  {
    name: 'subscriptions',
    path: '/v1/subscriptions',
    passes: [{ status: 'all' }],
    events: crud('customer.subscription', ['customer.subscription.paused', 'customer.subscription.resumed', 'customer.subscription.trial_will_end', 'customer.subscription.pending_update_applied', 'customer.subscription.pending_update_expired']),
    deletes: [],
    fields: { customer: str, status: str, items: obj, cancel_at_period_end: bool },
  },
  {
    name: 'invoices',
    path: '/v1/invoices',
    passes: [{}],
    events: crud('invoice', ['invoice.finalized', 'invoice.paid', 'invoice.payment_failed', 'invoice.payment_succeeded', 'invoice.voided', 'invoice.marked_uncollectible', 'invoice.sent', 'invoice.finalization_failed']),
    deletes: ['invoice.deleted'],
    fields: { customer: str, subscription: str, status: str, total: int, currency: str },
  },
  {
    name: 'charges',
    path: '/v1/charges',
    passes: [{}],
    events: ['charge.succeeded', 'charge.failed', 'charge.captured', 'charge.refunded', 'charge.updated', 'charge.pending', 'charge.expired'],
    deletes: [],
    fields: { customer: str, payment_intent: str, amount: int, currency: str, status: str, refunded: bool },
  },
  {
    name: 'payment_intents',
    path: '/v1/payment_intents',
    passes: [{}],
    events: ['payment_intent.created', 'payment_intent.succeeded', 'payment_intent.canceled', 'payment_intent.processing', 'payment_intent.payment_failed', 'payment_intent.requires_action', 'payment_intent.amount_capturable_updated', 'payment_intent.partially_funded'],
    deletes: [],
    fields: { customer: str, amount: int, currency: str, status: str },
  },
  {
    name: 'refunds',
    path: '/v1/refunds',
    passes: [{}],
    events: ['refund.created', 'refund.updated', 'refund.failed', 'charge.refund.updated'],
    deletes: [],
    fields: { charge: str, payment_intent: str, amount: int, status: str },
  },
  {
    name: 'disputes',
    path: '/v1/disputes',
    passes: [{}],
    events: ['charge.dispute.created', 'charge.dispute.updated', 'charge.dispute.closed', 'charge.dispute.funds_withdrawn', 'charge.dispute.funds_reinstated'],
    deletes: [],
    fields: { charge: str, amount: int, reason: str, status: str },
  },
];

export const STREAM_NAMES = ['customers', 'products', 'prices', 'plans', 'subscriptions', 'invoices', 'charges', 'payment_intents', 'refunds', 'disputes'] as const;

const BY_NAME = new Map(STREAMS.map((s) => [s.name, s]));
const BY_EVENT = new Map(STREAMS.flatMap((s) => s.events.map((e) => [e, s] as const)));

export function streamNamed(name: string): StripeStream | undefined {
  return BY_NAME.get(name);
}

/** The stream an event type belongs to, or undefined for types this source does not sync. */
export function streamOfEvent(type: string): StripeStream | undefined {
  return BY_EVENT.get(type);
}

export function descriptorOf(stream: StripeStream): StreamDescriptor {
  return {
    name: stream.name,
    json_schema: {
      type: 'object',
      properties: { id: { type: 'string' }, object: { type: 'string' }, created: { type: 'integer' }, livemode: { type: 'boolean' }, deleted: { type: 'boolean' }, ...stream.fields },
      required: ['id'],
      additionalProperties: true,
    },
    primary_key: ['id'],
    cursor_field: 'created',
    supported_sync_modes: ['full_refresh', 'incremental'],
  };
}
