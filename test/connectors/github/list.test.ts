/**
 * listChangedSince against the fake GitHub: the incremental query (state=all, sort=updated, direction=asc,
 * per_page=100, since in whole seconds), `Link` rel="next" followed as given until it runs out, every issue seen
 * exactly once, pull requests left out, and page links that would send the token elsewhere refused.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { linkWithRel } from '../../../src/connectors/github/link.ts';
import { ValidationError } from '../../../src/protocol/errors.ts';
import type { IssueProvider, RemoteIssue } from '../../../src/protocol/issues.ts';
import { REPO, rejection, setup, type Setup } from './helpers.ts';

let s: Setup;
beforeEach(async () => {
  s = await setup();
});
afterEach(() => s.close());

/** Every page from the first, with the `next` values handed out. */
async function listAll(provider: IssueProvider, since: Date | null): Promise<{ issues: RemoteIssue[]; pages: number; nexts: (string | null)[] }> {
  const issues: RemoteIssue[] = [];
  const nexts: (string | null)[] = [];
  let page: string | null = null;
  do {
    const got = await provider.listChangedSince(since, page);
    issues.push(...got.issues);
    nexts.push(got.next);
    page = got.next;
  } while (page !== null);
  return { issues, pages: nexts.length, nexts };
}

describe('listChangedSince', () => {
  test('visits every issue exactly once across several pages, oldest update first, and skips pull requests', async () => {
    s.fake.store.seed(REPO, 120, { stepMs: 1_000 });
    const pulls = [s.fake.store.create(REPO, { title: 'PR 1', kind: 'pull_request' }).number];
    s.clock.now += 200_000; // the second batch's times all after the first's
    s.fake.store.seed(REPO, 130, { stepMs: 1_000 });
    pulls.push(s.fake.store.create(REPO, { title: 'PR 2', kind: 'pull_request' }).number);
    // An old issue edited last moves to the end of the updated order.
    s.clock.now += 60_000;
    s.fake.store.remoteEdit(REPO, 5, { title: 'edited last' });

    const { issues, pages, nexts } = await listAll(s.provider, null);
    expect(pages).toBe(3); // 252 items, 100 a page
    const numbers = issues.map((i) => Number(i.externalId));
    expect(numbers).toHaveLength(250);
    expect(new Set(numbers).size).toBe(250);
    expect(numbers.some((n) => pulls.includes(n))).toBe(false);
    expect(numbers.at(-1)).toBe(5);
    const times = issues.map((i) => i.updatedAt.getTime());
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(issues.filter((i) => i.fields.state === 'closed').length).toBeGreaterThan(0);

    const first = s.fake.requests[0]!;
    expect(first.path).toBe(`/repos/${REPO}/issues`);
    expect(first.query).toEqual({ state: 'all', sort: 'updated', direction: 'asc', per_page: '100' });
    // Later pages are GitHub's own Link URLs, followed as given (here /repositories/{id}/issues, as on GitHub).
    const repoId = s.fake.store.repo(REPO)!.id;
    expect(nexts[0]).toBe(`${s.fake.url}/repositories/${repoId}/issues?state=all&sort=updated&direction=asc&per_page=100&page=2`);
    expect(s.fake.requests.slice(1).map((r) => [r.path, r.query.page])).toEqual([
      [`/repositories/${repoId}/issues`, '2'],
      [`/repositories/${repoId}/issues`, '3'],
    ]);
  });

  test('since keeps issues updated at or after it, sent in whole seconds', async () => {
    s.fake.store.seed(REPO, 5, { stepMs: 60_000 }); // updated 11:56 … 12:00
    s.clock.now += 10 * 60_000;
    s.fake.store.remoteEdit(REPO, 2, { title: 'edited later' });
    const { issues } = await listAll(s.provider, new Date('2026-01-15T11:59:00.900Z'));
    expect(issues.map((i) => [i.externalId, i.updatedAt.toISOString()])).toEqual([
      ['4', '2026-01-15T11:59:00.000Z'],
      ['5', '2026-01-15T12:00:00.000Z'],
      ['2', '2026-01-15T12:10:00.000Z'],
    ]);
    expect(s.fake.requests[0]!.query.since).toBe('2026-01-15T11:59:00Z');
  });

  test('an empty repository is one empty page', async () => {
    expect(await s.provider.listChangedSince(null, null)).toEqual({ issues: [], next: null });
  });

  test('a page link on another origin is refused before anything is sent: the token stays with GitHub', async () => {
    const err = await rejection(s.provider.listChangedSince(null, 'https://evil.example/repositories/1/issues?page=2'));
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.message).toContain('https://evil.example');
    expect(s.fake.requests).toHaveLength(0);
  });
});

describe('linkWithRel', () => {
  const header =
    '<https://api.github.com/repositories/1300192/issues?page=2>; rel="prev", <https://api.github.com/repositories/1300192/issues?page=4>; rel="next", <https://api.github.com/repositories/1300192/issues?page=515>; rel="last", <https://api.github.com/repositories/1300192/issues?page=1>; rel="first"';

  test('finds rel="next" in the docs’ example header, and nothing when there is no such rel or no header', () => {
    expect(linkWithRel(header, 'next')).toBe('https://api.github.com/repositories/1300192/issues?page=4');
    expect(linkWithRel(header, 'last')).toBe('https://api.github.com/repositories/1300192/issues?page=515');
    expect(linkWithRel('<https://api.github.com/x?page=1>; rel="first"', 'next')).toBeNull();
    expect(linkWithRel(null, 'next')).toBeNull();
    expect(linkWithRel('', 'next')).toBeNull();
  });

  test('keeps raw commas inside URLs and reads unquoted or multi-valued rels', () => {
    expect(linkWithRel('<https://h/x?labels=bug,ui&page=2>; rel="next", <https://h/x?labels=bug,ui&page=9>; rel="last"', 'next')).toBe('https://h/x?labels=bug,ui&page=2');
    expect(linkWithRel('<https://h/a>; rel=next', 'next')).toBe('https://h/a');
    expect(linkWithRel('<https://h/a>; title="t"; rel="next last"', 'last')).toBe('https://h/a');
  });
});
