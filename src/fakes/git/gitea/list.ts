/**
 * `GET /api/v1/repos/{owner}/{repo}/issues` (reference §3, §4; routers/api/v1/repo/issue.go): `state` open (default,
 * also for unknown values)/closed/all, `type` issues/pulls (absent: both), `labels` (names, all must match; unknown
 * names are discarded), `q` (title or body), `since`/`before` (RFC 3339, on the updated time, at or after / at or
 * before; anything else is a 422), `created_by`/`assigned_by`, `page` and `limit` (≤0 → 30, clamped to 50). No
 * `sort`: newest created first. Headers: `X-Total-Count` and `Link` with next, last, first, prev in that order,
 * joined by "," without a space, on `ROOT_URL` + the request path with `page` replaced and the query keys sorted
 * (Go's url.Values.Encode); none when there is a single page.
 */
import { intParam, pageOf, type Page } from '../common/paging.ts';
import { parseTimestamp } from '../common/time.ts';
import type { Issue, IssueStore, Repo } from '../common/store.ts';
import type { GiteaErrors } from './errors.ts';

export const DEFAULT_PAGING_NUM = 30;
export const MAX_RESPONSE_ITEMS = 50;

export function listIssues(store: IssueStore, repo: Repo, url: URL, errors: GiteaErrors): { page: Page<Issue>; total: number } {
  const q = url.searchParams;
  const state = q.get('state') === 'closed' || q.get('state') === 'all' ? q.get('state')! : 'open';
  const bound = (name: string): number | null => {
    const text = q.get(name);
    if (text === null || text === '') return null;
    const t = parseTimestamp(text);
    if (t === null) throw errors.validation(`parsing time "${text}" as "2006-01-02T15:04:05Z07:00": cannot parse`);
    return Math.floor(t / 1000) * 1000;
  };
  const since = bound('since');
  const before = bound('before');

  let items = store.list(repo.key);
  if (state !== 'all') items = items.filter((i) => i.state === state);
  const type = q.get('type');
  if (type === 'issues') items = items.filter((i) => i.kind === 'issue');
  if (type === 'pulls') items = items.filter((i) => i.kind === 'pull_request');
  const seconds = (ms: number) => Math.floor(ms / 1000) * 1000;
  if (since !== null) items = items.filter((i) => seconds(i.updated_at) >= since);
  if (before !== null) items = items.filter((i) => seconds(i.updated_at) <= before);
  const labels = (q.get('labels') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s && store.findLabel(repo.key, s));
  if (labels.length) items = items.filter((i) => labels.every((l) => i.labels.some((n) => n.toLowerCase() === l.toLowerCase())));
  const keyword = q.get('q');
  if (keyword) items = items.filter((i) => i.title.toLowerCase().includes(keyword.toLowerCase()) || (i.body ?? '').toLowerCase().includes(keyword.toLowerCase()));
  const createdBy = q.get('created_by');
  if (createdBy) items = items.filter((i) => i.author.toLowerCase() === createdBy.toLowerCase());
  const assignedBy = q.get('assigned_by');
  if (assignedBy) items = items.filter((i) => i.assignees.some((a) => a.toLowerCase() === assignedBy.toLowerCase()));
  items = [...items].sort((a, b) => b.created_at - a.created_at || b.id - a.id);

  let limit = intParam(q.get('limit') ?? undefined, 0);
  if (limit <= 0) limit = DEFAULT_PAGING_NUM;
  limit = Math.min(limit, MAX_RESPONSE_ITEMS);
  const page = pageOf(items, Math.max(1, intParam(q.get('page') ?? undefined, 1)), limit);
  return { page, total: items.length };
}

export function linkHeader(root: string, url: URL, page: Page<unknown>): string | null {
  const at = (n: number) => {
    const q = new URLSearchParams(url.searchParams);
    q.set('page', String(n));
    q.sort();
    return `<${root}${url.pathname.slice(1)}?${q.toString()}>`;
  };
  const links: string[] = [];
  if (page.page < page.totalPages) links.push(`${at(page.page + 1)}; rel="next"`);
  if (page.page !== page.totalPages) links.push(`${at(page.totalPages)}; rel="last"`);
  if (page.page !== 1) links.push(`${at(1)}; rel="first"`);
  if (page.page > 1) links.push(`${at(page.page - 1)}; rel="prev"`);
  return links.length ? links.join(',') : null;
}
