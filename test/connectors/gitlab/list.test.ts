/**
 * listChangedSince against the fake GitLab: every issue exactly once, oldest update first, over several pages of
 * 100; `updated_after` honoured (inclusive); issues sharing one instant across more than a page; and the reason the
 * token is a keyset and not a page number: an issue edited mid-walk must not push another one off a page boundary.
 */
import { describe, expect, test } from 'vitest';
import { ValidationError } from '../../../src/protocol/errors.ts';
import { PROJECT, useFakeGitLab, walk } from './helpers.ts';

const env = useFakeGitLab();

const iids = (issues: { externalId: string }[]) => issues.map((i) => Number(i.externalId));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('listChangedSince', () => {
  test('visits every issue exactly once over several pages, oldest update first, every state', async () => {
    env.fake.store.seed(PROJECT, 250, { stepMs: 1_000 });
    // Updates in another order than creation, so the order is by updated_at, not by iid.
    env.clock += 1_000;
    env.fake.store.remoteEdit(PROJECT, 7, { title: 'edited first' });
    env.clock += 1_000;
    env.fake.store.remoteEdit(PROJECT, 3, { title: 'edited second' });
    const { issues, pages } = await walk(env.provider, null);
    expect(pages).toBe(3);
    expect(iids(issues)).toEqual([...range(1, 250).filter((n) => n !== 3 && n !== 7), 7, 3]);
    const times = issues.map((i) => i.updatedAt.getTime());
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(new Set(issues.map((i) => i.fields.state))).toEqual(new Set(['open', 'closed']));
    // GitLab's largest page, sorted by updated_at ascending, all states (no `state` parameter), the project's issues.
    const first = env.fake.requests[0]!;
    expect(first.query).toEqual({ scope: 'all', order_by: 'updated_at', sort: 'asc', per_page: '100', page: '1' });
  });

  test('since: only issues updated at or after it (inclusive, to the millisecond)', async () => {
    const seeded = env.fake.store.seed(PROJECT, 150, { stepMs: 1_000 });
    const since = new Date(seeded[119]!.updated_at);
    const { issues } = await walk(env.provider, since);
    expect(iids(issues)).toEqual(range(120, 150));
    expect(env.fake.requests[0]!.query.updated_after).toBe(since.toISOString());
    expect(await walk(env.provider, new Date(env.clock + 1))).toEqual({ issues: [], pages: 1 });
  });

  test('more issues at one instant than fit on a page are still each visited once', async () => {
    env.fake.store.seed(PROJECT, 230, { stepMs: 0 });
    env.clock += 5;
    env.fake.store.seed(PROJECT, 20, { stepMs: 0 });
    const { issues } = await walk(env.provider, null);
    expect(iids(issues).sort((a, b) => a - b)).toEqual(range(1, 250));
    expect(new Set(iids(issues)).size).toBe(250);
  });

  test('an issue edited mid-walk does not push another past a page boundary (it is seen again, newer)', async () => {
    env.fake.store.seed(PROJECT, 250, { stepMs: 1_000 });
    const { issues } = await walk(env.provider, null, (page) => {
      if (page !== 1) return;
      // Issue 5 was on page 1; edited now, it moves to the end and every later issue moves up one place.
      env.clock += 1_000;
      env.fake.store.remoteEdit(PROJECT, 5, { title: 'edited during the walk' });
    });
    expect(new Set(iids(issues))).toEqual(new Set(range(1, 250)));
    expect(iids(issues).filter((n) => n === 5)).toHaveLength(2);
    expect(issues.at(-1)).toMatchObject({ externalId: '5', fields: { title: 'edited during the walk' } });
  });

  test('an empty project is one empty page', async () => {
    expect(await env.provider.listChangedSince(null, null)).toEqual({ issues: [], next: null });
  });

  test('a token that is not one of ours is a ValidationError', async () => {
    await expect(env.provider.listChangedSince(null, 'page=2')).rejects.toBeInstanceOf(ValidationError);
    await expect(env.provider.listChangedSince(null, Buffer.from('{"a":null,"s":[],"p":0}').toString('base64url'))).rejects.toBeInstanceOf(ValidationError);
    await expect(env.provider.listChangedSince(new Date(Number.NaN), null)).rejects.toBeInstanceOf(ValidationError);
  });
});
