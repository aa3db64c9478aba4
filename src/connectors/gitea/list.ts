/**
 * `listChangedSince` on Gitea: `GET /repos/{o}/{r}/issues?state=all&type=issues&limit=50&page=N[&since=…]`.
 * Gitea has no sort parameter on this route and answers newest-created first (reference gitea.md §3), so the
 * pages are walked in the server's order and the page token is just the next page number. `since` filters on the
 * updated time at whole-second precision; it is sent floored to the second so "at or after" keeps its meaning.
 */
import { ValidationError } from '../../protocol/errors.ts';
import type { IssuePage } from '../../protocol/issues.ts';
import type { GiteaClient } from './client.ts';
import { isPullRequest, parseGiteaIssue, toRemoteIssue } from './map.ts';
import { nextPage, PAGE_LIMIT, parsePageToken } from './paging.ts';

/** RFC 3339 in UTC without fractions: `2026-01-15T12:00:00Z`. */
export function giteaTime(at: Date): string {
  return new Date(Math.floor(at.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** One page of issues (never pull requests) of any state updated at or after `since`. */
export async function listIssuesPage(client: GiteaClient, since: Date | null, token: string | null, signal?: AbortSignal): Promise<IssuePage> {
  const page = token === null ? 1 : parsePageToken(token);
  if (page === null) throw new ValidationError(`not a Gitea page token: ${JSON.stringify(token)}`);
  if (since !== null && Number.isNaN(since.getTime())) throw new ValidationError('since is an invalid Date');
  const res = await client.send<unknown>({
    method: 'GET',
    path: '/issues',
    query: { state: 'all', type: 'issues', limit: PAGE_LIMIT, page, since: since === null ? undefined : giteaTime(since) },
    signal,
  });
  if (!Array.isArray(res.body)) throw new ValidationError('GET issues answered with something that is not a list');
  const items = res.body.map((json, i) => parseGiteaIssue(json, `GET issues page ${page} item ${i}`));
  // `type=issues` already leaves pull requests out; versions that ignore it must not leak them into the mirror.
  const issues = items.filter((i) => !isPullRequest(i)).map((i) => toRemoteIssue(i));
  const next = nextPage(res.headers, page, items.length);
  return { issues, next: next === null ? null : String(next) };
}
