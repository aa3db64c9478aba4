/**
 * Reading issues from Gitea: get maps Gitea's JSON (offset timestamps, null assignees, label names) and answers
 * null for a missing issue or a pull request; listChangedSince walks Gitea's newest-first pages by page number,
 * visits every issue exactly once, leaves pull requests out and honours `since` at Gitea's whole-second precision.
 */
import { describe, expect, test } from 'vitest';
import { ValidationError } from '../../../src/protocol/errors.ts';
import type { IssueProvider, RemoteIssue } from '../../../src/protocol/issues.ts';
import { REPO, START, useFakeGitea } from './helpers.ts';

const env = useFakeGitea();

async function listAll(provider: IssueProvider, since: Date | null): Promise<{ issues: RemoteIssue[]; tokens: (string | null)[] }> {
  const issues: RemoteIssue[] = [];
  const tokens: (string | null)[] = [];
  let page: string | null = null;
  do {
    const result = await provider.listChangedSince(since, page);
    issues.push(...result.issues);
    tokens.push(result.next);
    page = result.next;
  } while (page !== null);
  return { issues, tokens };
}

describe('get', () => {
  test('maps an issue: number as the external id, html_url, label names, assignee logins, the offset timestamp', async () => {
    env.fake.store.create(REPO, { title: 'Crash', body: 'Stack trace', labels: ['bug', 'ui'], assignees: ['alice', 'bob'] });
    const issue = await env.provider.get('1');
    expect(issue).toEqual({
      externalId: '1',
      url: `${env.fake.url}/${REPO}/issues/1`,
      fields: { title: 'Crash', body: 'Stack trace', state: 'open', labels: ['bug', 'ui'], assignees: ['alice', 'bob'] },
      // The fake answers `2026-01-15T21:00:00+09:00`, Gitea's server offset.
      updatedAt: new Date(START),
    });
  });

  test('a null body is the empty string and null assignees an empty set; closed is closed', async () => {
    env.fake.store.create(REPO, { title: 'Empty', body: null, state: 'closed' });
    expect((await env.provider.get('1'))?.fields).toEqual({ title: 'Empty', body: '', state: 'closed', labels: [], assignees: [] });
  });

  test('a missing issue, a deleted one and a pull request are all null', async () => {
    expect(await env.provider.get('42')).toBeNull();
    env.fake.store.create(REPO, { title: 'Gone' });
    env.fake.store.delete(REPO, 1);
    expect(await env.provider.get('1')).toBeNull();
    env.fake.store.create(REPO, { title: 'A pull request', kind: 'pull_request' });
    expect(await env.provider.get('2')).toBeNull();
  });

  test('an external id that is not an issue number is a ValidationError, and no request is made', async () => {
    for (const bad of ['', '0', '-1', '1.5', 'abc', '1/labels', '../x']) await expect(env.provider.get(bad)).rejects.toBeInstanceOf(ValidationError);
    expect(env.fake.requests).toEqual([]);
  });
});

describe('listChangedSince', () => {
  test('visits every issue exactly once over several pages, pull requests left out, asking for 50 per page', async () => {
    env.fake.store.seed(REPO, 60);
    env.fake.store.create(REPO, { title: 'A pull request', kind: 'pull_request' });
    env.fake.store.seed(REPO, 60);
    const { issues, tokens } = await listAll(env.provider, null);
    expect(tokens).toEqual(['2', '3', null]);
    const numbers = issues.map((i) => Number(i.externalId));
    expect(numbers).toHaveLength(120);
    expect(new Set(numbers).size).toBe(120);
    expect([...numbers].sort((a, b) => a - b)).toEqual([...Array.from({ length: 60 }, (_, i) => i + 1), ...Array.from({ length: 60 }, (_, i) => i + 62)]);
    expect(env.fake.requests.map((r) => r.query)).toEqual([1, 2, 3].map((page) => ({ state: 'all', type: 'issues', limit: '50', page: String(page) })));
    // Issues of every state come back, mapped.
    expect(new Set(issues.map((i) => i.fields.state))).toEqual(new Set(['open', 'closed']));
    expect(issues.find((i) => i.externalId === '4')?.fields.labels).toEqual(['bug']);
  });

  test('a full last page ends the walk when Link has no rel="next"', async () => {
    env.fake.store.seed(REPO, 100);
    const { issues, tokens } = await listAll(env.provider, null);
    expect(tokens).toEqual(['2', null]);
    expect(new Set(issues.map((i) => i.externalId)).size).toBe(100);
  });

  test('a single full page (Gitea sends no Link then) costs one empty page more, never a duplicate', async () => {
    env.fake.store.seed(REPO, 50);
    const { issues, tokens } = await listAll(env.provider, null);
    expect(tokens).toEqual(['2', null]);
    expect(issues).toHaveLength(50);
    expect(new Set(issues.map((i) => i.externalId)).size).toBe(50);
  });

  test('an empty repository is one empty page', async () => {
    expect(await env.provider.listChangedSince(null, null)).toEqual({ issues: [], next: null });
  });

  test('since returns only issues updated at or after it, across pages, each once', async () => {
    env.fake.store.seed(REPO, 130, { stepMs: 1_000 });
    env.clock += 3_600_000;
    const touchedAt = env.clock;
    const touched = Array.from({ length: 65 }, (_, i) => 2 * i + 1);
    for (const n of touched) env.fake.store.remoteEdit(REPO, n, { title: `Edited ${n}` });
    env.clock += 5_000;
    env.fake.store.remoteEdit(REPO, 2, { state: 'closed' });

    const { issues, tokens } = await listAll(env.provider, new Date(touchedAt));
    expect(tokens).toEqual(['2', null]);
    expect(issues.map((i) => Number(i.externalId)).sort((a, b) => a - b)).toEqual([1, 2, ...touched.slice(1)].sort((a, b) => a - b));
    expect(env.fake.requests[0]!.query.since).toBe('2026-01-15T13:00:00Z');

    const later = await listAll(env.provider, new Date(touchedAt + 1_000));
    expect(later.issues.map((i) => i.externalId)).toEqual(['2']);
    expect((await env.provider.listChangedSince(new Date(env.clock + 1_000), null)).issues).toEqual([]);
  });

  test('since is compared at whole seconds, so an edit in the same second as since is never missed', async () => {
    env.fake.store.create(REPO, { title: 'x' });
    const page = await env.provider.listChangedSince(new Date(START + 999), null);
    expect(page.issues.map((i) => i.externalId)).toEqual(['1']);
    expect(env.fake.requests[0]!.query.since).toBe('2026-01-15T12:00:00Z');
  });

  test('a page token that is not a page number is a ValidationError', async () => {
    for (const bad of ['0', 'abc', '-2', 'https://evil.example/?page=2']) await expect(env.provider.listChangedSince(null, bad)).rejects.toBeInstanceOf(ValidationError);
    await expect(env.provider.listChangedSince(new Date(Number.NaN), null)).rejects.toBeInstanceOf(ValidationError);
  });
});
