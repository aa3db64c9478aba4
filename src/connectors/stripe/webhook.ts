/**
 * Stripe webhook verification (reference §13) and the event → record mapping the events API path shares.
 * HMAC-SHA256 over `${t}.${rawBody}` keyed by each secret (whsec_ prefix included); any `v1` may match, other
 * schemes are ignored; every comparison runs in constant time; a delivery older than the tolerance is refused.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { AuthError, ValidationError } from '../../protocol/errors.ts';
import { streamOfEvent } from './streams.ts';

export const DEFAULT_TOLERANCE_SECONDS = 300;

export interface StripeEvent {
  id: string;
  object: 'event';
  type: string;
  created: number;
  data: { object: Record<string, unknown> & { id: string }; previous_attributes?: Record<string, unknown> };
  [key: string]: unknown;
}

/**
 * Verifies a `Stripe-Signature` header against the raw body and returns the parsed event. Throws a
 * ValidationError for a malformed header or body, an AuthError for no matching signature or a stale timestamp.
 */
export function verifyStripeSignature(
  rawBody: string | Buffer,
  header: string | null | undefined,
  secrets: readonly string[],
  toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
  now: () => number = Date.now,
): StripeEvent {
  if (!header) throw new ValidationError('missing Stripe-Signature header');
  if (secrets.length === 0) throw new ValidationError('no webhook secret configured');
  let timestamp: number | undefined;
  const v1: Buffer[] = [];
  for (const item of header.split(',')) {
    const at = item.indexOf('=');
    const key = at < 0 ? item : item.slice(0, at);
    const value = at < 0 ? '' : item.slice(at + 1);
    if (key === 't' && /^\d+$/.test(value)) timestamp = Number(value);
    // Only v1 counts: v0 and unknown schemes are ignored, so a downgrade cannot be forced.
    if (key === 'v1' && /^[0-9a-f]{64}$/.test(value)) v1.push(Buffer.from(value, 'hex'));
  }
  if (timestamp === undefined) throw new ValidationError('Stripe-Signature has no timestamp');
  if (v1.length === 0) throw new ValidationError('Stripe-Signature has no v1 signature');

  const body = typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody;
  let matched = false;
  // Every pair is compared, no early exit: the time taken says nothing about which byte or secret differed.
  for (const secret of secrets) {
    const expected = createHmac('sha256', secret).update(`${timestamp}.`, 'utf8').update(body).digest();
    for (const sig of v1) matched = timingSafeEqual(expected, sig) || matched;
  }
  if (!matched) throw new AuthError('webhook signature does not match any configured secret', { detail: { timestamp } });
  // Checked after the signature, as stripe-node does; future timestamps are accepted (clock skew).
  const age = Math.floor(now() / 1000) - timestamp;
  if (age > toleranceSeconds) throw new AuthError('webhook timestamp outside the tolerance zone', { detail: { timestamp, age_seconds: age, tolerance_seconds: toleranceSeconds } });

  let event: unknown;
  try {
    event = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new ValidationError('webhook body is not JSON', { cause: err });
  }
  if (!isEvent(event)) throw new ValidationError('webhook body is not a Stripe event');
  return event;
}

function isEvent(value: unknown): value is StripeEvent {
  const v = value as Partial<StripeEvent> | null;
  return typeof v === 'object' && v !== null && typeof v.id === 'string' && typeof v.type === 'string' && typeof v.data?.object?.id === 'string';
}

export interface EventRecord {
  stream: string;
  data: Record<string, unknown>;
  deleted: boolean;
}

/** The record an event stands for (its `data.object`, `deleted` for true deletions), or undefined for types not synced. */
export function eventToRecord(event: StripeEvent): EventRecord | undefined {
  const stream = streamOfEvent(event.type);
  if (!stream) return undefined;
  const deleted = stream.deletes.includes(event.type);
  return { stream: stream.name, data: deleted ? { ...event.data.object, deleted: true } : event.data.object, deleted };
}
