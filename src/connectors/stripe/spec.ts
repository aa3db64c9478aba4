/**
 * The Stripe source's config, validated once by defineSource before any method runs. `api_key` is a
 * secret: it only ever goes into the Authorization header, never into a message, log or error detail.
 */
import { z } from 'zod';
import { STREAM_NAMES } from './streams.ts';

export const BACKFILL_WINDOWS = ['year', 'month', 'week', 'day'] as const;
export type BackfillWindow = (typeof BACKFILL_WINDOWS)[number];

export const StripeConfig = z.object({
  api_key: z
    .string()
    .regex(/^(sk|rk)_(test|live)_[A-Za-z0-9_]+$/, 'must be a secret or restricted key (sk_… or rk_…)')
    .meta({ secret: true, writeOnly: true })
    .describe('Stripe secret or restricted API key. Never logged or echoed.'),
  api_version: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$/, 'must look like 2026-07-29.dahlia')
    .describe('The Stripe-Version pinned on every request, e.g. "2026-07-29.dahlia".'),
  base_url: z.url().default('https://api.stripe.com').describe('API origin, without a trailing /v1.'),
  streams: z.array(z.enum(STREAM_NAMES)).min(1).optional().describe('Streams discover offers; default all.'),
  backfill_start: z.iso.datetime().optional().describe('Backfills read only objects created at or after this time.'),
  backfill_window: z
    .enum(BACKFILL_WINDOWS)
    .default('month')
    .describe('Backfills read newest-first in `created` windows of one calendar year, month, week (from Monday) or day, UTC; a state records the window.'),
  page_size: z.number().int().min(1).max(100).default(100).describe('Objects per list request (Stripe allows 1–100).'),
  // Stripe's test mode allows 25 reads/s per account; 20 leaves room for other clients of the same key.
  requests_per_second: z.number().positive().max(10_000).default(20).describe('Proactive cap on requests per rolling second, per API key.'),
  webhook_secrets: z
    .array(z.string().regex(/^whsec_[A-Za-z0-9_]+$/, 'must be an endpoint signing secret (whsec_…)'))
    .min(1)
    .max(10)
    .optional()
    .meta({ secret: true, writeOnly: true })
    .describe('Signing secrets of the webhook endpoint (more than one while rolling a secret). Required to receive webhooks. Secret.'),
  webhook_tolerance_seconds: z
    .number()
    .int()
    .positive()
    .max(86_400)
    .default(300)
    .describe('Deliveries whose signed timestamp is older than this are refused (replay protection).'),
  timeout_ms: z.number().int().positive().default(30_000).describe('Per-request timeout.'),
  max_retries: z.number().int().nonnegative().max(20).default(8).describe('Retries of one request on 429/5xx/timeouts before failing.'),
  retry_base_ms: z.number().int().positive().default(500).describe('First backoff delay when Stripe gives no Retry-After; doubles per retry.'),
});
export type StripeConfig = z.infer<typeof StripeConfig>;
