/**
 * Authenticated GETs against Stripe v1: query encoding (`created[gte]`, `types[]`), a proactive per-key
 * request cap, and in-process retries of retryable failures — after Retry-After when Stripe sends one,
 * else with exponential backoff — a bounded number of times. The key lives only in the Authorization header.
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { httpJson } from '../http.ts';
import { SyncError, UpstreamRateLimited } from '../../protocol/errors.ts';
import { RateWindow } from './rate-window.ts';
import type { StripeConfig } from './spec.ts';

export type QueryValue = string | number | readonly string[] | undefined;

export interface ListPage<T> {
  object: 'list';
  has_more: boolean;
  data: T[];
}

export interface StripeObject {
  id: string;
  object?: string;
  created?: number;
  [key: string]: unknown;
}

// One window per key (and host), shared by every client in this process: two streams, or two sources on
// the same account, must add up to the cap, not each get it.
const windows = new Map<string, RateWindow>();

function windowFor(config: StripeConfig): RateWindow {
  // A digest, so no map key spells the secret.
  const id = createHash('sha256').update(`${config.base_url}\n${config.api_key}\n${config.requests_per_second}`).digest('hex');
  let w = windows.get(id);
  if (!w) windows.set(id, (w = new RateWindow(config.requests_per_second)));
  return w;
}

/** `{ created: { gte: 1 }, 'types[]': [...] }`-style params as Stripe's bracketed query string. */
export function encodeQuery(params: Record<string, QueryValue>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) search.append(`${key}[]`, v);
    else search.append(key, String(value));
  }
  return search.toString();
}

export class StripeClient {
  readonly #config: StripeConfig;
  readonly #window: RateWindow;
  readonly #signal: AbortSignal | undefined;
  /** Retries done so far, for the run's logs. */
  retries = 0;

  constructor(config: StripeConfig, signal?: AbortSignal) {
    this.#config = config;
    this.#window = windowFor(config);
    this.#signal = signal;
  }

  /** GET `path` with `params`; retryable failures are retried, the last one thrown once retries run out. */
  async get<T>(path: string, params: Record<string, QueryValue> = {}, maxRetries = this.#config.max_retries): Promise<T> {
    const query = encodeQuery(params);
    const url = `${this.#config.base_url.replace(/\/+$/, '')}${path}${query ? `?${query}` : ''}`;
    for (let attempt = 0; ; attempt++) {
      await this.#window.take(this.#signal);
      try {
        const res = await httpJson<T>({
          method: 'GET',
          url,
          headers: { authorization: `Bearer ${this.#config.api_key}`, 'stripe-version': this.#config.api_version },
          timeoutMs: this.#config.timeout_ms,
          ...(this.#signal ? { signal: this.#signal } : {}),
        });
        return res.body;
      } catch (err) {
        if (!(err instanceof SyncError) || !err.retryable || attempt >= maxRetries) throw err;
        this.retries++;
        await sleep(this.#delayMs(err, attempt), undefined, this.#signal ? { signal: this.#signal } : undefined);
      }
    }
  }

  /** Retry-After when given (it is a floor, never shortened), else base × 2^attempt with jitter, capped at 30 s. */
  #delayMs(err: SyncError, attempt: number): number {
    const backoff = Math.min(30_000, this.#config.retry_base_ms * 2 ** attempt) * (0.5 + Math.random() / 2);
    if (err instanceof UpstreamRateLimited && err.retryAt) return Math.max(err.retryAt.getTime() - Date.now(), 0) + 10;
    return backoff;
  }
}
