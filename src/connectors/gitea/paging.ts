/**
 * Gitea's `page`/`limit` paging (reference gitea.md §4): 1-based pages, `limit` clamped by the server to
 * `MAX_RESPONSE_ITEMS` (50 by default), and a `Link` header (next, last, first, prev, joined by ",") that is left out
 * when everything fits on one page. The next page is read from `rel="next"`; only its page number is kept, never
 * its URL, because Gitea builds Link on `ROOT_URL`, which often differs from the address we reach the API at.
 */

/** The page size asked for; Gitea's default `MAX_RESPONSE_ITEMS`. */
export const PAGE_LIMIT = 50;

/** `rel` → URL from a Link header (`<url>; rel="next",<url>; rel="last"`). */
export function parseLinkHeader(header: string | null): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of (header ?? '').matchAll(/<([^>]*)>\s*;\s*rel="?([^",;\s]+)"?/g)) out.set(m[2]!, m[1]!);
  return out;
}

/**
 * The page after `page`, or null on the last one: `rel="next"` when the answer has a Link header; without one (a
 * single page, or a proxy that strips headers) a full page means there may be more — at worst one empty page
 * more is asked for.
 */
export function nextPage(headers: Headers, page: number, itemCount: number, limit: number = PAGE_LIMIT): number | null {
  if (itemCount === 0) return null;
  const link = headers.get('link');
  if (link !== null && link.trim() !== '') {
    const next = parseLinkHeader(link).get('next');
    if (next === undefined) return null;
    const n = pageOf(next);
    return n !== null && n > page ? n : page + 1;
  }
  return itemCount >= limit ? page + 1 : null;
}

/** Parses a page token (a positive decimal page number); null for anything else. */
export function parsePageToken(token: string): number | null {
  return /^[1-9]\d{0,8}$/.test(token) ? Number(token) : null;
}

function pageOf(url: string): number | null {
  try {
    // Relative links are possible behind some proxies; the base only serves the parse.
    return parsePageToken(new URL(url, 'http://link.invalid').searchParams.get('page') ?? '');
  } catch {
    return null;
  }
}
