/**
 * A fake Planning Center People API (plus the Webhooks product's subscriptions) on loopback, for the PCO
 * connector's tests and the benchmark: real HTTP, PCO's auth, JSON:API documents, offset paging, `where`/`order`/
 * `include`, the rate limiter and its headers, error bodies and signed webhook deliveries, plus faults injected at
 * runtime from a seeded PRNG. Order per request: log → auth (401) → limiter (429) → injected fault → version (400) → route.
 */
import type { Context } from 'hono';
import { Hono } from 'hono';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { listen } from '../listen.ts';
import { Auth, type AppCredential, type TokenSpec } from './auth.ts';
import type { FakePcoEnv, PcoRequestLogEntry } from './context.ts';
import { createData, type Organization } from './data.ts';
import { notFound, PcoError, rateLimited, serverError } from './errors.ts';
import { Faults, type FaultKind, type FaultSettings } from './faults.ts';
import { Lister } from './list.ts';
import { createPrng } from '../prng.ts';
import type { TieBreak } from './query.ts';
import { PCO_RATE_LIMIT, RateLimiter, type RateLimitSettings } from './rate-limit.ts';
import { Renderer } from './render.ts';
import { registerPeopleRoutes } from './routes.ts';
import { PcoStore } from './store.ts';
import { LATEST_PEOPLE_VERSION, resolveVersion, type Product } from './versions.ts';
import { registerWebhookRoutes } from './webhook-routes.ts';
import { Webhooks } from './webhooks.ts';

export type { AppCredential, Caller, TokenSpec } from './auth.ts';
export { Auth } from './auth.ts';
export type { PcoRequestLogEntry } from './context.ts';
export type { PcoErrorObject } from './errors.ts';
export { PcoError } from './errors.ts';
export type { FaultDecision, FaultKind, FaultSettings, InjectableFault, ScriptedFault } from './faults.ts';
export { DEFAULT_FAULTS, Faults } from './faults.ts';
export { DEFAULT_PER_PAGE, MAX_PER_PAGE } from './pagination.ts';
export type { TieBreak } from './query.ts';
export type { RateDecision, RateLimitSettings } from './rate-limit.ts';
export { PCO_RATE_LIMIT, peakInWindow, RateLimiter } from './rate-limit.ts';
export type { JsonApiResource } from './render.ts';
export type { ResourceType } from './resources.ts';
export { EVENT_NAMES, RESOURCE_TYPES } from './resources.ts';
export type { SeedOptions, SeedResult } from './seed.ts';
export type { Input, MutationOptions, StoreEvent, StoreEventAction, Timestamps } from './store.ts';
export { PcoStore } from './store.ts';
export { formatTime } from './time.ts';
export { LATEST_PEOPLE_VERSION, PEOPLE_VERSIONS, WEBHOOKS_VERSIONS } from './versions.ts';
export type { FlushOptions, PendingDelivery, WebhookDelivery, WebhookSubscription } from './webhooks.ts';
export { computeAuthenticity, Webhooks } from './webhooks.ts';

/** PCO runs a request without `X-PCO-API-Version` (and no app default) as this version (reference §2). */
export const DEFAULT_API_VERSION = '2018-08-01';

export interface FakePcoOptions {
  /** Default 0: a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** The clock in epoch ms: timestamps, the limiter, token expiry and the request log. Freeze it for equal updated_at. */
  now?: () => number;
  /** Seeds secrets, delivery ids, shuffles and the fault PRNG (unless `faults.seed`). Default 1. */
  seed?: number;
  /** Default id 700001, name "Fake Church", time zone America/Los_Angeles (date-only `where` values are days there). */
  organization?: Partial<Pick<Organization, 'id' | 'name' | 'timeZone'>>;
  /** The application's default version per product when a request sends none; default 2018-08-01 for both. */
  defaultVersions?: Partial<Record<Product, string>>;
  /** The People version webhook payloads are rendered in; default the latest. */
  webhookVersion?: string;
  /** Accepted personal access tokens; default any non-empty id and secret. */
  apps?: AppCredential[];
  /** Accepted bearer tokens; default any non-empty token. */
  tokens?: (string | TokenSpec)[];
  /** The limiter; default PCO's published 100 per 20 s (75 above offset 30 000); null turns it off (no rate headers). */
  rateLimit?: Partial<RateLimitSettings> | null;
  /** Initial fault settings (all rates 0 by default). */
  faults?: Partial<FaultSettings>;
  /** 'second' (default) stores whole seconds; 'millisecond' keeps sub-second times that still render as seconds. */
  precision?: 'second' | 'millisecond';
  /** Whether a change to a person's address/email/phone bumps the person's updated_at too; default false (unverified). */
  touchPersonOnChildChange?: boolean;
  /** Order among rows equal on every `order` key: id ascending (default), id in the order's direction, or shuffled per request. */
  tieBreak?: TieBreak;
  /** An unknown `where[...]` key: ignored (default, reference §6) or a 400. */
  unknownWhere?: 'ignore' | 'error';
  /** Send webhook deliveries as events happen instead of queueing them for flush(); default false. */
  autoDeliverWebhooks?: boolean;
  /** How long the webhook sender waits for an endpoint; default 10 000 ms. */
  webhookTimeoutMs?: number;
}

export interface FakePco {
  /** `http://127.0.0.1:<port>`, no trailing slash: use it where a client would use https://api.planningcenteronline.com. */
  url: string;
  store: PcoStore;
  faults: Faults;
  rateLimit: RateLimiter;
  webhooks: Webhooks;
  auth: Auth;
  /** Every request in arrival order. */
  requests: PcoRequestLogEntry[];
  /** The fake's clock. */
  now: () => number;
  close(): Promise<void>;
}

const NGINX_502 = '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';
const HEADERS_OF_INTEREST = ['accept', 'content-type', 'user-agent', 'x-pco-api-version'];

/** Starts the fake on a real port. */
export async function startFakePco(options: FakePcoOptions = {}): Promise<FakePco> {
  const now = options.now ?? Date.now;
  const seed = options.seed ?? 1;
  const data = createData({
    id: options.organization?.id ?? '700001',
    name: options.organization?.name ?? 'Fake Church',
    timeZone: options.organization?.timeZone ?? 'America/Los_Angeles',
    createdAt: Math.floor(now() / 1000) * 1000 - 3 * 365 * 86_400_000,
  });
  let baseUrl = 'http://127.0.0.1';
  const renderer = new Renderer(data);
  const lister = new Lister(data, renderer, { now, unknownWhere: options.unknownWhere ?? 'ignore', tieBreak: options.tieBreak ?? 'id_asc', random: createPrng(seed ^ 0x5f1e) });
  const store = new PcoStore({
    data,
    renderer,
    lister,
    now,
    precision: options.precision ?? 'second',
    touchPersonOnChildChange: options.touchPersonOnChildChange ?? false,
    webhookVersion: options.webhookVersion ?? LATEST_PEOPLE_VERSION,
    baseUrl: () => baseUrl,
    random: createPrng(seed ^ 0x1d3a),
  });
  const webhooks = new Webhooks({ now, random: createPrng(seed ^ 0x3eb400), organizationId: data.org.id, store, autoDeliver: options.autoDeliverWebhooks ?? false, ...(options.webhookTimeoutMs ? { timeoutMs: options.webhookTimeoutMs } : {}) });
  const auth = new Auth(now, { ...(options.apps ? { apps: options.apps } : {}), ...(options.tokens ? { tokens: options.tokens } : {}) });
  const rateLimit = new RateLimiter(options.rateLimit === undefined ? {} : options.rateLimit);
  const faults = new Faults({ seed, ...options.faults });
  const defaults: Record<Product, string> = { people: DEFAULT_API_VERSION, webhooks: DEFAULT_API_VERSION, ...options.defaultVersions };
  const requests: PcoRequestLogEntry[] = [];
  const holds = new Set<() => void>();

  const app = new Hono<FakePcoEnv>();
  app.use(async (c, next) => {
    const url = new URL(c.req.url);
    const headers: Record<string, string> = {};
    for (const h of HEADERS_OF_INTEREST) {
      const v = c.req.header(h);
      if (v !== undefined) headers[h] = v;
    }
    const entry: PcoRequestLogEntry = {
      at: now(),
      method: c.req.method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      status: null,
      credential: null,
      auth_method: null,
      api_version: c.req.header('x-pco-api-version') ?? null,
      processed_as: null,
      rate: null,
      retry_after: null,
      headers,
    };
    requests.push(entry);
    c.set('entry', entry);
    const product: Product | null = url.pathname.startsWith('/webhooks/') ? 'webhooks' : url.pathname.startsWith('/people/') || url.pathname === '/people' ? 'people' : null;

    let caller;
    try {
      caller = auth.authenticate(c.req.header('authorization'), product);
    } catch (err) {
      return answer(c, entry, err as PcoError);
    }
    entry.credential = caller.id;
    entry.auth_method = caller.method;
    c.set('caller', caller);
    // Observed for personal access tokens; the OAuth value is a guess.
    c.header('X-PCO-API-Auth-Method', caller.method === 'basic' ? 'HTTPBasic' : 'OAuth2');

    // The fault is drawn before the limiter looks, so the PRNG sequence depends only on the request count.
    const decision = faults.decide(c.req.method, url.pathname);
    const offset = Number(url.searchParams.get('offset')) || 0;
    const rate = rateLimit.take(caller.id, offset, now());
    if (rate) {
      for (const [k, v] of Object.entries(rate.headers)) c.header(k, v);
      entry.rate = { count: rate.count, limit: rate.limit, period_seconds: rate.periodSeconds };
    }
    if (rate && !rate.allowed) return answer(c, entry, rateLimited(rate.count, rate.limit, rate.periodSeconds), 'rate_limiter', rate.retryAfter);
    if (decision?.kind === 'rate_limit') {
      const s = rate ?? { count: PCO_RATE_LIMIT.limit + 1, limit: PCO_RATE_LIMIT.limit, periodSeconds: PCO_RATE_LIMIT.periodSeconds };
      return answer(c, entry, rateLimited(Math.max(s.count, s.limit + 1), s.limit, s.periodSeconds), 'rate_limit', decision.retryAfterSeconds);
    }
    if (decision?.kind === 'server_error') {
      entry.fault = 'server_error';
      if (decision.status === 502) {
        // PCO sits behind nginx (Server header): a bad gateway is nginx's HTML page, not JSON (inferred).
        entry.status = 502;
        return c.body(NGINX_502, 502, { 'Content-Type': 'text/html' });
      }
      return answer(c, entry, serverError(decision.status ?? 500), 'server_error');
    }
    if (decision?.kind === 'timeout') {
      // Held, then dropped without a byte: the request never ran, the client's timeout decides what it saw.
      entry.fault = 'timeout';
      await hold(faults.settings.timeoutMs);
      c.env.incoming.socket.destroy();
      return alreadySent();
    }

    let version: string;
    try {
      version = resolveVersion(product ?? 'people', c.req.header('x-pco-api-version'), defaults[product ?? 'people']);
    } catch (err) {
      return answer(c, entry, err as PcoError);
    }
    c.set('version', version);
    entry.processed_as = version;
    c.header('X-PCO-API-Processed-As-Version', version);

    await next();
    entry.status = c.res.status;
    if (decision?.kind === 'truncate') {
      // The request ran; the answer announces its full length and stops halfway, then the socket closes.
      entry.fault = 'truncate';
      const res = c.res;
      const body = Buffer.from(await res.arrayBuffer());
      const out: Record<string, string> = {};
      res.headers.forEach((value, key) => (out[key] = value));
      out['content-length'] = String(body.length);
      const raw = c.env.outgoing;
      raw.writeHead(res.status, out);
      raw.write(body.subarray(0, Math.floor(body.length / 2)), () => raw.destroy());
      c.res = alreadySent();
    }
  });
  registerPeopleRoutes(app, store, () => baseUrl);
  registerWebhookRoutes(app, webhooks, () => baseUrl, data.org.id);
  app.notFound((c) => errorResponse(c, notFound()));
  app.onError((err, c) => {
    if (err instanceof PcoError) return errorResponse(c, err);
    // A bug in the fake must not look like a PCO outage in a test: say so on stderr.
    process.stderr.write(`fake PCO: unexpected error on ${c.req.method} ${c.req.path}: ${err.stack ?? String(err)}\n`);
    return errorResponse(c, serverError(500));
  });

  /** An error answer from the middleware, logged, with Retry-After on a 429. */
  function answer(c: Context<FakePcoEnv>, entry: PcoRequestLogEntry, err: PcoError, fault?: FaultKind, retryAfter?: number): Response {
    if (fault) entry.fault = fault;
    if (err.status === 429 && retryAfter !== undefined) {
      c.header('Retry-After', String(retryAfter));
      entry.retry_after = retryAfter;
    }
    entry.status = err.status;
    return errorResponse(c, err);
  }

  function hold(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const release = () => {
        clearTimeout(timer);
        holds.delete(release);
        resolve();
      };
      const timer = setTimeout(release, ms);
      holds.add(release);
    });
  }

  let closing: Promise<void> | undefined;
  const listening = await listen(app, options.port ?? 0, options.host ?? '127.0.0.1');
  baseUrl = listening.url;
  return {
    url: listening.url,
    store,
    faults,
    rateLimit,
    webhooks,
    auth,
    requests,
    now,
    close() {
      // Idempotent: a test may close early and its afterEach again.
      closing ??= (async () => {
        // Held requests are released (and dropped) at once, so close() does not wait out a timeout fault.
        for (const release of [...holds]) release();
        await webhooks.close();
        await listening.close();
      })();
      return closing;
    },
  };
}

/** Error bodies are plain JSON, not JSON:API's media type (observed). */
function errorResponse(c: Context<FakePcoEnv>, err: PcoError): Response {
  return c.body(JSON.stringify(err.body), err.status as 400, { 'Content-Type': 'application/json; charset=utf-8' });
}

/** Tells @hono/node-server the response was written by hand; a fresh copy, never the shared instance. */
function alreadySent(): Response {
  return new Response(null, RESPONSE_ALREADY_SENT);
}
