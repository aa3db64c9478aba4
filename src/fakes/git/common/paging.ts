/**
 * Offset paging and ordering shared by the three list endpoints; each provider writes its own headers from the
 * result (Link with its own order and separator, X-Total-Count, GitLab's X-* set).
 */
import type { Issue } from './store.ts';

export interface Page<T> {
  items: T[];
  page: number;
  perPage: number;
  total: number;
  /** At least 1, as all three providers count an empty list as one page. */
  totalPages: number;
}

/** Page `page` (1-based) of `perPage` items; a page past the end is empty. */
export function pageOf<T>(items: readonly T[], page: number, perPage: number): Page<T> {
  const start = (page - 1) * perPage;
  return { items: items.slice(start, start + perPage), page, perPage, total: items.length, totalPages: Math.max(1, Math.ceil(items.length / perPage)) };
}

/** A positive integer from a query value, or the fallback when absent or not one. */
export function intParam(value: string | undefined, fallback: number): number {
  if (value === undefined || value.trim() === '') return fallback;
  const n = Number(value);
  return Number.isInteger(n) ? n : fallback;
}

/** Issues ordered by a timestamp, ties broken by id in the same direction, so pages never overlap or skip. */
export function sortIssues(issues: readonly Issue[], key: 'created_at' | 'updated_at', direction: 'asc' | 'desc'): Issue[] {
  const sign = direction === 'asc' ? 1 : -1;
  return [...issues].sort((a, b) => sign * (a[key] - b[key] || a.id - b.id));
}

/** The request URL on `base` with some query parameters replaced (or added) and, optionally, keys sorted. */
export function pageUrl(base: string, path: string, query: URLSearchParams, set: Record<string, string>, options: { sort?: boolean } = {}): string {
  const q = new URLSearchParams(query);
  for (const [k, v] of Object.entries(set)) q.set(k, v);
  if (options.sort) q.sort();
  return `${base}${path}?${q.toString()}`;
}
