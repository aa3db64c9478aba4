/**
 * Offset paging exactly as PCO answers it (reference §5, and the recorded pages): `per_page` 1–100 (default 25),
 * `offset` from 0; `links.self` always, `links.next`/`meta.next.offset` only when another page exists,
 * `links.prev`/`meta.prev.offset` only after the first; `meta.total_count` and `meta.count`. Links are PCO's
 * canonical re-serialisation: keys sorted, `offset` and `per_page` always present, commas as `%2C`, brackets raw.
 */

export const DEFAULT_PER_PAGE = 25;
export const MAX_PER_PAGE = 100;

export interface PageParams {
  perPage: number;
  offset: number;
}

/**
 * Reads `per_page`/`offset`. Above 100 is clamped to 100 (unverified: PCO issue #72 only says a bigger page "doesn't
 * work"); below 1 becomes 1; garbage falls back to the default; a negative offset is 0.
 */
export function pageParams(params: URLSearchParams): PageParams {
  const rawPer = params.get('per_page');
  let perPage = rawPer !== null && /^-?\d+$/.test(rawPer.trim()) ? Number(rawPer) : DEFAULT_PER_PAGE;
  perPage = Math.min(MAX_PER_PAGE, Math.max(1, perPage));
  const rawOffset = params.get('offset');
  const offset = rawOffset !== null && /^\d+$/.test(rawOffset.trim()) ? Number(rawOffset) : 0;
  return { perPage, offset };
}

/** `include=addresses%2Cemails&offset=25&order=updated_at&per_page=25&where[updated_at][gte]=2025-01-01T00:00:00Z`. */
export function canonicalQuery(params: URLSearchParams, page: PageParams): string {
  const entries = new Map<string, string>();
  for (const [k, v] of params) if (k !== 'offset' && k !== 'per_page') entries.set(k, v);
  entries.set('offset', String(page.offset));
  entries.set('per_page', String(page.perPage));
  return [...entries]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${encodeKey(k)}=${encodeValue(v)}`)
    .join('&');
}

function encodeKey(key: string): string {
  return encodeURIComponent(key).replaceAll('%5B', '[').replaceAll('%5D', ']');
}

function encodeValue(value: string): string {
  // Colons stay raw in timestamps, as in the constructed fixture; commas become %2C as observed.
  return encodeURIComponent(value).replaceAll('%3A', ':');
}

export interface Envelope<T> {
  links: { self: string; next?: string; prev?: string };
  data: T[];
  included: unknown[];
  meta: Record<string, unknown>;
}

export interface EnvelopeInput<T> {
  /** Absolute URL of the list, without query. */
  url: string;
  params: URLSearchParams;
  page: PageParams;
  total: number;
  data: T[];
  included: unknown[];
  /** `can_order_by`, `can_query_by`, `can_include`, `can_filter`: omitted when empty. */
  can: { order_by?: readonly string[]; query_by?: readonly string[]; include?: readonly string[]; filter?: readonly string[] };
  parent: { id: string; type: string };
}

export function envelope<T>(input: EnvelopeInput<T>): Envelope<T> {
  const { page, total } = input;
  const link = (offset: number) => `${input.url}?${canonicalQuery(input.params, { perPage: page.perPage, offset })}`;
  const hasNext = page.offset + page.perPage < total;
  const hasPrev = page.offset > 0;
  const prevOffset = Math.max(0, page.offset - page.perPage);
  const links: Envelope<T>['links'] = { self: link(page.offset) };
  if (hasNext) links.next = link(page.offset + page.perPage);
  if (hasPrev) links.prev = link(prevOffset);
  const meta: Record<string, unknown> = { total_count: total, count: input.data.length };
  if (hasNext) meta.next = { offset: page.offset + page.perPage };
  if (hasPrev) meta.prev = { offset: prevOffset };
  const can = input.can;
  if (can.order_by?.length) meta.can_order_by = can.order_by;
  if (can.query_by?.length) meta.can_query_by = can.query_by;
  if (can.include?.length) meta.can_include = can.include;
  if (can.filter?.length) meta.can_filter = can.filter;
  meta.parent = input.parent;
  return { links, data: input.data, included: input.included, meta };
}
