/**
 * GitHub's refusals and failures as typed errors, over real HTTP from the fake: a spent primary limit (403 or 429)
 * is UpstreamRateLimited until `x-ratelimit-reset`; a secondary limit until `retry-after`; a 403 that is neither is
 * AuthError, as is a bad token; 5xx is UpstreamUnavailable and a dropped connection past the timeout UpstreamTimeout.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { AuthError, NotFound, SyncError, UpstreamRateLimited, UpstreamTimeout, UpstreamUnavailable, ValidationError } from '../../../src/protocol/errors.ts';
import { createGitHubProvider } from '../../../src/connectors/github/index.ts';
import { classifyGitHubAnswer, UNTIMED_LIMIT_WAIT_MS } from '../../../src/connectors/github/rate-limit.ts';
import { REPO, rejection, setup, START, TOKEN, type Setup } from './helpers.ts';

let s: Setup;
beforeEach(async () => {
  s = await setup();
  s.fake.store.create(REPO, { title: 'x' });
});
afterEach(() => s.close());

/** The reset the fake announced on its last answer, as GitHub sends it: epoch seconds. */
function lastResetHeader(): number {
  return Math.ceil(s.fake.requests.at(-1)!.rate!.reset_at / 1000);
}

describe('rate limits', () => {
  for (const status of [403, 429] as const) {
    test(`a spent primary limit (${status}, x-ratelimit-remaining 0) is UpstreamRateLimited until x-ratelimit-reset`, async () => {
      await s.close();
      s = await setup({ rateLimit: { limit: 2 }, rateLimitStatus: status });
      s.fake.store.create(REPO, { title: 'x' });
      s.clock.now += 1_000;
      await s.provider.get('1');
      await s.provider.listChangedSince(null, null);
      const err = await rejection(s.provider.get('1'));
      expect(s.fake.requests.at(-1)).toMatchObject({ status, fault: 'rate_limiter', rate: { remaining: 0 } });
      expect(err).toBeInstanceOf(UpstreamRateLimited);
      const reset = lastResetHeader();
      expect(reset).toBe(Math.ceil((START + 1_000 + 3_600_000) / 1000));
      expect((err as UpstreamRateLimited).retryAt).toEqual(new Date(reset * 1000));
      expect((err as UpstreamRateLimited).retryable).toBe(true);
      expect((err as SyncError).detail).toMatchObject({ status, rate_limit: 'primary', ratelimit_reset: String(reset) });
    });
  }

  test('a secondary limit with retry-after is UpstreamRateLimited until then, for reads and writes', async () => {
    s.fake.faults.inject(1, 'rate_limit', { method: 'POST', retryAfterSeconds: 7 });
    const err = await rejection(s.provider.create({ title: 'y', body: '', state: 'open', labels: [], assignees: [] }));
    expect(s.fake.requests.at(-1)).toMatchObject({ status: 403, fault: 'rate_limit' });
    expect(err).toBeInstanceOf(UpstreamRateLimited);
    expect((err as UpstreamRateLimited).retryAt).toEqual(new Date(START + 7_000));
    expect((err as SyncError).detail).toMatchObject({ rate_limit: 'secondary', retry_after: '7' });
    expect(s.fake.store.count(REPO)).toBe(1);

    s.clock.now += 1_000;
    s.fake.faults.inject(1, 'rate_limit', { method: 'GET', retryAfterSeconds: 30 });
    const read = await rejection(s.provider.get('1'));
    expect((read as UpstreamRateLimited).retryAt).toEqual(new Date(START + 31_000));
  });

  test('the secondary limit answered as 429 is the same', async () => {
    await s.close();
    s = await setup({ rateLimitStatus: 429 });
    s.fake.faults.inject(1, 'rate_limit', { retryAfterSeconds: 5 });
    const err = await rejection(s.provider.listChangedSince(null, null));
    expect(s.fake.requests.at(-1)!.status).toBe(429);
    expect((err as UpstreamRateLimited).retryAt).toEqual(new Date(START + 5_000));
  });
});

describe('classifyGitHubAnswer', () => {
  const fallback = new AuthError('GET /x answered 403', { detail: { status: 403 } });
  const answer = (status: number, headers: Record<string, string>, text = '') => ({ status, headers: new Headers(headers), text });
  const now = () => START;

  test('a 403 with remaining left and no rate-limit message is a permission problem: AuthError', () => {
    const body = JSON.stringify({ message: 'Resource not accessible by personal access token' });
    expect(classifyGitHubAnswer(answer(403, { 'x-ratelimit-remaining': '4999', 'x-ratelimit-reset': '1768482000' }, body), fallback, now)).toBe(fallback);
  });

  test('a secondary limit named only in the message waits the docs’ minute', () => {
    const body = JSON.stringify({ message: 'You have exceeded a secondary rate limit and have been temporarily blocked from content creation.' });
    const err = classifyGitHubAnswer(answer(403, { 'x-ratelimit-remaining': '4000' }, body), fallback, now);
    expect(err).toBeInstanceOf(UpstreamRateLimited);
    expect((err as UpstreamRateLimited).retryAt).toEqual(new Date(START + UNTIMED_LIMIT_WAIT_MS));
  });

  test('retry-after and a spent limit together wait for the later of the two', () => {
    const reset = START / 1000 + 600;
    const err = classifyGitHubAnswer(answer(429, { 'retry-after': '60', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) }), fallback, now);
    expect((err as UpstreamRateLimited).retryAt).toEqual(new Date(reset * 1000));
  });

  test('other statuses keep the shared classification', () => {
    const unavailable = new UpstreamUnavailable('503');
    expect(classifyGitHubAnswer(answer(503, { 'retry-after': '5' }), unavailable, now)).toBe(unavailable);
  });
});

describe('other failures', () => {
  test('a 500 (or 502) is UpstreamUnavailable', async () => {
    s.fake.faults.inject(1, 'server_error', { status: 500 });
    expect(await rejection(s.provider.get('1'))).toBeInstanceOf(UpstreamUnavailable);
    s.fake.faults.inject(1, 'server_error', { status: 502 });
    expect(await rejection(s.provider.listChangedSince(null, null))).toBeInstanceOf(UpstreamUnavailable);
  });

  test('a bad token is AuthError (401), and the token is not in the error', async () => {
    await s.close();
    s = await setup({ tokens: [TOKEN] });
    s.fake.store.create(REPO, { title: 'x' });
    const stranger = s.providerWith({ token: 'ghp_wrong_token_value' });
    const err = await rejection(stranger.get('1'));
    expect(s.fake.requests.at(-1)!.status).toBe(401);
    expect(err).toBeInstanceOf(AuthError);
    expect(JSON.stringify({ message: err.message, detail: (err as SyncError).detail })).not.toContain('ghp_wrong_token_value');
    expect(await s.provider.get('1')).not.toBeNull();
  });

  test('a connection dropped past the timeout is UpstreamTimeout', async () => {
    s.fake.faults.set({ timeoutMs: 1_000 });
    s.fake.faults.inject(1, 'timeout');
    const quick = s.providerWith({ timeoutMs: 100 });
    expect(await rejection(quick.get('1'))).toBeInstanceOf(UpstreamTimeout);
  });

  test('a repository this token cannot see (404) is AuthError, not every issue read as deleted', async () => {
    const elsewhere = s.providerWith({ repo: 'octocat/private-one' });
    const err = await rejection(elsewhere.get('1'));
    expect(err).toBeInstanceOf(AuthError);
    expect(err.message).toContain('octocat/private-one');
    expect(await rejection(elsewhere.update('1', { title: 'x' }))).toBeInstanceOf(AuthError);
    expect(await rejection(elsewhere.listChangedSince(null, null))).toBeInstanceOf(NotFound);
    // In a visible repository a 404 is just an issue that is not there: one probe of the repository, then null.
    expect(await s.provider.get('42')).toBeNull();
    expect(s.fake.requests.slice(-2).map((r) => [r.path, r.status])).toEqual([
      [`/repos/${REPO}/issues/42`, 404],
      [`/repos/${REPO}/issues`, 200],
    ]);
  });

  test('a config that cannot name a repository is refused at construction', () => {
    expect(() => createGitHubProvider({ baseUrl: s.fake.url, repo: 'no-slash', token: TOKEN })).toThrow(ValidationError);
    expect(() => createGitHubProvider({ baseUrl: 'not a url', repo: REPO, token: TOKEN })).toThrow(ValidationError);
    expect(() => createGitHubProvider({ baseUrl: s.fake.url, repo: REPO, token: '' })).toThrow(ValidationError);
  });
});
