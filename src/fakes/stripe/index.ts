/**
 * A fake Stripe v1 API on loopback for the Stripe connector's tests and the benchmark: real HTTP, Stripe's auth,
 * headers, lists, events, webhooks and error bodies, plus faults injected at runtime from a seeded PRNG.
 * Order per request, as on Stripe: log → auth (401) → rate limiter (429) → injected fault → the route.
 */
import type { Context } from 'hono';
import { Hono } from 'hono';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { listen } from '../listen.ts';
import type { FakeStripeEnv, StripeRequestLogEntry } from './context.ts';
import { apiError, authenticationError, lockTimeoutError, rateLimitError, type StripeError } from './errors.ts';
import { EventLog } from './events.ts';
import { Faults, type FaultSettings } from './faults.ts';
import { IdempotencyKeys } from './idempotency.ts';
import { IdMint } from './ids.ts';
import { RateLimiter, type RateLimitSettings } from './rate-limit.ts';
import { registerRoutes } from './routes.ts';
import { StripeStore } from './store.ts';
import { Webhooks } from './webhooks.ts';

export type { StripeRequestLogEntry } from './context.ts';
export type { StripeErrorBody } from './errors.ts';
export { StripeError } from './errors.ts';
export type { RequestRef, StripeEvent } from './events.ts';
export { EVENT_RETENTION_SECONDS } from './events.ts';
export type { FaultDecision, FaultKind, FaultSettings, ScriptedFault } from './faults.ts';
export { DEFAULT_FAULTS, Faults } from './faults.ts';
export type { DeletedStub, StripeObject } from './objects.ts';
export type { ListEnvelope } from './pagination.ts';
export type { RateLimitSettings } from './rate-limit.ts';
export { STRIPE_LIVE_MODE_RATE_LIMIT, STRIPE_TEST_MODE_RATE_LIMIT } from './rate-limit.ts';
export type { ResourceName } from './resources.ts';
export { RESOURCE_NAMES } from './resources.ts';
export type { SeedCounts, SeedOptions, SeedResult } from './seed.ts';
export type { MutationOptions } from './store.ts';
export { StripeStore } from './store.ts';
export type { FlushOptions, WebhookDelivery, WebhookEndpoint } from './webhooks.ts';
export { computeSignature, signatureHeader, Webhooks } from './webhooks.ts';

/** The version events are rendered in and answered when a request sends none: the fixtures' era (stripe-node 22.5.0). */
export const DEFAULT_API_VERSION = '2026-07-29.dahlia';

export interface FakeStripeOptions {
  /** Default 0: a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** The clock in epoch milliseconds, for `created`, the 30-day event window, the limiter and the request log. */
  now?: () => number;
  /** Seeds ids, the fault PRNG (unless `faults.seed` is given) and webhook shuffling. Default 1. */
  seed?: number;
  /** The account's default API version. */
  apiVersion?: string;
  /** Accepted secret keys; default any `sk_test_…`/`rk_test_…` key. */
  apiKeys?: string[];
  /** Initial fault settings (all rates 0 by default). */
  faults?: Partial<FaultSettings>;
  /** Shorthand for `faults.rateLimit`; off by default (see faults.ts). */
  rateLimit?: RateLimitSettings | null;
  /** Status for an unknown `starting_after`/`ending_before` id; reference §4 leaves it unverified. Default 400. */
  unknownCursorStatus?: 400 | 404;
  /** How long the webhook sender waits for an endpoint; default 10 000 ms. */
  webhookTimeoutMs?: number;
}

export interface FakeStripe {
  /** `http://127.0.0.1:<port>`, no trailing slash; point stripe-node at it with host/port/protocol. */
  url: string;
  store: StripeStore;
  /** Every request in arrival order. */
  requests: StripeRequestLogEntry[];
  faults: Faults;
  webhooks: Webhooks;
  close(): Promise<void>;
}

const TEST_KEY = /^(sk|rk)_test_[A-Za-z0-9_]+$/;

/** Starts the fake on a real port. */
export async function startFakeStripe(options: FakeStripeOptions = {}): Promise<FakeStripe> {
  const now = options.now ?? Date.now;
  const seed = options.seed ?? 1;
  const apiVersion = options.apiVersion ?? DEFAULT_API_VERSION;
  const cursorStatus = options.unknownCursorStatus ?? 400;
  const ids = new IdMint(seed);
  const requestIds = new IdMint(seed ^ 0x7e9);
  const events = new EventLog({ now, ids, apiVersion, cursorStatus });
  const store = new StripeStore({ now, ids, events, cursorStatus });
  const webhooks = new Webhooks({ now, events, ids, seed, ...(options.webhookTimeoutMs ? { timeoutMs: options.webhookTimeoutMs } : {}) });
  const limiter = new RateLimiter();
  let limiterSettings = 'null';
  const faults = new Faults(
    { seed, ...(options.rateLimit !== undefined ? { rateLimit: options.rateLimit } : {}), ...options.faults },
    (settings) => {
      // Only a change of the limiter's own settings refills its buckets.
      const next = JSON.stringify(settings.rateLimit);
      if (next !== limiterSettings) limiter.configure(settings.rateLimit);
      limiterSettings = next;
    },
  );
  const idempotency = new IdempotencyKeys();
  const requests: StripeRequestLogEntry[] = [];
  const holds = new Set<() => void>();

  const app = new Hono<FakeStripeEnv>();
  app.use(async (c, next) => {
    const url = new URL(c.req.url);
    const requestId = requestIds.next('req_', 'short');
    const idempotencyKey = c.req.header('idempotency-key') ?? null;
    const stripeVersion = c.req.header('stripe-version') ?? null;
    const entry: StripeRequestLogEntry = {
      at: now(),
      method: c.req.method,
      path: url.pathname,
      query: queryRecord(url.searchParams),
      status: null,
      request_id: requestId,
      api_key: null,
      stripe_version: stripeVersion,
      stripe_account: c.req.header('stripe-account') ?? null,
      idempotency_key: idempotencyKey,
      replayed: false,
    };
    requests.push(entry);
    c.set('entry', entry);
    c.set('request', { id: requestId, idempotency_key: idempotencyKey });
    c.header('Request-Id', requestId);
    if (idempotencyKey) c.header('Idempotency-Key', idempotencyKey);
    // Echoed as a real capture shows (unverified in general, reference §1): the pinned version, else the default.
    c.header('Stripe-Version', stripeVersion ?? apiVersion);

    const presented = apiKeyOf(c.req.header('authorization'));
    if (presented === null || !(options.apiKeys ? options.apiKeys.includes(presented) : TEST_KEY.test(presented))) {
      return answer(c, entry, authenticationError(presented));
    }
    entry.api_key = presented;
    c.set('apiKey', presented);

    // The fault is drawn before the limiter looks, so the PRNG sequence depends only on the request count.
    const decision = faults.decide(c.req.method, url.pathname);
    if (!limiter.take(presented, c.req.method, now())) return answer(c, entry, rateLimitError(), 'rate_limiter');
    if (decision?.kind === 'rate_limit') return answer(c, entry, rateLimitError(), 'rate_limit');
    if (decision?.kind === 'lock_timeout') return answer(c, entry, lockTimeoutError(), 'lock_timeout');
    if (decision?.kind === 'server_error') return answer(c, entry, apiError(decision.status ?? 500), 'server_error');
    if (decision?.kind === 'timeout') {
      // Held, then dropped without a byte: the request never ran, the client's timeout decides what it saw.
      entry.fault = 'timeout';
      await hold(faults.settings.timeoutMs);
      c.env.incoming.socket.destroy();
      return alreadySent();
    }
    await next();
    entry.status = c.res.status;
    if (decision?.kind === 'truncate') {
      // The request ran; the answer announces its full length and stops halfway, then the socket closes.
      entry.fault = 'truncate';
      const res = c.res;
      const body = Buffer.from(await res.arrayBuffer());
      const headers: Record<string, string> = {};
      res.headers.forEach((value, key) => (headers[key] = value));
      headers['content-length'] = String(body.length);
      const out = c.env.outgoing;
      out.writeHead(res.status, headers);
      out.write(body.subarray(0, Math.floor(body.length / 2)), () => out.destroy());
      c.res = alreadySent();
    }
  });
  registerRoutes(app, store, idempotency);

  /** A Stripe error as the response, with the rate-limit headers the settings ask for. */
  function answer(c: Context<FakeStripeEnv>, entry: StripeRequestLogEntry, err: StripeError, fault?: StripeRequestLogEntry['fault']): Response {
    const s = faults.settings;
    if (fault) entry.fault = fault;
    if (err.status === 429 && s.retryAfterHeader) c.header('Retry-After', String(s.retryAfterSeconds));
    if (fault && s.shouldRetry !== null) c.header('Stripe-Should-Retry', String(s.shouldRetry));
    entry.status = err.status;
    return c.json({ error: err.body }, err.status as 400);
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
  return {
    url: listening.url,
    store,
    requests,
    faults,
    webhooks,
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

/** Tells @hono/node-server the response was written by hand; a fresh copy, never the shared instance. */
function alreadySent(): Response {
  return new Response(null, RESPONSE_ALREADY_SENT);
}

/** `Bearer sk_…`, or HTTP Basic with the key as username and an empty password (reference §1). */
function apiKeyOf(header: string | undefined): string | null {
  if (!header) return null;
  const [scheme, value = ''] = header.trim().split(/\s+/, 2);
  if (scheme?.toLowerCase() === 'bearer') return value || null;
  if (scheme?.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const user = decoded.split(':')[0] ?? '';
    return user || null;
  }
  return null;
}

function queryRecord(search: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of search) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}
