/**
 * What the three git fakes share, without HTTP: the issue store keeps numbers per repository and ids global, bumps
 * `updated_at` only on a real change and announces nothing for a no-op; the timestamp formats and parser; the
 * fixed-window limiter's two alignments and refunds; seeded faults repeat.
 */
import { describe, expect, test } from 'vitest';
import { Faults } from '../../src/fakes/git/common/faults.ts';
import { RateLimiter } from '../../src/fakes/git/common/rate-limit.ts';
import { IssueStore, type IssueChange } from '../../src/fakes/git/common/store.ts';
import { isoMillis, isoSeconds, parseTimestamp, rfc3339WithOffset, utcWords } from '../../src/fakes/git/common/time.ts';

const T = Date.UTC(2026, 0, 15, 12, 0, 0, 250);

describe('issue store', () => {
  test('numbers are per repository, ids global; a no-op update changes nothing and tells nobody', () => {
    let now = T;
    const store = new IssueStore({ now: () => now });
    store.createRepo('a/one');
    store.createRepo('a/two');
    const changes: IssueChange[] = [];
    store.onChange((c) => changes.push(c));
    const x = store.create('a/one', { title: 'x', labels: ['Bug'] });
    const y = store.create('a/two', { title: 'y' });
    expect([x.number, y.number]).toEqual([1, 1]);
    expect(y.id).toBe(x.id + 1);
    now += 1000;
    expect(store.update('a/one', 1, { title: 'x', labels: ['bug'] })).toEqual(x);
    expect(changes).toHaveLength(2);
    const z = store.update('a/one', 1, { add_labels: ['ui'], assignees: ['ann'] })!;
    expect(z.updated_at).toBe(now);
    expect(changes.at(-1)!.diff).toMatchObject({ labels_added: ['ui'], assignees_added: ['ann'] });
    // Snapshots are frozen copies: later changes do not reach them.
    expect(x.labels).toEqual(['Bug']);
    expect(Object.isFrozen(x)).toBe(true);
    store.remoteEdit('a/one', 1, { state: 'closed' });
    expect(changes.at(-1)).toMatchObject({ via: 'web', actor: 'web-editor', diff: { state: { from: 'open', to: 'closed' } } });
  });
});

describe('time', () => {
  test('each provider’s format, and one parser for all of them', () => {
    expect(isoSeconds(T)).toBe('2026-01-15T12:00:00Z');
    expect(isoMillis(T)).toBe('2026-01-15T12:00:00.250Z');
    expect(rfc3339WithOffset(T, 540)).toBe('2026-01-15T21:00:00+09:00');
    expect(rfc3339WithOffset(T, -330)).toBe('2026-01-15T06:30:00-05:30');
    expect(utcWords(T)).toBe('2026-01-15 12:00:00 UTC');
    expect(parseTimestamp('2026-01-15T21:00:00+09:00')).toBe(Date.UTC(2026, 0, 15, 12));
    expect(parseTimestamp('2026-01-15T12:00:00.250Z')).toBe(T);
    expect(parseTimestamp('2026-01-15 12:00:00 UTC')).toBe(Date.UTC(2026, 0, 15, 12));
    expect(parseTimestamp('2026-01-15')).toBe(Date.UTC(2026, 0, 15));
    expect(parseTimestamp('2026-13-01')).toBeNull();
    expect(parseTimestamp('yesterday')).toBeNull();
  });
});

describe('rate limiter', () => {
  test('first-request windows (GitHub) do not count refusals; epoch windows (GitLab) do; a refund gives one back', () => {
    const gh = new RateLimiter({ limit: 2, windowSeconds: 60 });
    expect(gh.take('t', T)!.remaining).toBe(1);
    expect(gh.refund('t', T)!.used).toBe(0);
    gh.take('t', T);
    gh.take('t', T);
    const refused = gh.take('t', T + 1000)!;
    expect(refused).toMatchObject({ allowed: false, used: 2, remaining: 0, resetAt: T + 60_000, retryAfter: 59 });
    expect(gh.take('t', T + 60_000)!.allowed).toBe(true);

    const gl = new RateLimiter({ limit: 1, windowSeconds: 60, align: 'epoch', countRefused: true });
    gl.take('t', T);
    expect(gl.take('t', T)).toMatchObject({ allowed: false, used: 2, resetAt: Date.UTC(2026, 0, 15, 12, 1) });
    gl.set(null);
    expect(gl.take('t', T)).toBeNull();
  });
});

describe('faults', () => {
  test('the same seed and request sequence give the same faults; scripted faults come first', () => {
    const run = () => {
      const f = new Faults({ seed: 42, rate5xx: 0.3, rateLimitRate: 0.2 });
      f.inject(1, 'timeout', { method: 'PATCH' });
      return ['GET', 'PATCH', 'GET', 'GET', 'POST', 'GET', 'GET', 'GET'].map((m) => f.decide(m, '/x')?.kind ?? null);
    };
    const a = run();
    expect(run()).toEqual(a);
    expect(a[1]).toBe('timeout');
    expect(a.filter((k) => k !== null && k !== 'timeout').length).toBeGreaterThan(0);
    expect(() => new Faults({ rate5xx: 0.8, timeoutRate: 0.5 })).toThrow();
  });
});
