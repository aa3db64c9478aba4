/**
 * The `Link` response header (reference §4, RFC 8288): GitHub pages its lists with `rel="next"` and says so
 * nowhere else. Its URLs are followed as given, never rebuilt: they may point at `/repositories/{id}/…` and carry
 * query values with raw commas, so the header is split on `<…>` targets, not on commas.
 */

const LINK = /<([^>]*)>((?:\s*;\s*[^;,<]+)*)/g;

/** The URL with `rel` (e.g. `next`) in a Link header, or null when there is none. */
export function linkWithRel(header: string | null | undefined, rel: string): string | null {
  if (!header) return null;
  for (const m of header.matchAll(LINK)) {
    for (const param of (m[2] ?? '').split(';')) {
      const eq = param.indexOf('=');
      if (eq < 0 || param.slice(0, eq).trim().toLowerCase() !== 'rel') continue;
      // rel may hold several space-separated values, quoted or not.
      const values = param.slice(eq + 1).trim().replace(/^"|"$/g, '').toLowerCase().split(/\s+/);
      if (values.includes(rel)) return m[1]!;
    }
  }
  return null;
}
