/**
 * A token bucket in Postgres, one row per connection key, shared by every worker on the database: the
 * provider's published limit (N requests per P seconds) holds however many processes sync at once.
 * The bucket holds at most N/2 tokens and refills at N/2 per P (plus a jitter allowance, below), so no
 * window of P seconds can see more than N requests (a full bucket plus one period of refill) — the
 * provider never has to say 429 — while a quiet connection can still burst. Time is the database's clock, the one clock all workers share.
 */
import type { Queryable } from '../../db/db.ts';
import { quoteIdent } from '../../db/ident.ts';

export interface RateLimit {
  key: string;
  requests: number;
  perSeconds: number;
}

export interface RateLimiter {
  /** Resolves when one request may be sent; rejects with the signal's reason when aborted while waiting. */
  acquire(limit: RateLimit, signal: AbortSignal): Promise<void>;
}

/**
 * Requests are granted by the database's clock but reach the provider a little later, by how much
 * depends on the sender's event loop (PGlite runs in it): grants spread evenly can arrive bunched. The
 * refill is computed for a period this much longer, so arrivals still fit the provider's window.
 */
export const ARRIVAL_JITTER_SECONDS = 0.25;

/** The bucket's shape for a limit: capacity and refill per second. */
export function bucketOf(limit: RateLimit): { capacity: number; perSecond: number } {
  const capacity = Math.max(1, Math.floor(limit.requests / 2));
  return { capacity, perSecond: (limit.requests - capacity) / (limit.perSeconds + ARRIVAL_JITTER_SECONDS) };
}

export function createRateLimiter(db: Queryable, schema: string): RateLimiter {
  const table = `${quoteIdent(schema)}.rate_limit_buckets`;
  // Refill by elapsed time and take a token if there is one, in one statement (row-locked, so two
  // workers never take the same token); `granted` says whether this call got it.
  const level = `least($2::double precision, b.tokens + extract(epoch from clock_timestamp() - b.updated_at) * $3::double precision)`;
  const takeSql = `
    insert into ${table} as b (key, tokens, granted, updated_at) values ($1, $2::double precision - 1, true, clock_timestamp())
    on conflict (key) do update set
      tokens = ${level} - case when ${level} >= 1 then 1 else 0 end,
      granted = ${level} >= 1,
      updated_at = clock_timestamp()
    returning granted, tokens`;
  return {
    async acquire(limit, signal) {
      const { capacity, perSecond } = bucketOf(limit);
      for (;;) {
        signal.throwIfAborted();
        const { rows } = await db.query<{ granted: boolean; tokens: number }>(takeSql, [limit.key, capacity, perSecond]);
        const row = rows[0]!;
        if (row.granted) return;
        // Until the bucket holds one whole token again.
        await sleep(Math.max(5, ((1 - row.tokens) / perSecond) * 1000), signal);
      }
    },
  };
}

/**
 * The same bucket in memory, for a connector run on its own (`syncbridge connector pco …`), where there
 * is no database to share it through.
 */
export function createMemoryRateLimiter(now: () => number = () => performance.now()): RateLimiter {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    async acquire(limit, signal) {
      const { capacity, perSecond } = bucketOf(limit);
      for (;;) {
        signal.throwIfAborted();
        const t = now();
        const b = buckets.get(limit.key) ?? { tokens: capacity, at: t };
        b.tokens = Math.min(capacity, b.tokens + ((t - b.at) / 1000) * perSecond);
        b.at = t;
        buckets.set(limit.key, b);
        if (b.tokens >= 1) {
          b.tokens -= 1;
          return;
        }
        await sleep(Math.max(5, ((1 - b.tokens) / perSecond) * 1000), signal);
      }
    },
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
