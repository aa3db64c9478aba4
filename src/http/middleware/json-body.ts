/**
 * Requests that carry a body to the API must say it is JSON: anything else is a 415, not a guess. A
 * body-less POST that names a form or text type is refused as well: that is what a cross-site HTML form
 * sends, and on a server without a token it must not be able to cancel or replay jobs.
 */
import type { MiddlewareHandler } from 'hono';
import { errorResponse } from '../errors.ts';

const JSON_TYPE = /^application\/([\w.-]+\+)?json$/i;
// The content types a browser may send cross-site without asking first (CORS "simple" requests).
const FORM_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain']);

export function jsonBodies(): MiddlewareHandler {
  return async function jsonBodiesMiddleware(c, next) {
    if (c.req.method === 'POST' || c.req.method === 'PUT' || c.req.method === 'PATCH') {
      const length = c.req.header('content-length');
      const hasBody = (length !== undefined && length !== '0') || c.req.header('transfer-encoding') !== undefined || (length === undefined && c.req.raw.body !== null);
      const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim();
      if ((hasBody || FORM_TYPES.has(type.toLowerCase())) && !JSON_TYPE.test(type)) {
        return errorResponse(c, 415, 'unsupported_media_type', `send the body as application/json (got ${type ? JSON.stringify(type) : 'no Content-Type'})`);
      }
    }
    return next();
  };
}
