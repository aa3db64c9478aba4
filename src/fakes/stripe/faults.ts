/**
 * Injected faults, decided per request from a seeded PRNG: the same seed and the same request sequence give the
 * same faults. Exactly two draws per authenticated request whatever the rates, so changing one rate does not
 * shift the others' sequence. `inject()` scripts a fault for the next matching request(s) on top of the rates.
 */
import { createPrng } from '../prng.ts';
import type { RateLimitSettings } from './rate-limit.ts';

/** `rate_limiter` is the limiter's own 429, not a random fault; it appears in the request log the same way. */
export type FaultKind = 'rate_limit' | 'lock_timeout' | 'server_error' | 'timeout' | 'truncate' | 'rate_limiter';

export interface FaultSettings {
  /** Share of requests answered 429 `rate_limit`. */
  rate429: number;
  /** Share answered 429 `lock_timeout` (object lock contention, reference §11). */
  rateLockTimeout: number;
  /** Share answered with a status from `statuses5xx` and an `api_error` body. */
  rate5xx: number;
  /** The 5xx statuses to pick from, uniformly; default [500, 503]. */
  statuses5xx: number[];
  /** Share held for `timeoutMs` and then dropped (socket destroyed, no response), before the request runs. */
  timeoutRate: number;
  timeoutMs: number;
  /** Share that runs normally but whose body is cut: full Content-Length announced, half sent, socket closed. */
  truncateRate: number;
  /** Reference §11: Stripe documents no `Retry-After`, so none is sent unless this is true. */
  retryAfterHeader: boolean;
  /** The `Retry-After` value when `retryAfterHeader` is on. */
  retryAfterSeconds: number;
  /** When not null, every 429 and injected 5xx carries `Stripe-Should-Retry: true|false` (stripe-node obeys it first). */
  shouldRetry: boolean | null;
  /** Seeds the fault PRNG; setting it (even to the same value) restarts the sequence. */
  seed: number;
  /** Per-key read/write limiter; null turns it off (the default, so tests and the benchmark are not throttled). */
  rateLimit: RateLimitSettings | null;
}

export const DEFAULT_FAULTS: FaultSettings = {
  rate429: 0,
  rateLockTimeout: 0,
  rate5xx: 0,
  statuses5xx: [500, 503],
  timeoutRate: 0,
  timeoutMs: 1_000,
  truncateRate: 0,
  retryAfterHeader: false,
  retryAfterSeconds: 1,
  shouldRetry: null,
  seed: 1,
  rateLimit: null,
};

export interface ScriptedFault {
  kind: Exclude<FaultKind, 'rate_limiter'>;
  /** How many matching requests get it; default 1. */
  times?: number;
  method?: string;
  /** Exact path or a pattern, matched against the path without query. */
  path?: string | RegExp;
  /** For `server_error`: the status; default the first of `statuses5xx`. */
  status?: number;
}

export interface FaultDecision {
  kind: Exclude<FaultKind, 'rate_limiter'>;
  status?: number;
}

export class Faults {
  #settings: FaultSettings = { ...DEFAULT_FAULTS };
  #random = createPrng(DEFAULT_FAULTS.seed);
  #script: (ScriptedFault & { times: number })[] = [];
  readonly #onChange: (settings: FaultSettings) => void;

  constructor(initial: Partial<FaultSettings>, onChange: (settings: FaultSettings) => void) {
    this.#onChange = onChange;
    this.set({ seed: DEFAULT_FAULTS.seed, ...initial });
  }

  get settings(): Readonly<FaultSettings> {
    return this.#settings;
  }

  /** Changes some settings at runtime; passing `seed` restarts the PRNG. */
  set(patch: Partial<FaultSettings>): void {
    const next = { ...this.#settings, ...patch };
    const rates = [next.rate429, next.rateLockTimeout, next.rate5xx, next.timeoutRate, next.truncateRate];
    if (rates.some((r) => !(r >= 0 && r <= 1))) throw new Error('fault rates must be between 0 and 1');
    if (rates.reduce((a, b) => a + b, 0) > 1 + 1e-9) throw new Error('fault rates must add up to at most 1');
    if (next.statuses5xx.length === 0 || next.statuses5xx.some((s) => s < 500 || s > 599)) throw new Error('statuses5xx must be 5xx statuses');
    this.#settings = next;
    if (patch.seed !== undefined) this.#random = createPrng(patch.seed);
    this.#onChange(next);
  }

  /** Back to no faults (and no limiter), PRNG restarted from the default seed; scripted faults dropped. */
  reset(): void {
    this.#script = [];
    this.set({ ...DEFAULT_FAULTS });
  }

  /** The next `times` requests matching method/path get this fault, before any random one. */
  inject(fault: ScriptedFault): void {
    this.#script.push({ ...fault, times: fault.times ?? 1 });
  }

  /** Decides the fault for one authenticated request, or null. */
  decide(method: string, path: string): FaultDecision | null {
    // Both draws happen for every request, scripted or not, so the random sequence is a function of the count.
    const r = this.#random();
    const variant = this.#random();
    const scripted = this.#script.find(
      (f) => (!f.method || f.method === method) && (f.path === undefined || (typeof f.path === 'string' ? f.path === path : f.path.test(path))),
    );
    if (scripted) {
      scripted.times -= 1;
      if (scripted.times <= 0) this.#script.splice(this.#script.indexOf(scripted), 1);
      return scripted.kind === 'server_error' ? { kind: 'server_error', status: scripted.status ?? this.#settings.statuses5xx[0]! } : { kind: scripted.kind };
    }
    const s = this.#settings;
    let edge = s.rate429;
    if (r < edge) return { kind: 'rate_limit' };
    if (r < (edge += s.rateLockTimeout)) return { kind: 'lock_timeout' };
    if (r < (edge += s.rate5xx)) return { kind: 'server_error', status: s.statuses5xx[Math.floor(variant * s.statuses5xx.length)]! };
    if (r < (edge += s.timeoutRate)) return { kind: 'timeout' };
    if (r < (edge += s.truncateRate)) return { kind: 'truncate' };
    return null;
  }
}
