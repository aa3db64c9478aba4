/**
 * PCO's limiter (reference §9 and the rate-limiting docs page): 100 requests per 20 seconds per authenticated user,
 * 75 for requests whose `offset` is above 30 000. A fixed window per credential opens at its first request; every
 * request counts, refused ones too (the docs' sample reads "118 of 100"), so `X-PCO-API-Request-Rate-Count` can pass
 * the limit; `Retry-After` is the whole seconds left in the window. Runs on the injected clock.
 */

export interface RateLimitSettings {
  limit: number;
  periodSeconds: number;
  /** The stricter limit for deep offsets; null for none. */
  highOffset: { above: number; limit: number } | null;
  /** `X-PCO-API-Request-Rate-Period` as the docs print it ("20 seconds") or as 2019–20 responses did ("20"). */
  periodHeader: 'seconds' | 'bare';
}

/** The published defaults. */
export const PCO_RATE_LIMIT: RateLimitSettings = { limit: 100, periodSeconds: 20, highOffset: { above: 30_000, limit: 75 }, periodHeader: 'seconds' };

export interface RateDecision {
  allowed: boolean;
  count: number;
  limit: number;
  periodSeconds: number;
  /** Seconds until the window resets (at least 1). */
  retryAfter: number;
  headers: Record<string, string>;
}

interface Window {
  start: number;
  count: number;
}

export class RateLimiter {
  readonly #windows = new Map<string, Window>();
  #settings: RateLimitSettings | null;

  constructor(settings: Partial<RateLimitSettings> | null = {}) {
    this.#settings = settings === null ? null : { ...PCO_RATE_LIMIT, ...settings };
  }

  /** Null when the limiter is off (then no rate headers are sent either). */
  get settings(): Readonly<RateLimitSettings> | null {
    return this.#settings;
  }

  /** Changes the limits (null turns the limiter off); open windows are dropped. */
  set(settings: Partial<RateLimitSettings> | null): void {
    this.#settings = settings === null ? null : { ...(this.#settings ?? PCO_RATE_LIMIT), ...settings };
    this.#windows.clear();
  }

  /** Forgets every window: each credential starts afresh. */
  reset(): void {
    this.#windows.clear();
  }

  /** Counts one request; null when off. */
  take(credential: string, offset: number, nowMs: number): RateDecision | null {
    const s = this.#settings;
    if (!s) return null;
    const w = this.#window(credential, nowMs, s);
    w.count += 1;
    return this.#decision(w, offset, nowMs, s);
  }

  /** The current state without counting (for an injected 429: it carries the same headers). */
  peek(credential: string, offset: number, nowMs: number): RateDecision | null {
    const s = this.#settings;
    return s ? this.#decision(this.#window(credential, nowMs, s), offset, nowMs, s) : null;
  }

  #window(credential: string, nowMs: number, s: RateLimitSettings): Window {
    let w = this.#windows.get(credential);
    if (!w || nowMs >= w.start + s.periodSeconds * 1000) {
      w = { start: nowMs, count: 0 };
      this.#windows.set(credential, w);
    }
    return w;
  }

  #decision(w: Window, offset: number, nowMs: number, s: RateLimitSettings): RateDecision {
    const limit = s.highOffset && offset > s.highOffset.above ? s.highOffset.limit : s.limit;
    const retryAfter = Math.max(1, Math.ceil((w.start + s.periodSeconds * 1000 - nowMs) / 1000));
    return {
      allowed: w.count <= limit,
      count: w.count,
      limit,
      periodSeconds: s.periodSeconds,
      retryAfter,
      headers: {
        'X-PCO-API-Request-Rate-Count': String(w.count),
        'X-PCO-API-Request-Rate-Limit': String(limit),
        'X-PCO-API-Request-Rate-Period': s.periodHeader === 'seconds' ? `${s.periodSeconds} seconds` : String(s.periodSeconds),
      },
    };
  }
}

/** The most requests one credential made in any `periodMs` sliding window: "did the client stay under the rate?". */
export function peakInWindow(entries: readonly { at: number; credential: string | null; fault?: string }[], periodMs: number, options: { credential?: string; includeRefused?: boolean } = {}): number {
  const byCredential = new Map<string, number[]>();
  for (const e of entries) {
    if (e.credential === null || (options.credential !== undefined && e.credential !== options.credential)) continue;
    if (!options.includeRefused && e.fault === 'rate_limiter') continue;
    const list = byCredential.get(e.credential) ?? [];
    list.push(e.at);
    byCredential.set(e.credential, list);
  }
  let peak = 0;
  for (const times of byCredential.values()) {
    times.sort((a, b) => a - b);
    let lo = 0;
    for (let hi = 0; hi < times.length; hi++) {
      while (times[hi]! - times[lo]! >= periodMs) lo++;
      peak = Math.max(peak, hi - lo + 1);
    }
  }
  return peak;
}
