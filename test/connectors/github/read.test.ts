/**
 * Reading single issues from the fake GitHub: the mapping to RemoteIssue, GitHub's headers, "not there" as null
 * (404, 410, a pull request), and conditional reads — a second read sends If-None-Match and its 304 costs nothing.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { EtagCache } from '../../../src/connectors/github/etag-cache.ts';
import { ValidationError } from '../../../src/protocol/errors.ts';
import { REPO, rejection, setup, START, TOKEN, type Setup } from './helpers.ts';

let s: Setup;
beforeEach(async () => {
  s = await setup();
});
afterEach(() => s.close());

describe('get', () => {
  test('maps an issue: number as externalId, a null body as "", labels and assignees by name, html_url, updated_at', async () => {
    s.fake.store.create(REPO, { title: 'Broken link', body: null, labels: ['bug', 'docs'], assignees: ['alice', 'bob'] });
    s.clock.now += 5_500;
    s.fake.store.remoteEdit(REPO, 1, { state: 'closed' });
    const issue = await s.provider.get('1');
    expect(issue).toEqual({
      externalId: '1',
      url: `${s.fake.url}/${REPO}/issues/1`,
      fields: { title: 'Broken link', body: '', state: 'closed', labels: ['bug', 'docs'], assignees: ['alice', 'bob'] },
      // GitHub keeps whole seconds.
      updatedAt: new Date(START + 5_000),
    });
  });

  test('sends GitHub’s headers: vnd.github+json, the pinned API version, a User-Agent and the token', async () => {
    s.fake.store.create(REPO, { title: 'x' });
    await s.provider.get('1');
    const req = s.fake.requests.at(-1)!;
    expect(req).toMatchObject({ method: 'GET', path: `/repos/${REPO}/issues/1`, status: 200, token: TOKEN });
    expect(req.headers).toMatchObject({ accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28', 'user-agent': 'syncbridge' });
  });

  test('is null for a number that never was, one deleted (410) and a pull request', async () => {
    s.fake.store.create(REPO, { title: 'doomed' });
    s.fake.store.create(REPO, { title: 'A pull request', kind: 'pull_request' });
    expect(await s.provider.get('99')).toBeNull();
    // The 404, then the check that the repository itself is visible (errors.test.ts: when it is not).
    expect(s.fake.requests.map((r) => [r.path, r.status])).toEqual([
      [`/repos/${REPO}/issues/99`, 404],
      [`/repos/${REPO}/issues`, 200],
    ]);
    s.fake.store.remoteDelete(REPO, 1);
    expect(await s.provider.get('1')).toBeNull();
    expect(s.fake.requests.at(-1)!.status).toBe(410);
    expect(await s.provider.get('2')).toBeNull();
    expect(s.fake.requests.at(-1)!.status).toBe(200);
  });

  test('an externalId that is not an issue number is the caller’s error, sent nowhere', async () => {
    for (const bad of ['', '0', '-1', '1.5', '../2', 'abc']) expect(await rejection(s.provider.get(bad))).toBeInstanceOf(ValidationError);
    expect(s.fake.requests).toHaveLength(0);
  });
});

describe('conditional reads', () => {
  test('a second get sends If-None-Match; the 304 does not spend the limit and answers the cached issue', async () => {
    await s.close();
    s = await setup({ rateLimit: { limit: 10 } });
    s.fake.store.create(REPO, { title: 'cached', labels: ['bug'] });
    const first = await s.provider.get('1');
    const unconditional = s.fake.requests.at(-1)!;
    expect(unconditional.headers['if-none-match']).toBeUndefined();
    expect(unconditional.rate?.remaining).toBe(9);

    const second = await s.provider.get('1');
    const req = s.fake.requests.at(-1)!;
    expect(req.status).toBe(304);
    expect(req.headers['if-none-match']).toMatch(/^"[0-9a-f]{32}"$/);
    expect(req.rate?.remaining).toBe(9);
    expect(second).toEqual(first);

    // A change upstream makes the ETag stale: a full answer, counted, with the new state.
    s.clock.now += 2_000;
    s.fake.store.remoteEdit(REPO, 1, { title: 'changed' });
    const third = await s.provider.get('1');
    expect(s.fake.requests.at(-1)).toMatchObject({ status: 200, rate: { remaining: 8 } });
    expect(third?.fields.title).toBe('changed');
    expect((await s.provider.get('1'))?.fields.title).toBe('changed');
    expect(s.fake.requests.at(-1)).toMatchObject({ status: 304, rate: { remaining: 8 } });
  });

  test('a pull request’s answer is cached too, and still null from a 304', async () => {
    s.fake.store.create(REPO, { title: 'PR', kind: 'pull_request' });
    expect(await s.provider.get('1')).toBeNull();
    expect(await s.provider.get('1')).toBeNull();
    expect(s.fake.requests.at(-1)!.status).toBe(304);
  });

  test('changing a returned issue does not change what the cache answers next', async () => {
    s.fake.store.create(REPO, { title: 'original', labels: ['a'] });
    const got = await s.provider.get('1');
    got!.fields.title = 'scribbled';
    (got!.fields.labels as string[]).push('b');
    const again = await s.provider.get('1');
    expect(s.fake.requests.at(-1)!.status).toBe(304);
    expect(again?.fields).toMatchObject({ title: 'original', labels: ['a'] });
  });

  test('with cacheSize 0 every read is unconditional', async () => {
    const uncached = s.providerWith({}, { cacheSize: 0 });
    s.fake.store.create(REPO, { title: 'x' });
    await uncached.get('1');
    await uncached.get('1');
    expect(s.fake.requests.map((r) => r.status)).toEqual([200, 200]);
  });
});

describe('EtagCache', () => {
  test('keeps the most recently used entries up to its capacity', () => {
    const cache = new EtagCache<string>(2);
    cache.set(1, '"a"', 'one');
    cache.set(2, '"b"', 'two');
    expect(cache.get(1)?.value).toBe('one'); // 1 is now newer than 2
    cache.set(3, '"c"', 'three');
    expect(cache.get(2)).toBeUndefined();
    expect(cache.get(1)).toEqual({ etag: '"a"', value: 'one' });
    expect(cache.get(3)?.value).toBe('three');
    expect(cache.size).toBe(2);
    cache.set(3, '"d"', 'three again');
    expect(cache.get(3)).toEqual({ etag: '"d"', value: 'three again' });
    expect(cache.size).toBe(2);
  });
});
