/**
 * `listChangedSince` on GitLab: `GET /projects/:id/issues?scope=all&order_by=updated_at&sort=asc&per_page=100
 * [&updated_after=…]&page=N` (reference §3, §4). No `state` parameter: absent means every state. Whether another page
 * follows is read from `X-Next-Page` (empty on the last page), or `Link rel="next"` when a proxy dropped the X-*
 * headers; the token itself is a keyset cursor (cursor.ts), never GitLab's Link URL, which is built on the
 * instance's external URL rather than the address we reach it at.
 */
import { ValidationError } from '../../protocol/errors.ts';
import type { IssuePage } from '../../protocol/issues.ts';
import type { GitLabClient } from './client.ts';
import { alreadySeen, decodeCursor, encodeCursor, firstCursor, nextCursor } from './cursor.ts';
import { readIssue, toRemoteIssue, usersOf, type GitLabUser } from './map.ts';
import { gitLabTimeParam } from './time.ts';

/** GitLab's largest page (reference §4). */
export const PER_PAGE = 100;

/** Whether an answer says another page follows. */
export function hasNextPage(headers: Headers): boolean {
  const next = headers.get('x-next-page');
  if (next !== null) return next.trim() !== '';
  return /<[^>]*>\s*;\s*rel="?next"?/.test(headers.get('link') ?? '');
}

/** One page of the project's issues updated at or after `since` (or the page `token` names), oldest first. */
export async function listIssuesPage(client: GitLabClient, since: Date | null, token: string | null, learn: (users: GitLabUser[]) => void, signal?: AbortSignal): Promise<IssuePage> {
  const cursor = token === null ? firstCursor(since) : decodeCursor(token);
  const res = await client.send<unknown>({
    method: 'GET',
    path: `${client.projectPath}/issues`,
    query: {
      scope: 'all',
      order_by: 'updated_at',
      sort: 'asc',
      per_page: PER_PAGE,
      updated_after: cursor.after === null ? undefined : gitLabTimeParam(new Date(cursor.after)),
      page: cursor.page,
    },
    signal,
  });
  if (!Array.isArray(res.body)) throw new ValidationError('GET issues answered with something that is not a list');
  const parsed = res.body.map((raw, i) => readIssue(raw, `GET issues page item ${i}`));
  for (const issue of parsed) learn(usersOf(issue));
  const all = parsed.map(toRemoteIssue);
  const rows = all.map((issue) => ({ iid: Number(issue.externalId), updatedAt: issue.updatedAt.getTime() }));
  const next = nextCursor(cursor, rows, hasNextPage(res.headers));
  return {
    issues: all.filter((_, i) => !alreadySeen(cursor, rows[i]!.iid, rows[i]!.updatedAt)),
    next: next === null ? null : encodeCursor(next),
  };
}
