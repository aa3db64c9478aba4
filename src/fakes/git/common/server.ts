/**
 * The request pipeline the three git fakes share, each provider filling in its own answers ("dialect"). Order per
 * request: log → provider precheck (GitHub's User-Agent and API version) → authentication (the provider's 401) →
 * the fault draw → the limiter (the provider's 403/429) → an injected fault → the route. An answer the provider
 * calls free (GitHub's 304) hands its request back to the limiter. Also starts and stops the server on loopback.
 */
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { Hono } from 'hono';
import { listen } from '../../listen.ts';
import type { Faults } from './faults.ts';
import { ApiError, errorResponse, type Caller, type GitContext, type GitEnv, type GitRequestLogEntry } from './http.ts';
import type { RateLimiter, RateState } from './rate-limit.ts';

export interface Dialect {
  /** A human name for stderr ("fake GitHub"). */
  name: string;
  /** An answer before authentication, or null to go on. */
  precheck?(c: GitContext): Response | null;
  /** The caller, or the provider's 401 thrown as an ApiError. */
  authenticate(c: GitContext): Caller;
  /** Headers the limiter's state adds to every answer (none for Gitea). */
  rateHeaders(state: RateState): Record<string, string>;
  /** The limiter's refusal. */
  rateLimited(state: RateState, caller: Caller): ApiError;
  /** An injected rate limit (GitHub's secondary limit, a 429 elsewhere). */
  injectedRateLimit(retryAfterSeconds: number): ApiError;
  serverError(status: number): ApiError;
  notFound(): ApiError;
  /** Whether the answer just made does not count against the limit (GitHub: a 304, `GET /rate_limit`). */
  free?(c: GitContext): boolean;
}

export interface PipelineOptions {
  dialect: Dialect;
  limiter: RateLimiter;
  faults: Faults;
  now: () => number;
  requests: GitRequestLogEntry[];
  /** Registers the provider's routes on the app after the shared middleware. */
  routes(app: Hono<GitEnv>): void;
}

export interface Pipeline {
  app: Hono<GitEnv>;
  /** Releases requests held by a timeout fault (they are dropped at once). */
  releaseHolds(): void;
}

const HEADERS_OF_INTEREST = ['accept', 'content-type', 'user-agent', 'if-none-match', 'if-modified-since', 'x-github-api-version'];

export function buildPipeline(opts: PipelineOptions): Pipeline {
  const { dialect, limiter, faults, now, requests } = opts;
  const holds = new Set<() => void>();
  const app = new Hono<GitEnv>();

  app.use(async (c, next) => {
    const url = new URL(c.req.url);
    const headers: Record<string, string> = {};
    for (const h of HEADERS_OF_INTEREST) {
      const v = c.req.header(h);
      if (v !== undefined) headers[h] = v;
    }
    const entry: GitRequestLogEntry = { at: now(), method: c.req.method, path: url.pathname, query: Object.fromEntries(url.searchParams), status: null, token: null, login: null, rate: null, headers };
    requests.push(entry);
    c.set('entry', entry);
    const answer = (err: ApiError, fault?: GitRequestLogEntry['fault']): Response => {
      if (fault) entry.fault = fault;
      entry.status = err.status;
      return errorResponse(c, err);
    };

    const early = dialect.precheck?.(c);
    if (early) {
      entry.status = early.status;
      return early;
    }
    let caller: Caller;
    try {
      caller = dialect.authenticate(c);
    } catch (err) {
      if (err instanceof ApiError) return answer(err);
      throw err;
    }
    entry.token = caller.token;
    entry.login = caller.login;
    c.set('caller', caller);

    // The fault is drawn before the limiter looks, so the PRNG sequence depends only on the request count.
    const decision = faults.decide(c.req.method, url.pathname);
    const rate = limiter.take(caller.token, now());
    const setRate = (state: RateState | null) => {
      if (!state) return;
      entry.rate = { limit: state.limit, used: state.used, remaining: state.remaining, reset_at: state.resetAt };
      for (const [k, v] of Object.entries(dialect.rateHeaders(state))) c.header(k, v);
    };
    setRate(rate);
    if (rate && !rate.allowed) return answer(dialect.rateLimited(rate, caller), 'rate_limiter');
    if (decision?.kind === 'rate_limit') return answer(dialect.injectedRateLimit(decision.retryAfterSeconds ?? faults.settings.retryAfterSeconds), 'rate_limit');
    if (decision?.kind === 'server_error') return answer(dialect.serverError(decision.status ?? 500), 'server_error');
    if (decision?.kind === 'timeout') {
      // Held, then dropped without a byte: the request never ran, the client's timeout decides what it saw.
      entry.fault = 'timeout';
      await hold(faults.settings.timeoutMs);
      c.env.incoming.socket.destroy();
      return new Response(null, RESPONSE_ALREADY_SENT);
    }

    await next();
    if (rate && dialect.free?.(c)) {
      const after = limiter.refund(caller.token, now());
      if (after) {
        entry.rate = { limit: after.limit, used: after.used, remaining: after.remaining, reset_at: after.resetAt };
        for (const [k, v] of Object.entries(dialect.rateHeaders(after))) c.res.headers.set(k, v);
      }
    }
    entry.status = c.res.status;
  });
  opts.routes(app);
  app.notFound((c) => errorResponse(c, dialect.notFound()));
  app.onError((err, c) => {
    const entry = c.get('entry');
    if (err instanceof ApiError) {
      if (entry) entry.status = err.status;
      return errorResponse(c, err);
    }
    // A bug in the fake must not look like a provider outage in a test: say so on stderr.
    process.stderr.write(`${dialect.name}: unexpected error on ${c.req.method} ${c.req.path}: ${(err as Error).stack ?? String(err)}\n`);
    const e = dialect.serverError(500);
    if (entry) entry.status = e.status;
    return errorResponse(c, e);
  });

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

  return {
    app,
    releaseHolds() {
      for (const release of [...holds]) release();
    },
  };
}

export interface Served {
  url: string;
  close(): Promise<void>;
}

/** Listens on loopback; close() releases held requests, stops the webhook sender, then the server (idempotent). */
export async function serve(pipeline: Pipeline, options: { port?: number; host?: string; beforeClose?: () => Promise<void> }): Promise<Served> {
  const listening = await listen(pipeline.app, options.port ?? 0, options.host ?? '127.0.0.1');
  let closing: Promise<void> | undefined;
  return {
    url: listening.url,
    close() {
      closing ??= (async () => {
        pipeline.releaseHolds();
        await options.beforeClose?.();
        await listening.close();
      })();
      return closing;
    },
  };
}
