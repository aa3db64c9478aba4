/**
 * Retry timing, pure: `base * 2^(attempt-1)` seconds, capped, optionally shortened by up to `jitter`
 * of itself so a fleet of failed jobs does not retry in lockstep; an upstream's Retry-After wins when
 * it is later.
 */

export interface BackoffPolicy {
  baseSeconds: number;
  capSeconds: number;
  /** 0 (exact formula) to 1: the delay is multiplied by a random factor in [1 - jitter, 1]. */
  jitter: number;
}

export function backoffSeconds(policy: BackoffPolicy, attempt: number, random: () => number = Math.random): number {
  const exact = Math.min(policy.capSeconds, policy.baseSeconds * 2 ** Math.max(0, attempt - 1));
  return policy.jitter > 0 ? exact * (1 - policy.jitter * random()) : exact;
}

/** When a job that failed retryably on `attempt` runs next. */
export function nextRunAt(
  policy: BackoffPolicy,
  attempt: number,
  now: Date,
  retryAt: Date | undefined,
  random?: () => number,
): Date {
  const byBackoff = new Date(now.getTime() + backoffSeconds(policy, attempt, random) * 1000);
  return retryAt && retryAt > byBackoff ? retryAt : byBackoff;
}
