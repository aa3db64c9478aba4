/** Requests that carry a body to the API must say it is JSON: anything else is a 415, not a guess. */
import type { MiddlewareHandler } from 'hono';
import { errorResponse } from '../errors.ts';

const JSON_TYPE = /^application\/([\w.-]+\+)?json$/i;

export function jsonBodies(): MiddlewareHandler {
  return async function jsonBodiesMiddleware(c, next) {
    if (c.req.method === 'POST' || c.req.method === 'PUT' || c.req.method === 'PATCH') {
      const length = c.req.header('content-length');
      const hasBody = (length !== undefined && length !== '0') || c.req.header('transfer-encoding') !== undefined || (length === undefined && c.req.raw.body !== null);
      const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim();
      if (hasBody && !JSON_TYPE.test(type)) {
        return errorResponse(c, 415, 'unsupported_media_type', `send the body as application/json (got ${type ? JSON.stringify(type) : 'no Content-Type'})`);
      }
    }
    return next();
  };
}
