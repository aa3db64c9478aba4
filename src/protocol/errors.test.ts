import { describe, expect, test } from 'vitest';
import { AuthError, Conflict, NotFound, parseRetryAfter, UpstreamRateLimited, UpstreamTimeout, UpstreamUnavailable, ValidationError } from './errors.ts';

describe('typed errors', () => {
  test('upstream timeouts, unavailability and rate limits are retryable; the rest are not', () => {
    expect(new UpstreamTimeout('t').retryable).toBe(true);
    expect(new UpstreamUnavailable('u').retryable).toBe(true);
    expect(new UpstreamRateLimited('r').retryable).toBe(true);
    for (const E of [NotFound, ValidationError, AuthError, Conflict]) expect(new E('x').retryable).toBe(false);
  });

  test('each error names its class and a stable code', () => {
    const e = new UpstreamRateLimited('slow down', { retryAt: new Date(0) });
    expect(e.name).toBe('UpstreamRateLimited');
    expect(e.code).toBe('upstream_rate_limited');
    expect(e.retryAt).toEqual(new Date(0));
  });
});

describe('parseRetryAfter', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  test('reads delta-seconds, fractions included', () => {
    expect(parseRetryAfter('1', now)).toEqual(new Date('2026-01-01T00:00:01Z'));
    expect(parseRetryAfter('0.5', now)).toEqual(new Date('2026-01-01T00:00:00.500Z'));
  });
  test('reads an HTTP date', () => {
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:01:00 GMT', now)).toEqual(new Date('2026-01-01T00:01:00Z'));
  });
  test('ignores missing and garbage values', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});
