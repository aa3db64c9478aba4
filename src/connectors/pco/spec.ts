/**
 * The Planning Center People source's config, validated once before any request. Credentials are one of two kinds
 * (reference §3): a personal access token (`application_id` + `secret`, sent as HTTP Basic) or an OAuth access token
 * (Bearer). Secrets only ever go into the Authorization header or the webhook HMAC, never into errors, logs or keys.
 */
import { z } from 'zod';

/** The newest People version in the reference (§2); `X-PCO-API-Version` pins it on every request. */
export const LATEST_PEOPLE_VERSION = '2025-11-10';
/** Address `street` became `street_line_1` + `street_line_2` in this version (§2); older versions are still read. */
export const ADDRESS_LINES_SINCE = '2023-03-21';

export const PcoConfig = z
  .object({
    application_id: z.string().min(1).optional().describe('Personal access token: the application id (HTTP Basic user name). Give it with `secret`, or give `access_token` instead.'),
    secret: z.string().min(1).optional().meta({ secret: true, writeOnly: true }).describe('Personal access token: the secret (HTTP Basic password). Never logged or echoed.'),
    access_token: z.string().min(1).optional().meta({ secret: true, writeOnly: true }).describe('OAuth 2.0 access token, sent as Bearer. Never logged or echoed.'),
    base_url: z.url().default('https://api.planningcenteronline.com').describe('API origin (one host for every product), without a product path.'),
    api_version: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a dated People version such as 2025-11-10')
      .default(LATEST_PEOPLE_VERSION)
      .describe('The People API version sent as X-PCO-API-Version; without it PCO would answer as 2018-08-01.'),
    webhook_secrets: z
      .array(z.string().min(1))
      .min(1)
      .max(50)
      .optional()
      .meta({ secret: true, writeOnly: true })
      .describe('The authenticity_secret of each webhook subscription delivering here (PCO has one per event name). Required to receive webhooks. Secret.'),
    page_size: z.number().int().min(1).max(100).default(100).describe('Records per list request (PCO allows 1–100); the lower of this and what the engine asks for is used.'),
    timeout_ms: z.number().int().positive().default(30_000).describe('Per-request timeout, body included.'),
    max_retries: z.number().int().nonnegative().max(20).default(5).describe('Retries of one request on 429 (after Retry-After), 5xx and timeouts (with backoff) before the error is handed to the engine.'),
    retry_base_ms: z.number().int().positive().default(500).describe('First backoff delay after a 5xx or a timeout; doubles per retry, capped at 30 s.'),
    rate_limit: z
      .object({ requests: z.number().int().min(1).max(100_000), per_seconds: z.number().positive().max(86_400) })
      .optional()
      .describe('The limit all workers share for this connection; default PCO’s published 100 requests per 20 s. Set it only when PCO gave the account another limit.'),
  })
  .superRefine((config, ctx) => {
    const basic = config.application_id !== undefined || config.secret !== undefined;
    const bearer = config.access_token !== undefined;
    if (basic && bearer) ctx.addIssue({ code: 'custom', path: ['access_token'], message: 'give either application_id + secret or access_token, not both' });
    else if (!basic && !bearer) ctx.addIssue({ code: 'custom', path: ['access_token'], message: 'credentials are required: application_id + secret, or access_token' });
    else if (basic && config.application_id === undefined) ctx.addIssue({ code: 'custom', path: ['application_id'], message: 'application_id is required with secret' });
    else if (basic && config.secret === undefined) ctx.addIssue({ code: 'custom', path: ['secret'], message: 'secret is required with application_id' });
  });
export type PcoConfig = z.infer<typeof PcoConfig>;
