/**
 * Bearer-token auth, when SYNCBRIDGE_API_TOKEN is set: the API takes `Authorization: Bearer …`, the UI
 * the same token from its login cookie. Compared in constant time; the token is never logged.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { errorResponse } from '../errors.ts';

export const AUTH_COOKIE = 'syncbridge_token';

export function tokensEqual(given: string, expected: string): boolean {
  // Hash both so the comparison takes the same time whatever the lengths.
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

export function presentedToken(header: string | undefined, cookie: string | undefined): string | undefined {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? '');
  return m?.[1]?.trim() ?? cookie;
}

export interface AuthOptions {
  token: string | undefined;
  /** Paths (prefixes) that stay open: health checks, the OpenAPI document, the UI's login page. */
  open: string[];
}

export function auth({ token, open }: AuthOptions): MiddlewareHandler {
  return async function authMiddleware(c, next) {
    if (!token) return next();
    const path = c.req.path;
    if (open.some((p) => path === p || path.startsWith(`${p}/`))) return next();
    const given = presentedToken(c.req.header('authorization'), getCookie(c, AUTH_COOKIE));
    if (given && tokensEqual(given, token)) return next();
    if (path === '/ui' || path.startsWith('/ui/')) {
      const url = new URL(c.req.url);
      return c.redirect(`/ui/login?next=${encodeURIComponent(url.pathname + url.search)}`, 303);
    }
    c.header('WWW-Authenticate', 'Bearer realm="syncbridge"');
    return errorResponse(c, 401, 'unauthorized', given ? 'invalid API token' : 'missing API token: send Authorization: Bearer <SYNCBRIDGE_API_TOKEN>');
  };
}
