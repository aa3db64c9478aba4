/**
 * A fake GitLab REST API v4 for issues on loopback (reference: /work/shared/reference/apis/gitlab.md): real HTTP
 * under `/api/v4`, `PRIVATE-TOKEN` or `Authorization: Bearer` (or `?private_token=`/`?access_token=`), projects by id
 * or encoded path, issues by `iid`, offset paging with the `X-*` headers and Link, `RateLimit-*` headers on every
 * answer and Rack::Attack's plain-text 429 with `Retry-After` and `RateLimit-ResetTime`, weak ETags (If-None-Match is
 * ignored, as GitLab's API does), injected faults, and Issue Hooks carrying `X-Gitlab-Token` with lost, duplicated
 * and reordered deliveries on demand.
 */
import { Faults, type FaultSettings } from '../common/faults.ts';
import type { GitRequestLogEntry } from '../common/http.ts';
import { RateLimiter, type RateLimitSettings, type RateState } from '../common/rate-limit.ts';
import { buildPipeline, serve, type Dialect } from '../common/server.ts';
import { IssueStore } from '../common/store.ts';
import { httpDate } from '../common/time.ts';
import { authorizationValue, Tokens, type TokenSpec } from '../common/tokens.ts';
import * as errors from './errors.ts';
import type { RenderContext } from './render.ts';
import { registerRoutes } from './routes.ts';
import { GitLabWebhooks } from './webhooks.ts';

export type { FaultDecision, FaultKind, FaultSettings, ScriptedFault } from '../common/faults.ts';
export { DEFAULT_FAULTS, Faults } from '../common/faults.ts';
export type { Caller, GitRequestLogEntry } from '../common/http.ts';
export type { RateLimitSettings, RateState } from '../common/rate-limit.ts';
export { RateLimiter } from '../common/rate-limit.ts';
export type { Issue, IssueChange, IssueInput, IssuePatch, Label, Repo, User } from '../common/store.ts';
export { IssueStore } from '../common/store.ts';
export type { TokenSpec } from '../common/tokens.ts';
export type { DeliveryRecord, FlushOptions, Hook, HookSpec, PendingDelivery } from '../common/webhook-queue.ts';
export { COUNT_LIMIT, DEFAULT_PER_PAGE, MAX_PER_PAGE } from './list.ts';
export { GITLAB_VERSION, GitLabWebhooks } from './webhooks.ts';

/** GitLab.com's authenticated API limit (reference §5): 2,000 per minute per user, windows on the minute. */
export const GITLAB_RATE_LIMIT: RateLimitSettings = { limit: 2000, windowSeconds: 60, align: 'epoch', countRefused: true };

export interface FakeGitLabOptions {
  /** Default 0: a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  now?: () => number;
  /** Seeds delivery ids, shuffles and the fault PRNG (unless `faults.seed`). Default 1. */
  seed?: number;
  /** Projects made at start: `group/project` or `{ path, id }`; default `[{ path: "gitlab-org/hello-world", id: 1 }]`. */
  projects?: (string | { path: string; id: number })[];
  /** Accepted tokens; default any non-empty token. */
  tokens?: TokenSpec[];
  /** The user behind tokens without a login of their own; default `root`. */
  defaultLogin?: string;
  /** Rack::Attack's authenticated API throttle per token; default GitLab.com's 2000/min; null turns it off. */
  rateLimit?: Partial<RateLimitSettings> | null;
  faults?: Partial<FaultSettings>;
  /** Answer If-None-Match with 304 (Rack::ConditionalGet); default false: GitLab's API ignores it (gitlab#14357). */
  honorIfNoneMatch?: boolean;
  autoDeliverWebhooks?: boolean;
  /** GitLab.com's webhook timeout; default 10 000 ms. */
  webhookTimeoutMs?: number;
}

export interface FakeGitLab {
  /** `http://127.0.0.1:<port>`, no trailing slash; the API is under `/api/v4`. */
  url: string;
  store: IssueStore;
  faults: Faults;
  rateLimit: RateLimiter;
  webhooks: GitLabWebhooks;
  tokens: Tokens;
  requests: GitRequestLogEntry[];
  now: () => number;
  close(): Promise<void>;
}

export async function startFakeGitLab(options: FakeGitLabOptions = {}): Promise<FakeGitLab> {
  const now = options.now ?? Date.now;
  const seed = options.seed ?? 1;
  const defaultLogin = options.defaultLogin ?? 'root';
  // GitLab's default colour for a label made on first use (Label::DEFAULT_COLOR; inferred).
  const store = new IssueStore({ now, defaultActor: defaultLogin, defaultLabelColor: '6699cc' });
  for (const p of options.projects ?? [{ path: 'gitlab-org/hello-world', id: 1 }]) {
    if (typeof p === 'string') store.createRepo(p);
    else store.createRepo(p.path, { id: p.id });
  }
  let ctx: RenderContext = { store, root: 'http://127.0.0.1' };
  const webhooks = new GitLabWebhooks({ now, seed, store, ctx: () => ctx, autoDeliver: options.autoDeliverWebhooks ?? false, ...(options.webhookTimeoutMs ? { timeoutMs: options.webhookTimeoutMs } : {}) });
  const tokens = new Tokens(options.tokens, defaultLogin);
  const rateLimit = new RateLimiter(options.rateLimit === null ? null : { ...GITLAB_RATE_LIMIT, ...options.rateLimit }, GITLAB_RATE_LIMIT);
  const faults = new Faults({ seed, ...options.faults });
  const requests: GitRequestLogEntry[] = [];
  const rateHeaders = (s: RateState): Record<string, string> => ({
    'RateLimit-Name': 'throttle_authenticated_api',
    'RateLimit-Limit': String(s.limit),
    'RateLimit-Observed': String(s.used),
    'RateLimit-Remaining': String(s.remaining),
    'RateLimit-Reset': String(Math.ceil(s.resetAt / 1000)),
  });

  const dialect: Dialect = {
    name: 'fake GitLab',
    authenticate(c) {
      const token = c.req.header('private-token') ?? authorizationValue(c.req.header('authorization'), ['bearer']) ?? c.req.query('private_token') ?? c.req.query('access_token') ?? null;
      const caller = tokens.resolve(token);
      if (!caller) throw errors.unauthorized();
      return caller;
    },
    rateHeaders,
    rateLimited: (s) => errors.retryLater({ 'RateLimit-ResetTime': httpDate(s.resetAt), 'Retry-After': String(s.retryAfter) }),
    injectedRateLimit: (retryAfter) => errors.retryLater({ 'Retry-After': String(retryAfter), 'RateLimit-ResetTime': httpDate(now() + retryAfter * 1000) }),
    serverError: errors.serverError,
    notFound: errors.routeNotFound,
  };
  const pipeline = buildPipeline({ dialect, limiter: rateLimit, faults, now, requests, routes: (app) => registerRoutes(app, { store, webhooks, ctx: () => ctx, honorIfNoneMatch: options.honorIfNoneMatch ?? false }) });
  const served = await serve(pipeline, { ...(options.port !== undefined ? { port: options.port } : {}), ...(options.host ? { host: options.host } : {}), beforeClose: () => webhooks.close() });
  ctx = { store, root: served.url };
  return { url: served.url, store, faults, rateLimit, webhooks, tokens, requests, now, close: served.close };
}
