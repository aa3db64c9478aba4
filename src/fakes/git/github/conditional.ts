/**
 * Conditional requests (reference §5): every 200 GET carries an `ETag` (and a single issue a `Last-Modified`); a
 * matching `If-None-Match` (or an `If-Modified-Since` not older than the issue) is answered `304` with an empty body,
 * the same `ETag` and the rate-limit headers — and does not count against the primary limit (the pipeline refunds it).
 */
import { createHash } from 'node:crypto';
import type { GitContext } from '../common/http.ts';
import { httpDate } from '../common/time.ts';

export interface ConditionalOptions {
  /** `W/"…"` instead of `"…"` (both occur on GitHub; the reference's example is strong). */
  weak: boolean;
}

/** Answers `body` as JSON with an ETag, or 304 when the client already has it. */
export function conditionalJson(c: GitContext, body: unknown, options: ConditionalOptions, extra: { headers?: Record<string, string>; lastModified?: number } = {}): Response {
  const text = JSON.stringify(body);
  const digest = createHash('md5').update(text).digest('hex');
  const etag = options.weak ? `W/"${digest}"` : `"${digest}"`;
  const headers: Record<string, string> = { ETag: etag, 'Cache-Control': 'private, max-age=60, s-maxage=60', Vary: 'Accept, Authorization, Cookie, X-GitHub-OTP', ...extra.headers };
  if (extra.lastModified !== undefined) headers['Last-Modified'] = httpDate(Math.floor(extra.lastModified / 1000) * 1000);
  if (notModified(c, etag, extra.lastModified)) return c.body(null, 304, headers);
  return c.body(text, 200, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
}

function notModified(c: GitContext, etag: string, lastModified: number | undefined): boolean {
  const inm = c.req.header('if-none-match');
  if (inm !== undefined) {
    // Weak comparison (RFC 9110 §13.1.2): W/ prefixes are ignored.
    const bare = etag.replace(/^W\//, '');
    return inm.split(',').some((t) => t.trim() === '*' || t.trim().replace(/^W\//, '') === bare);
  }
  const ims = c.req.header('if-modified-since');
  if (ims !== undefined && lastModified !== undefined) {
    const since = Date.parse(ims);
    return Number.isFinite(since) && Math.floor(lastModified / 1000) * 1000 <= since;
  }
  return false;
}
