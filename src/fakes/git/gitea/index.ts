/**
 * A fake Gitea API v1 for issues on loopback (reference: /work/shared/reference/apis/gitea.md): real HTTP under
 * `/api/v1`, `Authorization: token|bearer` (or `?token=`/`?access_token=`), issues and pull requests sharing numbers,
 * `page`/`limit` paging with `X-Total-Count` and Gitea's comma-joined Link header, RFC 3339 timestamps in the
 * server's offset, no rate limiting of its own (a limit can be switched on to play a reverse proxy: 429 +
 * Retry-After, no rate headers), no ETags, injected faults, and pretty-printed webhooks signed in
 * `X-Gitea-Signature` with lost, duplicated and reordered deliveries on demand.
 */
import { Faults, type FaultSettings } from '../common/faults.ts';
import type { GitRequestLogEntry } from '../common/http.ts';
import { RateLimiter, type RateLimitSettings } from '../common/rate-limit.ts';
import { buildPipeline, serve, type Dialect } from '../common/server.ts';
import { IssueStore } from '../common/store.ts';
import { authorizationValue, Tokens, type TokenSpec } from '../common/tokens.ts';
import { GiteaErrors } from './errors.ts';
import type { RenderContext } from './render.ts';
import { registerRoutes } from './routes.ts';
import { GiteaWebhooks } from './webhooks.ts';

export type { FaultDecision, FaultKind, FaultSettings, ScriptedFault } from '../common/faults.ts';
export { DEFAULT_FAULTS, Faults } from '../common/faults.ts';
export type { Caller, GitRequestLogEntry } from '../common/http.ts';
export type { RateLimitSettings, RateState } from '../common/rate-limit.ts';
export { RateLimiter } from '../common/rate-limit.ts';
export type { Issue, IssueChange, IssueInput, IssuePatch, Label, Repo, User } from '../common/store.ts';
export { IssueStore } from '../common/store.ts';
export type { TokenSpec } from '../common/tokens.ts';
export type { DeliveryRecord, FlushOptions, Hook, HookSpec, PendingDelivery } from '../common/webhook-queue.ts';
export { DEFAULT_PAGING_NUM, MAX_RESPONSE_ITEMS } from './list.ts';
export { GiteaWebhooks, giteaSignature, goJsonIndent } from './webhooks.ts';

export interface FakeGiteaOptions {
  /** Default 0: a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  now?: () => number;
  /** Seeds delivery ids, shuffles and the fault PRNG (unless `faults.seed`). Default 1. */
  seed?: number;
  /** Repositories made at start, `owner/name`; default `["example/example"]` (the fixtures'). */
  repos?: string[];
  /** Accepted tokens; default any non-empty token. */
  tokens?: TokenSpec[];
  /** The user behind tokens without a login of their own; default `example`. */
  defaultLogin?: string;
  /** The server's UTC offset in minutes for every timestamp; default 540 (`+09:00`, as in the fixtures). */
  utcOffsetMinutes?: number;
  /** Accept `?token=`/`?access_token=` (deprecated in Gitea); default true. */
  queryTokens?: boolean;
  /** A reverse proxy's limit per token (Gitea has none, reference §5); default null: off. */
  rateLimit?: Partial<RateLimitSettings> | null;
  faults?: Partial<FaultSettings>;
  autoDeliverWebhooks?: boolean;
  /** Gitea's DELIVER_TIMEOUT; default 5 000 ms. */
  webhookTimeoutMs?: number;
}

export interface FakeGitea {
  /** `http://127.0.0.1:<port>`, no trailing slash; the API is under `/api/v1`. */
  url: string;
  store: IssueStore;
  faults: Faults;
  rateLimit: RateLimiter;
  webhooks: GiteaWebhooks;
  tokens: Tokens;
  requests: GitRequestLogEntry[];
  now: () => number;
  close(): Promise<void>;
}

/** A proxy limit's defaults when one is switched on without all settings. */
export const PROXY_RATE_LIMIT: RateLimitSettings = { limit: 600, windowSeconds: 60, align: 'epoch', countRefused: true };

export async function startFakeGitea(options: FakeGiteaOptions = {}): Promise<FakeGitea> {
  const now = options.now ?? Date.now;
  const seed = options.seed ?? 1;
  const defaultLogin = options.defaultLogin ?? 'example';
  const store = new IssueStore({ now, defaultActor: defaultLogin });
  for (const key of options.repos ?? ['example/example']) store.createRepo(key);
  let ctx: RenderContext = { store, root: 'http://127.0.0.1/', offsetMinutes: options.utcOffsetMinutes ?? 540 };
  const errors = new GiteaErrors(() => ctx.root);
  const webhooks = new GiteaWebhooks({ now, seed, store, ctx: () => ctx, autoDeliver: options.autoDeliverWebhooks ?? false, timeoutMs: options.webhookTimeoutMs ?? 5_000 });
  const tokens = new Tokens(options.tokens, defaultLogin);
  const rateLimit = new RateLimiter(options.rateLimit ? { ...PROXY_RATE_LIMIT, ...options.rateLimit } : null, PROXY_RATE_LIMIT);
  const faults = new Faults({ seed, ...options.faults });
  const requests: GitRequestLogEntry[] = [];

  const dialect: Dialect = {
    name: 'fake Gitea',
    authenticate(c) {
      let token = authorizationValue(c.req.header('authorization'), ['token', 'bearer']);
      if (token === null && (options.queryTokens ?? true)) token = c.req.query('token') ?? c.req.query('access_token') ?? null;
      const caller = tokens.resolve(token);
      if (!caller) throw errors.unauthorized();
      return caller;
    },
    // A proxy adds no rate headers; only its refusal says anything.
    rateHeaders: () => ({}),
    rateLimited: (state) => errors.proxyRateLimited(state.retryAfter),
    injectedRateLimit: (retryAfter) => errors.proxyRateLimited(retryAfter),
    serverError: (status) => errors.serverError(status),
    notFound: () => errors.notFound(),
  };
  const pipeline = buildPipeline({ dialect, limiter: rateLimit, faults, now, requests, routes: (app) => registerRoutes(app, { store, webhooks, errors, ctx: () => ctx }) });
  const served = await serve(pipeline, { ...(options.port !== undefined ? { port: options.port } : {}), ...(options.host ? { host: options.host } : {}), beforeClose: () => webhooks.close() });
  ctx = { ...ctx, root: `${served.url}/` };
  return { url: served.url, store, faults, rateLimit, webhooks, tokens, requests, now, close: served.close };
}
