/**
 * Request faults, decided per request from a seeded PRNG: the same seed and request sequence give the same faults.
 * Two draws per authenticated request whatever the rates, so changing one rate does not shift the others' sequence.
 * `inject()` scripts faults for the next matching requests (`inject(3, 'server_error', { method: 'PATCH' })`).
 * Each provider answers a fault its own way (its 5xx body, its secondary or proxy rate limit).
 */
import { createPrng } from '../../prng.ts';

export type FaultKind = 'server_error' | 'timeout' | 'rate_limit';

export interface FaultSettings {
  /** Share of requests answered with a status from `statuses5xx`. */
  rate5xx: number;
  statuses5xx: number[];
  /** Share held for `timeoutMs`, then dropped (socket destroyed, no response) before the request runs. */
  timeoutRate: number;
  timeoutMs: number;
  /** Share answered with the provider's injected rate limit (GitHub's secondary limit, a 429 elsewhere). */
  rateLimitRate: number;
  /** `Retry-After` on an injected rate limit. */
  retryAfterSeconds: number;
  /** Seeds the PRNG; setting it restarts the sequence. */
  seed: number;
}

export const DEFAULT_FAULTS: FaultSettings = {
  rate5xx: 0,
  statuses5xx: [500, 502, 503],
  timeoutRate: 0,
  timeoutMs: 1_000,
  rateLimitRate: 0,
  retryAfterSeconds: 1,
  seed: 1,
};

export interface ScriptedFault {
  kind: FaultKind;
  /** How many matching requests get it; default 1. */
  times?: number;
  method?: string;
  /** Exact path or a pattern, matched against the path without the query. */
  path?: string | RegExp;
  /** For `server_error`: the status; default the first of `statuses5xx`. */
  status?: number;
  /** For `rate_limit`: the Retry-After; default `retryAfterSeconds`. */
  retryAfterSeconds?: number;
}

export interface FaultDecision {
  kind: FaultKind;
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
    const rates = [next.rate5xx, next.timeoutRate, next.rateLimitRate];
    if (rates.some((r) => !(r >= 0 && r <= 1))) throw new Error('fault rates must be between 0 and 1');
    if (rates.reduce((a, b) => a + b, 0) > 1 + 1e-9) throw new Error('fault rates must add up to at most 1');
    if (next.statuses5xx.length === 0 || next.statuses5xx.some((s) => s < 500 || s > 599)) throw new Error('statuses5xx must be 5xx statuses');
    this.#settings = next;
    if (patch.seed !== undefined) this.#random = createPrng(patch.seed);
  }

  /** No faults, the PRNG restarted from the default seed, scripted faults dropped. */
  reset(): void {
    this.#script = [];
    this.set({ ...DEFAULT_FAULTS });
  }

  /** The next `times` requests matching method/path get this fault, before any random one. */
  inject(fault: ScriptedFault): void;
  inject(times: number, kind: FaultKind, match?: Omit<ScriptedFault, 'kind' | 'times'>): void;
  inject(a: ScriptedFault | number, kind?: FaultKind, match: Omit<ScriptedFault, 'kind' | 'times'> = {}): void {
    const fault: ScriptedFault = typeof a === 'number' ? { ...match, kind: kind!, times: a } : a;
    this.#script.push({ ...fault, times: fault.times ?? 1 });
  }

  /** Scripted faults not yet used up. */
  get scripted(): number {
    return this.#script.reduce((n, f) => n + f.times, 0);
  }

  /** The fault for one authenticated request, or null. */
  decide(method: string, path: string): FaultDecision | null {
    const r = this.#random();
    const variant = this.#random();
    const s = this.#settings;
    const scripted = this.#script.find((f) => (!f.method || f.method === method) && (f.path === undefined || (typeof f.path === 'string' ? f.path === path : f.path.test(path))));
    if (scripted) {
      scripted.times -= 1;
      if (scripted.times <= 0) this.#script.splice(this.#script.indexOf(scripted), 1);
      if (scripted.kind === 'server_error') return { kind: 'server_error', status: scripted.status ?? s.statuses5xx[0]! };
      if (scripted.kind === 'rate_limit') return { kind: 'rate_limit', retryAfterSeconds: scripted.retryAfterSeconds ?? s.retryAfterSeconds };
      return { kind: 'timeout' };
    }
    let edge = s.rate5xx;
    if (r < edge) return { kind: 'server_error', status: s.statuses5xx[Math.floor(variant * s.statuses5xx.length)]! };
    if (r < (edge += s.timeoutRate)) return { kind: 'timeout' };
    if (r < (edge += s.rateLimitRate)) return { kind: 'rate_limit', retryAfterSeconds: s.retryAfterSeconds };
    return null;
  }
}
