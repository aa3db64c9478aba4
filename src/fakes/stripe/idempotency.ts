/**
 * Idempotent POSTs (reference §12): the first answer for an `Idempotency-Key` (per API key) is stored and replayed
 * with `Idempotent-Replayed: true`; the same key with other parameters is an `idempotency_error`. Requests refused
 * before they ran (auth, rate limits, injected faults, parameter validation) store nothing, so a retry may succeed.
 */
import { StripeError } from './errors.ts';

export interface StoredAnswer {
  status: number;
  body: unknown;
}

interface Entry extends StoredAnswer {
  fingerprint: string;
}

export class IdempotencyKeys {
  readonly #answers = new Map<string, Entry>();

  /** The stored answer to replay, null to run the request, or a 400 when the key was used with other params. */
  lookup(apiKey: string, key: string, fingerprint: string): StoredAnswer | null {
    const entry = this.#answers.get(`${apiKey}\n${key}`);
    if (!entry) return null;
    if (entry.fingerprint !== fingerprint) {
      throw new StripeError(400, {
        type: 'idempotency_error',
        message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
      });
    }
    return entry;
  }

  remember(apiKey: string, key: string, fingerprint: string, answer: StoredAnswer): void {
    this.#answers.set(`${apiKey}\n${key}`, { fingerprint, ...answer });
  }
}

/** Params as canonical JSON (sorted keys), so the same request compares equal however it was encoded. */
export function fingerprint(method: string, path: string, params: unknown): string {
  return `${method} ${path} ${JSON.stringify(params, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  )}`;
}
