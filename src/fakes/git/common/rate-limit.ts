/**
 * A fixed-window request limiter per token, on the injected clock. Two choices differ by provider: where a window
 * starts (GitHub: at the token's first request, for an hour; GitLab's Rack::Attack: at multiples of the period since
 * the epoch) and whether refused requests count (Rack::Attack counts them, so `RateLimit-Observed` passes the limit;
 * GitHub's `x-ratelimit-used` stops at the limit). A request answered 304 can be handed back with `refund`.
 */

export interface RateLimitSettings {
  /** Requests allowed per window. */
  limit: number;
  windowSeconds: number;
  /** Where windows start; default `first_request`. */
  align?: 'first_request' | 'epoch';
  /** Whether refused requests are counted too; default false. */
  countRefused?: boolean;
}

export interface RateState {
  allowed: boolean;
  limit: number;
  /** Counted in this window (this request included when it was counted). */
  used: number;
  remaining: number;
  /** Epoch ms when the window ends. */
  resetAt: number;
  /** Whole seconds until then, at least 1. */
  retryAfter: number;
}

interface Window {
  start: number;
  used: number;
}

export class RateLimiter {
  readonly #windows = new Map<string, Window>();
  #settings: RateLimitSettings | null;
  readonly #defaults: RateLimitSettings;

  /** `defaults` fill in what a later `set()` leaves out when the limiter was off. */
  constructor(settings: RateLimitSettings | null, defaults: RateLimitSettings = settings ?? { limit: 60, windowSeconds: 60 }) {
    this.#settings = settings;
    this.#defaults = defaults;
  }

  /** Null when off. */
  get settings(): Readonly<RateLimitSettings> | null {
    return this.#settings;
  }

  /** New limits (null turns the limiter off); open windows are forgotten. */
  set(settings: Partial<RateLimitSettings> | null): void {
    this.#settings = settings === null ? null : { ...(this.#settings ?? this.#defaults), ...settings };
    this.#windows.clear();
  }

  /** Every token starts afresh. */
  reset(): void {
    this.#windows.clear();
  }

  /** Counts one request for `key`; null when off. */
  take(key: string, nowMs: number): RateState | null {
    const s = this.#settings;
    if (!s) return null;
    const w = this.#window(key, nowMs, s);
    const allowed = w.used < s.limit;
    if (allowed || s.countRefused) w.used += 1;
    return this.#state(w, nowMs, s, allowed);
  }

  /** Gives back one counted request (a 304 on GitHub does not count); returns the state after. */
  refund(key: string, nowMs: number): RateState | null {
    const s = this.#settings;
    if (!s) return null;
    const w = this.#window(key, nowMs, s);
    w.used = Math.max(0, w.used - 1);
    return this.#state(w, nowMs, s, true);
  }

  /** The state without counting. */
  peek(key: string, nowMs: number): RateState | null {
    const s = this.#settings;
    return s ? this.#state(this.#window(key, nowMs, s), nowMs, s, true) : null;
  }

  #window(key: string, nowMs: number, s: RateLimitSettings): Window {
    const period = s.windowSeconds * 1000;
    let w = this.#windows.get(key);
    if (!w || nowMs >= w.start + period) {
      w = { start: s.align === 'epoch' ? Math.floor(nowMs / period) * period : nowMs, used: 0 };
      this.#windows.set(key, w);
    }
    return w;
  }

  #state(w: Window, nowMs: number, s: RateLimitSettings, allowed: boolean): RateState {
    const resetAt = w.start + s.windowSeconds * 1000;
    return {
      allowed,
      limit: s.limit,
      used: w.used,
      remaining: Math.max(0, s.limit - w.used),
      resetAt,
      retryAfter: Math.max(1, Math.ceil((resetAt - nowMs) / 1000)),
    };
  }
}
