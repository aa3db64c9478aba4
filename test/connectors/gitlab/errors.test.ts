/**
 * Upstream failures as the engine sees them, against the fake GitLab: a 429 is UpstreamRateLimited with the time
 * GitLab names (Retry-After; the reset headers without it, in rate-limit.ts's pure tests), a 5xx is
 * UpstreamUnavailable, a refused token is AuthError, a slow answer UpstreamTimeout, a caller's abort is that abort.
 * A failed write changes nothing.
 */
import { beforeEach, describe, expect, test } from 'vitest';
import { retryAtOf } from '../../../src/connectors/gitlab/rate-limit.ts';
import { AuthError, UpstreamRateLimited, UpstreamTimeout, UpstreamUnavailable } from '../../../src/protocol/errors.ts';
import { PROJECT, useFakeGitLab } from './helpers.ts';

const env = useFakeGitLab();

// Registered after useFakeGitLab's, so it runs on each test's fresh fake.
beforeEach(() => {
  env.fake.store.create(PROJECT, { title: 'Existing', labels: ['bug'] }, { quiet: true });
});

async function failure(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error('expected a failure');
    },
    (err: unknown) => err,
  );
}

describe('rate limits', () => {
  test('an injected 429 is UpstreamRateLimited at now + Retry-After', async () => {
    env.fake.faults.inject(1, 'rate_limit', { retryAfterSeconds: 30 });
    const err = (await failure(env.provider.get('1'))) as UpstreamRateLimited;
    expect(err).toBeInstanceOf(UpstreamRateLimited);
    expect(err.retryable).toBe(true);
    expect(err.retryAt).toEqual(new Date(env.clock + 30_000));
  });

  test('Rack::Attack’s throttle: the 429 past the limit names the end of the window', async () => {
    // Windows start on the minute (epoch-aligned): 12:00:10 is inside the window ending 12:01:00.
    env.clock += 10_000;
    await env.restart({ rateLimit: { limit: 2, windowSeconds: 60 } });
    env.fake.store.create(PROJECT, { title: 'Existing' }, { quiet: true });
    await env.provider.get('1');
    await env.provider.listChangedSince(null, null);
    const err = (await failure(env.provider.update('1', { title: 'too many' }))) as UpstreamRateLimited;
    expect(err).toBeInstanceOf(UpstreamRateLimited);
    expect(err.retryAt).toEqual(new Date(env.clock + 50_000));
    expect(err.detail).toMatchObject({ status: 429, ratelimit_name: 'throttle_authenticated_api' });
    expect(env.fake.store.get(PROJECT, 1)!.title).toBe('Existing');
    env.clock += 50_000;
    expect((await env.provider.update('1', { title: 'after the window' })).fields.title).toBe('after the window');
  });

  test('without Retry-After the reset headers decide: RateLimit-ResetTime, then RateLimit-Reset', () => {
    const now = new Date(Date.UTC(2021, 0, 5, 10, 59, 0));
    expect(retryAtOf(new Headers({ 'retry-after': '30', 'ratelimit-reset': '1609844400' }), now)).toEqual(new Date(now.getTime() + 30_000));
    expect(retryAtOf(new Headers({ 'ratelimit-resettime': 'Tue, 05 Jan 2021 11:00:00 GMT', 'ratelimit-reset': '1609844999' }), now)).toEqual(new Date('2021-01-05T11:00:00Z'));
    expect(retryAtOf(new Headers({ 'ratelimit-reset': '1609844400' }), now)).toEqual(new Date(1609844400 * 1000));
    expect(retryAtOf(new Headers({ 'ratelimit-reset': 'soon' }), now)).toBeUndefined();
    // An application limit (issue creation) may send none of them: the engine's backoff decides.
    expect(retryAtOf(new Headers(), now)).toBeUndefined();
  });
});

describe('other failures', () => {
  test('a 500 (and 502, 503) is UpstreamUnavailable, and the write it refused did not happen', async () => {
    env.fake.faults.inject(1, 'server_error', { status: 500, method: 'PUT' });
    env.fake.faults.inject(1, 'server_error', { status: 502, method: 'POST' });
    env.fake.faults.inject(1, 'server_error', { status: 503, method: 'GET' });
    const put = await failure(env.provider.update('1', { title: 'lost' }));
    expect(put).toBeInstanceOf(UpstreamUnavailable);
    expect((put as UpstreamUnavailable).retryable).toBe(true);
    expect(env.fake.store.get(PROJECT, 1)!.title).toBe('Existing');
    expect(await failure(env.provider.create({ title: 'lost', body: '', state: 'open', labels: [], assignees: [] }))).toBeInstanceOf(UpstreamUnavailable);
    expect(env.fake.store.count(PROJECT)).toBe(1);
    expect(await failure(env.provider.listChangedSince(null, null))).toBeInstanceOf(UpstreamUnavailable);
  });

  test('a closed issue whose closing PUT fails exists open, and the error names it', async () => {
    env.fake.faults.inject(1, 'server_error', { status: 500, method: 'PUT' });
    const err = (await failure(env.provider.create({ title: 'born closed', body: '', state: 'closed', labels: [], assignees: [] }))) as UpstreamUnavailable;
    expect(err).toBeInstanceOf(UpstreamUnavailable);
    expect(err.detail).toMatchObject({ created_external_id: '2' });
    expect(env.fake.store.get(PROJECT, 2)).toMatchObject({ title: 'born closed', state: 'open' });
  });

  test('a token GitLab refuses is AuthError, not retryable, and the token is in no message', async () => {
    await env.restart({ tokens: ['glpat-good'] });
    const bad = env.providerWith({ token: 'glpat-revoked-secret' });
    const err = (await failure(bad.get('1'))) as AuthError;
    expect(err).toBeInstanceOf(AuthError);
    expect(err.retryable).toBe(false);
    expect(`${err.message} ${JSON.stringify(err.detail)}`).not.toContain('glpat-revoked-secret');
    expect(await failure(bad.listChangedSince(null, null))).toBeInstanceOf(AuthError);
    // The good token authenticates with Authorization: Bearer.
    env.fake.store.create(PROJECT, { title: 'ok' }, { quiet: true });
    expect((await env.providerWith({ token: 'glpat-good' }).get('1'))?.fields.title).toBe('ok');
  });

  test('an answer slower than timeoutMs is UpstreamTimeout', async () => {
    env.fake.faults.set({ timeoutMs: 5_000 });
    env.fake.faults.inject(1, 'timeout');
    const quick = env.providerWith({ token: 't', timeoutMs: 200 });
    expect(await failure(quick.get('1'))).toBeInstanceOf(UpstreamTimeout);
  });

  test('the caller’s abort is that abort', async () => {
    const controller = new AbortController();
    controller.abort(new Error('lease lost'));
    expect(await failure(env.provider.get('1', controller.signal))).toMatchObject({ message: 'lease lost' });
  });
});
