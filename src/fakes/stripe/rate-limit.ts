/**
 * Stripe's per-account limiter, per API key here: reads and writes counted separately (reference §11: 25 read +
 * 25 write operations/s in test mode, 100 + 100 live). A token bucket of one second's worth, refilled on the
 * injected clock, so a test can exhaust it and then move time instead of sleeping.
 */

export interface RateLimitSettings {
  readsPerSecond: number;
  writesPerSecond: number;
}

/** The documented test-mode figures (earlier edition of Stripe's rate-limit page, reference §11). */
export const STRIPE_TEST_MODE_RATE_LIMIT: RateLimitSettings = { readsPerSecond: 25, writesPerSecond: 25 };
/** The live-mode figures from the same page. */
export const STRIPE_LIVE_MODE_RATE_LIMIT: RateLimitSettings = { readsPerSecond: 100, writesPerSecond: 100 };

interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimiter {
  readonly #buckets = new Map<string, Bucket>();
  #settings: RateLimitSettings | null = null;

  configure(settings: RateLimitSettings | null): void {
    this.#settings = settings;
    this.#buckets.clear();
  }

  /** Takes one token for this key; false means answer 429. GET is a read, everything else a write. */
  take(apiKey: string, method: string, nowMs: number): boolean {
    const settings = this.#settings;
    if (!settings) return true;
    const write = method !== 'GET' && method !== 'HEAD';
    const rate = write ? settings.writesPerSecond : settings.readsPerSecond;
    const id = `${write ? 'w' : 'r'}:${apiKey}`;
    const bucket = this.#buckets.get(id) ?? { tokens: rate, at: nowMs };
    bucket.tokens = Math.min(rate, bucket.tokens + (Math.max(0, nowMs - bucket.at) * rate) / 1000);
    bucket.at = nowMs;
    this.#buckets.set(id, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
