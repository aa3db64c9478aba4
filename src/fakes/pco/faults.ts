/**
 * Injected faults, decided per request from a seeded PRNG: the same seed and request sequence give the same faults.
 * Exactly two draws per authenticated request whatever the rates, so changing one rate does not shift the others'
 * sequence. `inject()` scripts faults for the next matching requests (a "429 storm" is `inject(20, 'rate_limit')`).
 */
import { createPrng } from '../prng.ts';

/** `rate_limiter` is the limiter's own 429, not a random fault; it is logged the same way. */
export type FaultKind = 'rate_limit' | 'server_error' | 'timeout' | 'truncate' | 'rate_limiter';
export type InjectableFault = Exclude<FaultKind, 'rate_limiter'>;

export interface FaultSettings {
  /** Share of requests answered 429 with PCO's body and `Retry-After`. */
  rate429: number;
  /** Share answered with a status from `statuses5xx` (500 and 503 JSON, 502 nginx's HTML page). */
  rate5xx: number;
  /** Default [500, 502, 503]. */
  statuses5xx: number[];
  /** Share held for `timeoutMs`, then dropped (socket destroyed, no response), before the request runs. */
  timeoutRate: number;
  timeoutMs: number;
  /** Share that runs normally but whose body is cut: full Content-Length announced, half sent, socket closed. */
  truncateRate: number;
  /** `Retry-After` on an injected 429. */
  retryAfterSeconds: number;
  /** Seeds the fault PRNG; setting it (even to the same value) restarts the sequence. */
  seed: number;
}

export const DEFAULT_FAULTS: FaultSettings = {
  rate429: 0,
  rate5xx: 0,
  statuses5xx: [500, 502, 503],
  timeoutRate: 0,
  timeoutMs: 1_000,
  truncateRate: 0,
  retryAfterSeconds: 1,
  seed: 1,
};

export interface ScriptedFault {
  kind: InjectableFault;
  /** How many matching requests get it; default 1. */
  times?: number;
  method?: string;
  /** Exact path or a pattern, matched against the path without query. */
  path?: string | RegExp;
  /** For `server_error`: the status; default the first of `statuses5xx`. */
  status?: number;
  /** For `rate_limit`: the Retry-After; default `retryAfterSeconds`. */
  retryAfterSeconds?: number;
}

export interface FaultDecision {
  kind: InjectableFault;
  status?: number;
  retryAfterSeconds?: number;
}

export class Faults {
  #settings: FaultSettings = { ...DEFAULT_FAULTS };
  #random = createPrng(DEFAULT_FAULTS.seed);
  #script: (ScriptedFault & { times: number })[] = [];

  constructor(initial: Partial<FaultSettings> = {}) {
    this.set({ seed: DEFAULT_FAULTS.seed, ...initial });
  }

  get settings(): Readonly<FaultSettings> {
    return this.#settings;
  }

  /** Changes some settings at runtime; passing `seed` restarts the PRNG. */
  set(patch: Partial<FaultSettings>): void {
    const next = { ...this.#settings, ...patch };
    const rates = [next.rate429, next.rate5xx, next.timeoutRate, next.truncateRate];
    if (rates.some((r) => !(r >= 0 && r <= 1))) throw new Error('fault rates must be between 0 and 1');
    if (rates.reduce((a, b) => a + b, 0) > 1 + 1e-9) throw new Error('fault rates must add up to at most 1');
    if (next.statuses5xx.length === 0 || next.statuses5xx.some((s) => s < 500 || s > 599)) throw new Error('statuses5xx must be 5xx statuses');
    this.#settings = next;
    if (patch.seed !== undefined) this.#random = createPrng(patch.seed);
  }

  /** No faults, PRNG restarted from the default seed, scripted faults dropped. */
  reset(): void {
    this.#script = [];
    this.set({ ...DEFAULT_FAULTS });
  }

  /** The next `times` requests matching method/path get this fault, before any random one. */
  inject(fault: ScriptedFault): void;
  inject(times: number, kind: InjectableFault, match?: Omit<ScriptedFault, 'kind' | 'times'>): void;
  inject(a: ScriptedFault | number, kind?: InjectableFault, match: Omit<ScriptedFault, 'kind' | 'times'> = {}): void {
    const fault: ScriptedFault = typeof a === 'number' ? { ...match, kind: kind!, times: a } : a;
    this.#script.push({ ...fault, times: fault.times ?? 1 });
  }

  /** Scripted faults not yet used up. */
  get scripted(): number {
    return this.#script.reduce((n, f) => n + f.times, 0);
  }

  /** Decides the fault for one authenticated request, or null. */
  decide(method: string, path: string): FaultDecision | null {
    // Both draws happen for every request, scripted or not, so the random sequence is a function of the count.
    const r = this.#random();
    const variant = this.#random();
    const s = this.#settings;
    const scripted = this.#script.find(
      (f) => (!f.method || f.method === method) && (f.path === undefined || (typeof f.path === 'string' ? f.path === path : f.path.test(path))),
    );
    if (scripted) {
      scripted.times -= 1;
      if (scripted.times <= 0) this.#script.splice(this.#script.indexOf(scripted), 1);
      if (scripted.kind === 'server_error') return { kind: 'server_error', status: scripted.status ?? s.statuses5xx[0]! };
      if (scripted.kind === 'rate_limit') return { kind: 'rate_limit', retryAfterSeconds: scripted.retryAfterSeconds ?? s.retryAfterSeconds };
      return { kind: scripted.kind };
    }
    let edge = s.rate429;
    if (r < edge) return { kind: 'rate_limit', retryAfterSeconds: s.retryAfterSeconds };
    if (r < (edge += s.rate5xx)) return { kind: 'server_error', status: s.statuses5xx[Math.floor(variant * s.statuses5xx.length)]! };
    if (r < (edge += s.timeoutRate)) return { kind: 'timeout' };
    if (r < (edge += s.truncateRate)) return { kind: 'truncate' };
    return null;
  }
}
