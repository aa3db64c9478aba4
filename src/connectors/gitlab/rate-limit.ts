/**
 * GitLab's 429s read into `UpstreamRateLimited` with the time to come back (reference §5). Rack::Attack's throttle
 * answers plain `Retry later` with `Retry-After` (seconds) and `RateLimit-ResetTime` (an HTTP date) beside the
 * `RateLimit-*` set (`RateLimit-Reset` in epoch seconds); application limits (issue creation: 200/min on GitLab.com)
 * answer JSON and may carry none of them. Backoff order, as the reference gives it: `Retry-After`, then the reset
 * headers, then nothing (the engine's own backoff).
 */
import { parseRetryAfter, type SyncError, UpstreamRateLimited } from '../../protocol/errors.ts';

/** When a 429 says to come back: Retry-After, else RateLimit-ResetTime, else RateLimit-Reset; undefined when none. */
export function retryAtOf(headers: Headers, now: Date): Date | undefined {
  const retryAfter = parseRetryAfter(headers.get('retry-after'), now);
  if (retryAfter) return retryAfter;
  const resetTime = headers.get('ratelimit-resettime');
  if (resetTime !== null) {
    const at = Date.parse(resetTime);
    if (!Number.isNaN(at)) return new Date(at);
  }
  const reset = headers.get('ratelimit-reset')?.trim();
  if (reset && /^\d+$/.test(reset)) return new Date(Number(reset) * 1000);
  return undefined;
}

/** The error for a GitLab 429: the shared client's, with `retryAt` read from every header GitLab may send. */
export function rateLimitedError(headers: Headers, fallback: SyncError, now: Date): UpstreamRateLimited {
  const retryAt = retryAtOf(headers, now);
  const name = headers.get('ratelimit-name');
  return new UpstreamRateLimited(`GitLab rate limit reached${name ? ` (${name})` : ''}${retryAt ? `; retry at ${retryAt.toISOString()}` : ''}`, {
    detail: {
      ...fallback.detail,
      ...(retryAt ? { retry_at: retryAt.toISOString() } : {}),
      ...(name ? { ratelimit_name: name } : {}),
    },
    ...(retryAt ? { retryAt } : {}),
  });
}
