/**
 * `GET /repos/{owner}/{repo}/issues` (reference §3, §4): `state` open (default)/closed/all, `sort`
 * created (default)/updated/comments, `direction` desc (default)/asc, `since` (items updated at or after it — the
 * older docs' "at or after"), `labels` (all of them, unverified), `assignee`/`creator`, `per_page` 1–100 (default
 * 30; larger is clamped), `page`. Pull requests are listed too, marked by their `pull_request` key, as on GitHub.
 * The `Link` header: rels in the docs' order prev, next, last, first, joined by `, `; none when everything fits on
 * page 1; URLs on `/repositories/{id}/issues` like the docs' example (or the request's own path), every query
 * parameter kept and `page` replaced.
 */
import { pageOf, intParam, sortIssues, type Page } from '../common/paging.ts';
import { parseTimestamp } from '../common/time.ts';
import type { Issue, IssueStore, Repo } from '../common/store.ts';
import { validationFailed } from './errors.ts';

export const DEFAULT_PER_PAGE = 30;
export const MAX_PER_PAGE = 100;

export interface ListResult {
  page: Page<Issue>;
  link: string | null;
}

export function listIssues(store: IssueStore, repo: Repo, url: URL, linkBase: string): ListResult {
  const q = url.searchParams;
  const state = q.get('state') ?? 'open';
  const sort = q.get('sort') ?? 'created';
  const direction = q.get('direction') ?? 'desc';
  const invalid = (field: string, value: string) => validationFailed({ resource: 'Issue', field, code: 'invalid', value });
  if (!['open', 'closed', 'all'].includes(state)) throw invalid('state', state);
  if (!['created', 'updated', 'comments'].includes(sort)) throw invalid('sort', sort);
  if (!['asc', 'desc'].includes(direction)) throw invalid('direction', direction);
  let since: number | null = null;
  const sinceText = q.get('since');
  if (sinceText !== null) {
    since = parseTimestamp(sinceText);
    if (since === null) throw invalid('since', sinceText);
  }

  let items = store.list(repo.key);
  if (state !== 'all') items = items.filter((i) => i.state === state);
  // GitHub's timestamps have whole seconds, so `since` compares at that precision.
  if (since !== null) items = items.filter((i) => Math.floor(i.updated_at / 1000) * 1000 >= since);
  const labels = (q.get('labels') ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  if (labels.length) items = items.filter((i) => labels.every((l) => i.labels.some((n) => n.toLowerCase() === l)));
  const assignee = q.get('assignee');
  if (assignee === 'none') items = items.filter((i) => i.assignees.length === 0);
  else if (assignee === '*') items = items.filter((i) => i.assignees.length > 0);
  else if (assignee) items = items.filter((i) => i.assignees.some((a) => a.toLowerCase() === assignee.toLowerCase()));
  const creator = q.get('creator');
  if (creator) items = items.filter((i) => i.author.toLowerCase() === creator.toLowerCase());

  const dir = direction as 'asc' | 'desc';
  items = sort === 'comments' ? [...items].sort((a, b) => (dir === 'asc' ? 1 : -1) * (a.comments - b.comments || a.id - b.id)) : sortIssues(items, sort === 'updated' ? 'updated_at' : 'created_at', dir);

  const perPage = Math.min(MAX_PER_PAGE, Math.max(1, intParam(q.get('per_page') ?? undefined, DEFAULT_PER_PAGE)));
  const pageNo = Math.max(1, intParam(q.get('page') ?? undefined, 1));
  const page = pageOf(items, pageNo, perPage);
  return { page, link: linkHeader(linkBase, q, page) };
}

/** The `link` value for one page, or null when there is nothing to link to. */
export function linkHeader(base: string, query: URLSearchParams, page: Page<unknown>): string | null {
  const last = page.totalPages;
  const at = (n: number) => {
    const q = new URLSearchParams(query);
    q.set('page', String(n));
    return `<${base}?${q.toString()}>`;
  };
  const links: string[] = [];
  if (page.page > 1) links.push(`${at(Math.min(page.page - 1, last))}; rel="prev"`);
  if (page.page < last) links.push(`${at(page.page + 1)}; rel="next"`);
  if (page.page < last) links.push(`${at(last)}; rel="last"`);
  if (page.page > 1) links.push(`${at(1)}; rel="first"`);
  return links.length ? links.join(', ') : null;
}
