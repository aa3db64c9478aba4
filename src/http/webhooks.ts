/**
 * Webhook receivers: `POST /webhooks/pipelines/{ref}` and, for two-way issue sync,
 * `POST /webhooks/{provider}/{connection_id}`. No API token here — the provider cannot send
 * one; the source's signature check on the raw body is the authentication. The delivery and the job
 * that applies it commit before the 200 (invariant 1); a redelivery answers 200 with `duplicate: true`
 * and changes nothing (invariant 4). A bad signature is 401 and stores nothing.
 */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import type { PipelineService } from '../sync/pipelines.ts';
import type { TwoWayService } from '../twoway/service.ts';
import type { AppEnv } from './env.ts';
import { errorResponse } from './errors.ts';
import { ErrorSchema } from './api/schemas.ts';

const json = <T>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });

const Received = z
  .object({
    received: z.literal(true),
    duplicate: z.boolean().describe('True when this event had been received before: nothing new was stored.'),
    delivery_id: z.number().int().describe('Our id of the stored delivery.'),
    event_id: z.string().describe('The provider’s id of the event.'),
    job_id: z.number().int().nullable().describe('The job that applies it.'),
  })
  .openapi('WebhookReceived');

const receive = createRoute({
  method: 'post',
  path: '/webhooks/pipelines/{ref}',
  tags: ['webhooks'],
  summary: 'Receive a webhook for a pipeline (e.g. Stripe events), verified by the pipeline’s source',
  request: { params: z.object({ ref: z.string().min(1).max(200).describe('Pipeline id or name') }) },
  responses: {
    200: json(Received, 'Stored (or already stored) and queued for processing'),
    401: json(ErrorSchema, 'Signature does not match, or the timestamp is outside the tolerance'),
    404: json(ErrorSchema, 'No such pipeline'),
    413: json(ErrorSchema, 'Body too large'),
    422: json(ErrorSchema, 'Malformed delivery, or the pipeline’s source takes no webhooks'),
  },
});

const receiveIssue = createRoute({
  method: 'post',
  path: '/webhooks/{provider}/{connection_id}',
  tags: ['webhooks'],
  summary: 'Receive an issue webhook from GitHub, Gitea or GitLab for a two-way connection',
  description:
    'Verified on the raw body in constant time with the connection’s webhook secret (GitHub `X-Hub-Signature-256`, Gitea `X-Gitea-Signature`, GitLab `X-Gitlab-Token`). A missing or bad signature is refused with 401, stores nothing and is counted on the connection. A delivery id seen before answers 200 with `duplicate: true`.',
  request: {
    params: z.object({
      provider: z.enum(['github', 'gitea', 'gitlab']).describe('The connection’s provider'),
      connection_id: z.string().regex(/^\d{1,15}$/, 'a connection id (digits)').describe('The connection id'),
    }),
  },
  responses: {
    200: json(Received, 'Stored (or already stored) and queued for processing'),
    401: json(ErrorSchema, 'Signature missing or wrong'),
    404: json(ErrorSchema, 'No such connection for this provider'),
    413: json(ErrorSchema, 'Body too large'),
    422: json(ErrorSchema, 'Malformed delivery'),
  },
});

const headersOf = (raw: Record<string, string>) => Object.fromEntries(Object.entries(raw).map(([k, v]) => [k.toLowerCase(), v]));

export function registerWebhookRoutes(app: OpenAPIHono<AppEnv>, services: { pipelines?: PipelineService | undefined; twoway?: TwoWayService | undefined }, limitBytes: number): void {
  app.use(
    '/webhooks/*',
    bodyLimit({ maxSize: limitBytes, onError: (c) => errorResponse(c, 413, 'payload_too_large', `request body is larger than ${limitBytes} bytes`) }),
  );
  const { pipelines, twoway } = services;
  if (pipelines) {
    app.openapi(receive, async (c) => {
      // The exact bytes: the signature covers them, and a parsed-and-reserialised body would not match.
      const body = Buffer.from(await c.req.arrayBuffer());
      const { delivery, duplicate } = await pipelines.receiveWebhook(c.req.valid('param').ref, body, headersOf(c.req.header()));
      return c.json({ received: true as const, duplicate, delivery_id: delivery.id, event_id: delivery.delivery_id, job_id: delivery.job_id }, 200);
    });
  }
  if (twoway) {
    app.openapi(receiveIssue, async (c) => {
      const { provider, connection_id } = c.req.valid('param');
      const body = Buffer.from(await c.req.arrayBuffer());
      const { delivery, duplicate } = await twoway.receiveWebhook(provider, connection_id, { headers: headersOf(c.req.header()), body });
      return c.json({ received: true as const, duplicate, delivery_id: delivery.id, event_id: delivery.delivery_id, job_id: delivery.job_id }, 200);
    });
  }
}
