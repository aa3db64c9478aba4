/**
 * A fake GitHub REST API for issues on loopback (reference: /work/shared/reference/apis/github.md): real HTTP,
 * `Authorization: Bearer|token`, issues with labels and assignees, Link-header paging, `x-ratelimit-*` headers with a
 * 403 (or 429) when the primary limit is spent, ETag/If-None-Match → 304 that costs nothing, injected faults
 * (5xx, timeouts, the secondary limit with `retry-after`) and signed `issues` webhooks with lost, duplicated and
 * reordered deliveries on demand. Order per request: log → User-Agent and API version → auth (401) → limiter →
 * injected fault → route.
 */
import { Faults, type FaultSettings } from '../common/faults.ts';
import { errorResponse, type GitContext, type GitRequestLogEntry } from '../common/http.ts';
import { createPrng, hex } from '../../prng.ts';
import { RateLimiter, type RateLimitSettings, type RateState } from '../common/rate-limit.ts';
import { buildPipeline, serve, type Dialect } from '../common/server.ts';
import { IssueStore } from '../common/store.ts';
import { authorizationValue, Tokens, type TokenSpec } from '../common/tokens.ts';
import * as errors from './errors.ts';
import { registerRoutes } from './routes.ts';
import type { RenderContext } from './render.ts';
import { GitHubWebhooks } from './webhooks.ts';

export type { FaultDecision, FaultKind, FaultSettings, ScriptedFault } from '../common/faults.ts';
export { DEFAULT_FAULTS, Faults } from '../common/faults.ts';
export type { Caller, GitRequestLogEntry } from '../common/http.ts';
export type { RateLimitSettings, RateState } from '../common/rate-limit.ts';
export { RateLimiter } from '../common/rate-limit.ts';
export type { Issue, IssueChange, IssueInput, IssuePatch, Label, Repo, User } from '../common/store.ts';
export { IssueStore } from '../common/store.ts';
export type { TokenSpec } from '../common/tokens.ts';
export type { DeliveryRecord, FlushOptions, Hook, HookSpec, PendingDelivery } from '../common/webhook-queue.ts';
export { DEFAULT_PER_PAGE, MAX_PER_PAGE } from './list.ts';
export { GitHubWebhooks, signatureHeader256, signatureHeaderSha1 } from './webhooks.ts';

/** The versions the docs list (reference §1); requests without the header run as the first. */
export const API_VERSIONS = ['2022-11-28', '2026-03-10'];
/** An authenticated user's primary limit (reference §5). */
export const GITHUB_RATE_LIMIT: RateLimitSettings = { limit: 5000, windowSeconds: 3600, align: 'first_request', countRefused: false };

export interface FakeGitHubOptions {
  /** Default 0: a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** The clock in epoch ms: timestamps, the limiter, the request log. */
  now?: () => number;
  /** Seeds delivery ids, shuffles and the fault PRNG (unless `faults.seed`). Default 1. */
  seed?: number;
  /** Repositories made at start, `owner/name`; default `["octocat/hello-world"]`. */
  repos?: string[];
  /** Accepted tokens (a string acts as `defaultLogin`); default any non-empty token. */
  tokens?: TokenSpec[];
  /** The user behind tokens without a login of their own; default `octocat`. */
  defaultLogin?: string;
  /** The primary limit per token; default 5000 per hour; null turns it off (no headers). */
  rateLimit?: Partial<RateLimitSettings> | null;
  /** Status once the primary limit is spent: GitHub sends 403 or 429 (reference §5); default 403. */
  rateLimitStatus?: 403 | 429;
  /** Initial fault settings (all rates 0). */
  faults?: Partial<FaultSettings>;
  /** `W/"…"` ETags instead of strong ones; default false (the reference's example is strong). */
  weakEtags?: boolean;
  /** Where list Link headers point; default `repositories` (`/repositories/{id}/issues`, as in the docs). */
  linkStyle?: 'repositories' | 'request';
  /** Refuse requests without a User-Agent with GitHub's 403; default true. */
  requireUserAgent?: boolean;
  /** Base of `html_url`s; default the fake's own URL. */
  webUrl?: string;
  /** Send webhooks as changes happen instead of holding them for flush(); default false. */
  autoDeliverWebhooks?: boolean;
  /** How long the webhook sender waits for an endpoint; default 10 000 ms. */
  webhookTimeoutMs?: number;
}

export interface FakeGitHub {
  /** `http://127.0.0.1:<port>`, no trailing slash: the API root, where a client would use https://api.github.com. */
  url: string;
  store: IssueStore;
  faults: Faults;
  rateLimit: RateLimiter;
  webhooks: GitHubWebhooks;
  tokens: Tokens;
  /** Every request in arrival order. */
  requests: GitRequestLogEntry[];
  now: () => number;
  close(): Promise<void>;
}

/** Starts the fake on a real port. */
export async function startFakeGitHub(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const now = options.now ?? Date.now;
  const seed = options.seed ?? 1;
  const defaultLogin = options.defaultLogin ?? 'octocat';
  const store = new IssueStore({ now, defaultActor: defaultLogin });
  for (const key of options.repos ?? ['octocat/hello-world']) store.createRepo(key);
  let ctx: RenderContext = { store, api: 'http://127.0.0.1', web: 'http://127.0.0.1' };
  const webhooks = new GitHubWebhooks({ now, seed, store, ctx: () => ctx, autoDeliver: options.autoDeliverWebhooks ?? false, ...(options.webhookTimeoutMs ? { timeoutMs: options.webhookTimeoutMs } : {}) });
  const tokens = new Tokens(options.tokens, defaultLogin);
  const rateLimit = new RateLimiter(options.rateLimit === null ? null : { ...GITHUB_RATE_LIMIT, ...options.rateLimit }, GITHUB_RATE_LIMIT);
  const faults = new Faults({ seed, ...options.faults });
  const requests: GitRequestLogEntry[] = [];
  const limitStatus = options.rateLimitStatus ?? 403;
  const requestIds = createPrng(seed ^ 0x6e7);

  const dialect: Dialect = {
    name: 'fake GitHub',
    precheck(c) {
      c.header('X-GitHub-Media-Type', 'github.v3; format=json');
      c.header('X-GitHub-Request-Id', `${hex(requestIds, 4).toUpperCase()}:${hex(requestIds, 5).toUpperCase()}:${hex(requestIds, 6).toUpperCase()}`);
      if ((options.requireUserAgent ?? true) && !c.req.header('user-agent')) return errorResponse(c, errors.userAgentRequired());
      const version = c.req.header('x-github-api-version');
      if (version !== undefined && !API_VERSIONS.includes(version)) return errorResponse(c, errors.unsupportedVersion(version));
      c.header('X-GitHub-Api-Version-Selected', version ?? API_VERSIONS[0]!);
      return null;
    },
    authenticate(c) {
      const header = c.req.header('authorization');
      if (!header) throw errors.requiresAuthentication();
      const caller = tokens.resolve(authorizationValue(header, ['bearer', 'token']));
      if (!caller) throw errors.badCredentials();
      return caller;
    },
    rateHeaders: (s: RateState) => ({
      'x-ratelimit-limit': String(s.limit),
      'x-ratelimit-remaining': String(s.remaining),
      'x-ratelimit-reset': String(Math.ceil(s.resetAt / 1000)),
      'x-ratelimit-used': String(s.used),
      'x-ratelimit-resource': 'core',
    }),
    rateLimited: (_state, caller) => errors.primaryRateLimited(store.user(caller.login).id, limitStatus),
    injectedRateLimit: (retryAfter) => errors.secondaryRateLimited(retryAfter, limitStatus),
    serverError: errors.serverError,
    notFound: errors.notFound,
    free: (c: GitContext) => c.res.status === 304 || c.req.path === '/rate_limit',
  };

  const pipeline = buildPipeline({
    dialect,
    limiter: rateLimit,
    faults,
    now,
    requests,
    routes(app) {
      app.get('/rate_limit', (c) => {
        const s = rateLimit.peek(c.get('caller').token, now());
        const core = s ? { limit: s.limit, used: s.used, remaining: s.remaining, reset: Math.ceil(s.resetAt / 1000) } : { limit: 0, used: 0, remaining: 0, reset: 0 };
        return c.json({ resources: { core }, rate: core });
      });
      registerRoutes(app, { store, webhooks, ctx: () => ctx, conditional: { weak: options.weakEtags ?? false }, linkStyle: options.linkStyle ?? 'repositories' });
    },
  });
  const served = await serve(pipeline, { ...(options.port !== undefined ? { port: options.port } : {}), ...(options.host ? { host: options.host } : {}), beforeClose: () => webhooks.close() });
  ctx = { store, api: served.url, web: options.webUrl ?? served.url };
  return { url: served.url, store, faults, rateLimit, webhooks, tokens, requests, now, close: served.close };
}
