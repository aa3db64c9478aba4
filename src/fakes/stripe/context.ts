/**
 * What the front middleware hands to the routes for one request: its log entry, its `req_…` id and the API key it
 * authenticated with. Kept apart so routes and the server share the types without importing each other.
 */
import type { HttpBindings } from '@hono/node-server';
import type { RequestRef } from './events.ts';
import type { FaultKind } from './faults.ts';

/** One line of `requests`: enough to assert "no page fetched twice" and "no retry before Retry-After". */
export interface StripeRequestLogEntry {
  /** Arrival time in milliseconds on the fake's clock (`options.now`). */
  at: number;
  method: string;
  path: string;
  /** Decoded query: `created[gte]` as a key; a repeated key (`types[]`) as an array. */
  query: Record<string, string | string[]>;
  /** The status sent; null when no response was sent (timeout fault). */
  status: number | null;
  /** Set when the answer was a fault (injected, or the rate limiter's 429). */
  fault?: FaultKind;
  request_id: string;
  api_key: string | null;
  stripe_version: string | null;
  stripe_account: string | null;
  idempotency_key: string | null;
  /** True when the answer was an idempotent replay. */
  replayed: boolean;
}

export interface FakeStripeEnv {
  Bindings: HttpBindings;
  Variables: {
    entry: StripeRequestLogEntry;
    request: RequestRef;
    apiKey: string;
  };
}
