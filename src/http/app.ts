/**
 * The HTTP application: the jobs API, metrics, health, OpenAPI 3.1 at /openapi.json, docs at /docs and
 * the admin UI at /ui — with a request id on every response, one error shape, a body size limit, JSON
 * only, and the API token when one is configured.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { requestId } from 'hono/request-id';
import { secureHeaders } from 'hono/secure-headers';
import type { Db } from '../db/db.ts';
import type { JobStore } from '../jobs/store.ts';
import type { PipelineService } from '../sync/pipelines.ts';
import type { TwoWayService } from '../twoway/service.ts';
import { silentLogger, type Logger } from '../log.ts';
import { registerHealthRoute } from './api/health.ts';
import { registerJobRoutes } from './api/jobs.ts';
import { registerPipelineRoutes } from './api/pipelines.ts';
import { registerIssueRoutes } from './api/issues.ts';
import { registerMetricsRoute } from './api/metrics.ts';
import { registerDocs } from './docs.ts';
import type { AppEnv } from './env.ts';
import { errorResponse, onError, validationFailed } from './errors.ts';
import { auth } from './middleware/auth.ts';
import { jsonBodies } from './middleware/json-body.ts';
import { registerUi } from './ui/index.ts';
import { registerWebhookRoutes } from './webhooks.ts';
import { crossSiteReason } from './middleware/same-origin.ts';

export interface HttpAppOptions {
  db: Db;
  jobs: JobStore;
  /** Pipelines, runs and webhooks routes (API and UI) when given. */
  pipelines?: PipelineService | undefined;
  /** Two-way issue sync routes (API, webhooks and UI) when given. */
  twoway?: TwoWayService | undefined;
  /** The job types this deployment's workers run; enqueueing others is refused. */
  jobTypes: readonly string[];
  apiToken?: string | undefined;
  logger?: Logger;
  /** Largest accepted request body. Default 1 MiB. */
  bodyLimitBytes?: number;
  /** Extra routes (webhooks, pipelines…) registered before the not-found handler. */
  extend?: (app: OpenAPIHono<AppEnv>) => void;
}

export function createHttpApp(options: HttpAppOptions): OpenAPIHono<AppEnv> {
  const logger = options.logger ?? silentLogger;
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (!result.success) return validationFailed(c, result.error, result.target);
    },
  });

  app.use(requestId({ headerName: 'X-Request-ID' }));
  app.use(async function accessLog(c, next) {
    const started = performance.now();
    await next();
    if (logger.isLevelEnabled('debug') || c.res.status >= 500) {
      logger[c.res.status >= 500 ? 'error' : 'debug']({
        event: 'http.request',
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        duration_ms: Math.round((performance.now() - started) * 100) / 100,
        request_id: c.get('requestId'),
      });
    }
  });
  // HSTS belongs to whatever terminates TLS in front of us; on plain loopback http it only confuses.
  app.use(secureHeaders({ crossOriginEmbedderPolicy: false, strictTransportSecurity: false }));
  app.use(auth({ token: options.apiToken, open: ['/healthz', '/openapi.json', '/docs', '/ui/login', '/ui/static', '/webhooks'] }));
  const limit = options.bodyLimitBytes ?? 1024 * 1024;
  app.use(
    '/api/*',
    bodyLimit({
      maxSize: limit,
      onError: (c) => errorResponse(c, 413, 'payload_too_large', `request body is larger than ${limit} bytes`),
    }),
  );
  app.use('/api/*', jsonBodies());
  app.use('/api/*', async function apiSameOrigin(c, next) {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    const reason = crossSiteReason({ fetchSite: c.req.header('sec-fetch-site'), origin: c.req.header('origin') }, new URL(c.req.url).origin);
    if (reason) return errorResponse(c, 403, 'cross_site_request', `cross-site request refused (${reason})`);
    return next();
  });

  registerJobRoutes(app, { jobs: options.jobs, jobTypes: options.jobTypes });
  if (options.pipelines) registerPipelineRoutes(app, options.pipelines);
  registerMetricsRoute(app, options.jobs);
  registerHealthRoute(app, options.db);
  if (options.twoway) registerIssueRoutes(app, options.twoway);
  registerWebhookRoutes(app, { pipelines: options.pipelines, twoway: options.twoway }, limit);
  options.extend?.(app);
  registerUi(app, { jobs: options.jobs, jobTypes: options.jobTypes, apiToken: options.apiToken, pipelines: options.pipelines, twoway: options.twoway });
  registerDocs(app);
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'SyncBridge API', version: '0.1.0', description: 'Durable jobs: enqueue, inspect, cancel, retry, replay; metrics and health.' },
    security: options.apiToken ? [{ bearer: [] }] : [],
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  app.get('/', (c) => c.redirect('/ui', 302));

  app.notFound((c) => errorResponse(c, 404, 'not_found', `no route ${c.req.method} ${c.req.path}`));
  app.onError(onError(logger));
  return app;
}
