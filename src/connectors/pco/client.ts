/**
 * Authenticated GETs against PCO's JSON:API (reference §2–§5, §9, §10): Basic or Bearer credentials, the pinned
 * `X-PCO-API-Version`, PCO's query form (brackets left raw, as its own links have them), and retries of one
 * request on transient failures — after `Retry-After` on a 429 (1 s when it is missing, as PCO's Ruby client
 * does), with capped exponential backoff on 5xx and timeouts. The engine's `acquire()` is awaited before every
 * attempt, retries included, so the shared rate limit counts what PCO counts. Status → typed error happens once,
 * in httpJson.
 */
import { httpJson } from '../http.ts';
import { SyncError, UpstreamRateLimited, UpstreamUnavailable, ValidationError } from '../../protocol/errors.ts';
import type { RequestContext } from '../../protocol/manifest.ts';
import { JsonApiDocument } from './jsonapi.ts';
import type { PcoConfig } from './spec.ts';

export type QueryValue = string | number | undefined;

/** A Retry-After longer than this is not slept through inside one request: the engine reschedules by `retryAt`. */
export const MAX_IN_REQUEST_WAIT_MS = 60_000;
/** PCO's Ruby client waits one second when a 429 carries no Retry-After (§9). */
const DEFAULT_RETRY_AFTER_MS = 1_000;
const MAX_BACKOFF_MS = 30_000;

/** The Authorization header value: HTTP Basic for a personal access token, Bearer for OAuth (§3). */
export function authorization(config: PcoConfig): string {
  if (config.access_token !== undefined) return `Bearer ${config.access_token}`;
  return `Basic ${Buffer.from(`${config.application_id ?? ''}:${config.secret ?? ''}`, 'utf8').toString('base64')}`;
}

/** `where[updated_at][gte]=2025-01-01T00:00:00Z`: keys sorted and brackets raw, as in PCO's own links (§5). */
export function encodeQuery(params: Record<string, QueryValue>): string {
  return Object.entries(params)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${encodeURIComponent(k).replaceAll('%5B', '[').replaceAll('%5D', ']')}=${encodeURIComponent(String(v)).replaceAll('%3A', ':')}`)
    .join('&');
}

export interface PcoClientOptions {
  /** Jitter source for backoff; injected by tests. */
  random?: () => number;
}

export class PcoClient {
  readonly #config: PcoConfig;
  readonly #ctx: RequestContext;
  readonly #origin: string;
  readonly #random: () => number;

  constructor(config: PcoConfig, ctx: RequestContext, options: PcoClientOptions = {}) {
    this.#config = config;
    this.#ctx = ctx;
    this.#origin = new URL(config.base_url).origin;
    this.#random = options.random ?? Math.random;
  }

  /** An absolute URL for `path` (under base_url) and `query`. */
  url(path: string, query: Record<string, QueryValue> = {}): string {
    const q = encodeQuery(query);
    return `${this.#config.base_url.replace(/\/+$/, '')}${path}${q ? `?${q}` : ''}`;
  }

  /**
   * GET a JSON:API document: `path` under base_url with `query`, or an absolute URL PCO gave (`links.next`),
   * which must be on base_url's origin — credentials are never sent anywhere else.
   */
  async get(pathOrUrl: string, query: Record<string, QueryValue> = {}): Promise<JsonApiDocument> {
    const url = /^https?:\/\//i.test(pathOrUrl) ? this.#sameOrigin(pathOrUrl) : this.url(pathOrUrl, query);
    const body = await this.#send(url);
    const doc = JsonApiDocument.safeParse(body);
    // A 2xx that is not a JSON:API document is a proxy or maintenance page in front of the API: transient.
    if (!doc.success) throw new UpstreamUnavailable(`GET ${new URL(url).pathname} answered with a body that is not a JSON:API document`, { detail: { path: new URL(url).pathname } });
    return doc.data;
  }

  async #send(url: string): Promise<unknown> {
    const headers = {
      authorization: authorization(this.#config),
      'x-pco-api-version': this.#config.api_version,
      accept: 'application/vnd.api+json, application/json',
    };
    for (let attempt = 0; ; attempt++) {
      await this.#ctx.acquire();
      this.#ctx.signal.throwIfAborted();
      try {
        const res = await httpJson({ method: 'GET', url, headers, timeoutMs: this.#config.timeout_ms, signal: this.#ctx.signal });
        return res.body;
      } catch (err) {
        if (!(err instanceof SyncError) || !err.retryable || attempt >= this.#config.max_retries) throw err;
        const wait = this.#delayMs(err, attempt);
        if (wait > MAX_IN_REQUEST_WAIT_MS) throw err;
        await sleep(wait, this.#ctx.signal);
      }
    }
  }

  /** Retry-After is a floor, never shortened (§9); otherwise base × 2^attempt with jitter, capped. */
  #delayMs(err: SyncError, attempt: number): number {
    if (err instanceof UpstreamRateLimited) {
      const at = err.retryAt?.getTime() ?? Date.now() + DEFAULT_RETRY_AFTER_MS;
      // A little past the instant: PCO's window is whole seconds and our clock and theirs differ.
      return Math.max(0, at - Date.now()) + 50;
    }
    return Math.min(MAX_BACKOFF_MS, this.#config.retry_base_ms * 2 ** attempt) * (0.5 + this.#random() / 2);
  }

  #sameOrigin(raw: string): string {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new ValidationError('a PCO page link is not a URL');
    }
    if (url.origin !== this.#origin) throw new ValidationError(`a PCO page link points at ${url.origin}, not at base_url; credentials are only sent to ${this.#origin}`, { detail: { origin: url.origin } });
    // Followed verbatim: PCO built it, with its own encoding.
    return raw;
  }
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
