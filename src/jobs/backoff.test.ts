import { describe, expect, test } from 'vitest';
import { backoffSeconds, nextRunAt } from './backoff.ts';

const policy = { baseSeconds: 2, capSeconds: 60, jitter: 0 };

describe('backoff', () => {
  test('follows base * 2^(attempt-1)', () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffSeconds(policy, n))).toEqual([2, 4, 8, 16, 32]);
  });

  test('is capped', () => {
    expect(backoffSeconds(policy, 6)).toBe(60);
    expect(backoffSeconds(policy, 50)).toBe(60);
  });

  test('allows fractional bases', () => {
    expect(backoffSeconds({ ...policy, baseSeconds: 0.25 }, 3)).toBe(1);
  });

  test('jitter shortens the delay by at most its fraction', () => {
    const jittered = { ...policy, jitter: 0.5 };
    expect(backoffSeconds(jittered, 3, () => 0)).toBe(8);
    expect(backoffSeconds(jittered, 3, () => 1)).toBe(4);
    expect(backoffSeconds(jittered, 3, () => 0.5)).toBe(6);
  });

  test('a later Retry-After wins over the backoff', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const retryAt = new Date('2026-01-01T00:00:30Z');
    expect(nextRunAt(policy, 1, now, retryAt)).toEqual(retryAt);
  });

  test('an earlier Retry-After does not shorten the backoff', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    expect(nextRunAt(policy, 2, now, new Date('2026-01-01T00:00:01Z'))).toEqual(new Date('2026-01-01T00:00:04Z'));
  });
});
