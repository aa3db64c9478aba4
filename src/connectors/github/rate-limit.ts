/**
 * GitHub's refusals read into the right typed error (reference §5). GitHub answers a spent primary limit and its
 * secondary limits with 403 *or* 429, so the status alone cannot tell "slow down" from "not allowed": the shared
 * client's 403 → AuthError is corrected here, once, from the headers. Backoff follows the docs: `retry-after` when
 * present, else `x-ratelimit-reset` when `x-ratelimit-remaining` is 0, else at least a minute.
 */
import type { HttpErrorAnswer } from '../http.ts';
import { parseRetryAfter, type SyncError, UpstreamRateLimited } from '../../protocol/errors.ts';

/** The docs' wait for a secondary limit that names no time: "at least one minute". */
export const UNTIMED_LIMIT_WAIT_MS = 60_000;

/**
 * The error for one non-2xx GitHub answer: UpstreamRateLimited (with `retryAt`) for a primary or secondary rate
 * limit, otherwise `fallback` — the shared client's classification (403 AuthError, 5xx UpstreamUnavailable, …).
 */
export function classifyGitHubAnswer(answer: HttpErrorAnswer, fallback: SyncError, now: () => number = Date.now): SyncError {
  if (answer.status !== 403 && answer.status !== 429) return fallback;
  const retryAfter = answer.headers.get('retry-after');
  const reset = answer.headers.get('x-ratelimit-reset');
  const primary = answer.headers.get('x-ratelimit-remaining') === '0';
  // A secondary limit without retry-after is told apart from a permission 403 only by its message (reference §5).
  const secondary = retryAfter !== null || /secondary rate limit/i.test(answer.text);
  if (!primary && !secondary && answer.status === 403) return fallback;

  const at = new Date(now());
  const candidates: Date[] = [];
  const afterRetry = parseRetryAfter(retryAfter, at);
  if (afterRetry) candidates.push(afterRetry);
  if (primary && reset !== null && /^\d+$/.test(reset.trim())) candidates.push(new Date(Number(reset.trim()) * 1000));
  // Both may be present; waiting for the later one is the only wait that satisfies both.
  const retryAt = candidates.length ? new Date(Math.max(...candidates.map((d) => d.getTime()))) : new Date(at.getTime() + UNTIMED_LIMIT_WAIT_MS);

  const kind = primary ? 'primary' : 'secondary';
  return new UpstreamRateLimited(`GitHub ${kind} rate limit reached (${answer.status}); retry at ${retryAt.toISOString()}`, {
    detail: {
      ...fallback.detail,
      rate_limit: kind,
      retry_at: retryAt.toISOString(),
      ...(retryAfter !== null ? { retry_after: retryAfter } : {}),
      ...(reset !== null ? { ratelimit_reset: reset } : {}),
    },
    retryAt,
  });
}
