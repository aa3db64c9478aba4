/**
 * Guards on every /ui request. POSTs must come from the UI's own origin: the login cookie is
 * SameSite=Strict, but without an API token there is no cookie at all, so Sec-Fetch-Site (or Origin,
 * for browsers without it) is what stops another site's form from cancelling jobs. Pages get a CSP
 * that allows only our own script and stylesheet, so even a missed escape could not run code.
 */
import type { MiddlewareHandler } from 'hono';
import { crossSiteReason } from '../middleware/same-origin.ts';

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

export function sameOriginPosts(): MiddlewareHandler {
  return async function sameOriginPosts(c, next) {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    const reason = crossSiteReason(
      { fetchSite: c.req.header('sec-fetch-site'), origin: c.req.header('origin') },
      new URL(c.req.url).origin,
    );
    if (reason) {
      return c.text(`Forbidden: cross-site request refused (${reason}). Use the form on this site.`, 403);
    }
    return next();
  };
}

export function uiHeaders(): MiddlewareHandler {
  return async function uiHeaders(c, next) {
    await next();
    c.res.headers.set('Content-Security-Policy', CSP);
    // Pages show job data and may sit behind a token: never cache them (static assets set their own).
    if (!c.res.headers.has('Cache-Control')) c.res.headers.set('Cache-Control', 'no-store');
  };
}
