/**
 * What the front middleware hands to the routes for one request (its log entry, the caller, the version it runs
 * as), and the request log's shape. Kept apart so routes and the server share the types without importing each other.
 */
import type { HttpBindings } from '@hono/node-server';
import type { Caller } from './auth.ts';
import type { FaultKind } from './faults.ts';

/** One line of `requests`: enough to assert paging, pacing and retries from the fake's side. */
export interface PcoRequestLogEntry {
  /** Arrival time in ms on the fake's clock (`options.now`). */
  at: number;
  method: string;
  path: string;
  /** Decoded query; `where[updated_at][gte]` is a key; a repeated key keeps the last value. */
  query: Record<string, string>;
  /** The status sent; null when no response was sent (timeout fault). */
  status: number | null;
  /** Set when the answer was a fault (injected, or `rate_limiter` for the limiter's own 429). */
  fault?: FaultKind;
  /** The application id (Basic) or token (Bearer) that authenticated; null when authentication failed. Never a secret. */
  credential: string | null;
  auth_method: 'basic' | 'bearer' | null;
  /** `X-PCO-API-Version` as sent, and the version the request ran as. */
  api_version: string | null;
  processed_as: string | null;
  /** The limiter's state after this request (null when the limiter is off or the caller unknown). */
  rate: { count: number; limit: number; period_seconds: number } | null;
  /** `Retry-After` sent, in seconds. */
  retry_after: number | null;
  /** Request headers of interest: content-type, user-agent, accept, x-pco-api-version (never authorization). */
  headers: Record<string, string>;
}

export interface FakePcoEnv {
  Bindings: HttpBindings;
  Variables: {
    entry: PcoRequestLogEntry;
    caller: Caller;
    version: string;
  };
}
