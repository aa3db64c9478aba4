/**
 * How Gitea's failures reach the engine: classified once, by the shared HTTP client, into the typed errors the
 * job engine retries or fails on — a proxy's 429 with its Retry-After, a 5xx, a refused token, a timeout — with
 * the token kept out of every message and detail. A malformed config fails at construction.
 */
import { describe, expect, test } from 'vitest';
import { createGiteaProvider } from '../../../src/connectors/gitea/index.ts';
import { AuthError, SyncError, UpstreamRateLimited, UpstreamTimeout, UpstreamUnavailable, ValidationError } from '../../../src/protocol/errors.ts';
import { REPO, TOKEN, useFakeGitea } from './helpers.ts';

const env = useFakeGitea();

async function failure(promise: Promise<unknown>): Promise<SyncError> {
  const err = await promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SyncError);
  const text = `${(err as Error).message} ${JSON.stringify((err as SyncError).detail)}`;
  expect(text).not.toContain(TOKEN);
  expect(text).not.toContain('good-token');
  return err as SyncError;
}

describe('upstream failures', () => {
  test('a 429 with Retry-After (an injected proxy limit) is UpstreamRateLimited, retryAt from the header', async () => {
    env.fake.faults.inject(1, 'rate_limit', { retryAfterSeconds: 7 });
    const before = Date.now();
    const err = await failure(env.provider.listChangedSince(null, null));
    const after = Date.now();
    expect(err).toBeInstanceOf(UpstreamRateLimited);
    expect(err.retryable).toBe(true);
    const retryAt = (err as UpstreamRateLimited).retryAt!.getTime();
    expect(retryAt).toBeGreaterThanOrEqual(before + 7_000);
    expect(retryAt).toBeLessThanOrEqual(after + 7_000);
    expect(err.detail).toMatchObject({ status: 429, retry_after: '7' });
    // The limit was one answer, not a state: the next call goes through.
    expect(await env.provider.listChangedSince(null, null)).toEqual({ issues: [], next: null });
  });

  test('a proxy rate limit switched on in front of Gitea is UpstreamRateLimited too, on a write', async () => {
    env.fake.rateLimit.set({ limit: 1, windowSeconds: 60 });
    await env.provider.create({ title: 'first', body: '', state: 'open', labels: [], assignees: [] });
    const err = await failure(env.provider.create({ title: 'second', body: '', state: 'open', labels: [], assignees: [] }));
    expect(err).toBeInstanceOf(UpstreamRateLimited);
    expect((err as UpstreamRateLimited).retryAt!.getTime()).toBeGreaterThan(Date.now());
  });

  test('a 500 (Gitea blanks its message) and a proxy 503 are UpstreamUnavailable, retryable', async () => {
    env.fake.store.create(REPO, { title: 'x' });
    env.fake.faults.inject(1, 'server_error', { status: 500 });
    env.fake.faults.inject(1, 'server_error', { status: 503 });
    for (const status of [500, 503]) {
      const err = await failure(env.provider.get('1'));
      expect(err).toBeInstanceOf(UpstreamUnavailable);
      expect(err.retryable).toBe(true);
      expect(err.detail).toMatchObject({ status });
    }
    expect((await env.provider.get('1'))?.fields.title).toBe('x');
  });

  test('a refused token is AuthError (not retryable) on reads and writes, and the token is not in it', async () => {
    await env.restart({ tokens: ['good-token'] });
    for (const call of [() => env.provider.get('1'), () => env.provider.listChangedSince(null, null), () => env.provider.create({ title: 't', body: '', state: 'open', labels: ['l'], assignees: [] }), () => env.provider.delete('1')]) {
      const err = await failure(call());
      expect(err).toBeInstanceOf(AuthError);
      expect(err.retryable).toBe(false);
    }
    const good = env.providerWith({ token: 'good-token' });
    expect(await good.listChangedSince(null, null)).toEqual({ issues: [], next: null });
    expect(env.fake.requests.at(-1)).toMatchObject({ token: 'good-token', status: 200 });
  });

  test('an answer slower than timeoutMs is UpstreamTimeout', async () => {
    env.fake.faults.set({ timeoutMs: 2_000 });
    env.fake.faults.inject(1, 'timeout');
    const err = await failure(env.providerWith({ timeoutMs: 200 }).get('1'));
    expect(err).toBeInstanceOf(UpstreamTimeout);
  });

  test('an unknown repository is NotFound on writes and null on get', async () => {
    const elsewhere = env.providerWith({ repo: 'nobody/nothing' });
    expect(await elsewhere.get('1')).toBeNull();
    expect((await failure(elsewhere.update('1', { title: 'x' }))).code).toBe('not_found');
  });

  test('the caller’s abort stops a call as that abort', async () => {
    const controller = new AbortController();
    controller.abort(new Error('lease lost'));
    await expect(env.provider.get('1', controller.signal)).rejects.toThrow('lease lost');
  });
});

describe('config', () => {
  test('a repo that is not owner/name, an empty token or a baseUrl that is no URL is a ValidationError', () => {
    const base = { baseUrl: 'http://127.0.0.1:1/api/v1', repo: REPO, token: TOKEN };
    for (const bad of [{ repo: 'just-a-name' }, { repo: 'a/b/c' }, { repo: '/b' }, { token: '' }, { baseUrl: 'not a url' }]) {
      expect(() => createGiteaProvider({ ...base, ...bad }), JSON.stringify(bad)).toThrow(ValidationError);
    }
  });

  test('a trailing slash on baseUrl is harmless', async () => {
    env.fake.store.create(REPO, { title: 'x' });
    expect((await env.providerWith({ baseUrl: `${env.fake.url}/api/v1/` }).get('1'))?.fields.title).toBe('x');
  });
});
