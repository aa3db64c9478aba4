/**
 * `GET /api/v4/projects/:id/issues` (reference §3, §4): `state` opened/closed/all (absent: all), `labels` (all must
 * match; `None`, `Any`), `updated_after`/`updated_before`/`created_after`/`created_before` (ISO 8601, inclusive),
 * `order_by` created_at (default)/updated_at, `sort` desc (default)/asc, `iids[]`, `search`, `author_username`,
 * `assignee_username`, `with_labels_details`, `page`, `per_page` (default 20, clamped to 100). Headers as GitLab's
 * OffsetHeaderBuilder writes them: `X-Per-Page`, `X-Page`, `X-Next-Page` and `X-Prev-Page` (empty when none),
 * `Link` with prev, next, first, last joined by ", " on the request's parameters (with the path's `id`) plus `page`
 * and `per_page`, keys sorted as Rails' to_query does, and `X-Total`/`X-Total-Pages` (at least 1) — the totals and
 * `rel="last"` left out above 10 000 matches.
 */
import { pageOf, sortIssues, type Page } from '../common/paging.ts';
import { parseTimestamp } from '../common/time.ts';
import type { Issue, IssueStore, Repo } from '../common/store.ts';
import { invalidParam } from './errors.ts';
import { nameList, type Params } from './params.ts';

export const DEFAULT_PER_PAGE = 20;
export const MAX_PER_PAGE = 100;
/** Above this many matches GitLab stops counting (Kaminari's MAX_COUNT_LIMIT). */
export const COUNT_LIMIT = 10_000;
const ORDER_BY = ['created_at', 'updated_at', 'priority', 'due_date', 'relative_position', 'label_priority', 'milestone_due', 'popularity', 'weight', 'title'];

export function listIssues(store: IssueStore, repo: Repo, p: Params): Page<Issue> {
  const str = (k: string) => (p[k] === undefined || p[k] === null ? undefined : String(p[k]));
  const state = str('state') ?? 'all';
  if (!['opened', 'closed', 'all'].includes(state)) throw invalidParam('state does not have a valid value');
  const orderBy = str('order_by') ?? 'created_at';
  if (!ORDER_BY.includes(orderBy)) throw invalidParam('order_by does not have a valid value');
  const sort = str('sort') ?? 'desc';
  if (sort !== 'asc' && sort !== 'desc') throw invalidParam('sort does not have a valid value');
  const time = (k: string): number | null => {
    const v = str(k);
    if (v === undefined || v === '') return null;
    const t = parseTimestamp(v);
    if (t === null) throw invalidParam(`${k} is invalid`);
    return t;
  };
  const bounds = { updated_after: time('updated_after'), updated_before: time('updated_before'), created_after: time('created_after'), created_before: time('created_before') };

  let items = store.list(repo.key).filter((i) => i.kind === 'issue');
  if (state !== 'all') items = items.filter((i) => (state === 'opened' ? i.state === 'open' : i.state === 'closed'));
  if (bounds.updated_after !== null) items = items.filter((i) => i.updated_at >= bounds.updated_after!);
  if (bounds.updated_before !== null) items = items.filter((i) => i.updated_at <= bounds.updated_before!);
  if (bounds.created_after !== null) items = items.filter((i) => i.created_at >= bounds.created_after!);
  if (bounds.created_before !== null) items = items.filter((i) => i.created_at <= bounds.created_before!);
  const labels = nameList(p.labels) ?? [];
  if (labels.length === 1 && labels[0]!.toLowerCase() === 'none') items = items.filter((i) => i.labels.length === 0);
  else if (labels.length === 1 && labels[0]!.toLowerCase() === 'any') items = items.filter((i) => i.labels.length > 0);
  else if (labels.length) items = items.filter((i) => labels.every((l) => i.labels.some((n) => n.toLowerCase() === l.toLowerCase())));
  const iids = Array.isArray(p.iids) ? p.iids.map(Number) : p.iids !== undefined ? [Number(p.iids)] : null;
  if (iids) items = items.filter((i) => iids.includes(i.number));
  const search = str('search');
  if (search) items = items.filter((i) => i.title.toLowerCase().includes(search.toLowerCase()) || (i.body ?? '').toLowerCase().includes(search.toLowerCase()));
  const author = str('author_username');
  if (author) items = items.filter((i) => i.author.toLowerCase() === author.toLowerCase());
  const assignee = str('assignee_username');
  if (assignee) items = items.filter((i) => i.assignees.some((a) => a.toLowerCase() === assignee.toLowerCase()));
  items = sortIssues(items, orderBy === 'updated_at' ? 'updated_at' : 'created_at', sort);

  const perPageRaw = Number(str('per_page') ?? DEFAULT_PER_PAGE);
  const perPage = Number.isInteger(perPageRaw) && perPageRaw > 0 ? Math.min(perPageRaw, MAX_PER_PAGE) : DEFAULT_PER_PAGE;
  const pageRaw = Number(str('page') ?? 1);
  return pageOf(items, Number.isInteger(pageRaw) && pageRaw > 0 ? pageRaw : 1, perPage);
}

/** The pagination headers for one page of a request to `root + path` with these query parameters (plus `id`). */
export function paginationHeaders(root: string, path: string, query: URLSearchParams, projectId: string, page: Page<unknown>): Record<string, string> {
  const counted = page.total <= COUNT_LIMIT;
  const next = page.page * page.perPage < page.total ? page.page + 1 : null;
  const prev = page.page > 1 ? page.page - 1 : null;
  const href = (n: number) => {
    const q = new URLSearchParams(query);
    q.set('id', projectId);
    q.set('page', String(n));
    q.set('per_page', String(page.perPage));
    q.sort();
    return `<${root}${path}?${q.toString()}>`;
  };
  const links: string[] = [];
  if (prev !== null) links.push(`${href(prev)}; rel="prev"`);
  if (next !== null) links.push(`${href(next)}; rel="next"`);
  links.push(`${href(1)}; rel="first"`);
  if (counted) links.push(`${href(page.totalPages)}; rel="last"`);
  const headers: Record<string, string> = {
    'X-Per-Page': String(page.perPage),
    'X-Page': String(page.page),
    'X-Next-Page': next === null ? '' : String(next),
    'X-Prev-Page': prev === null ? '' : String(prev),
    Link: links.join(', '),
  };
  if (counted) {
    headers['X-Total'] = String(page.total);
    headers['X-Total-Pages'] = String(page.totalPages);
  }
  return headers;
}
