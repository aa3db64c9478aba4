/**
 * Requests that carry a body to the API must say it is JSON: anything else is a 415, not a guess. A
 * body-less POST that names a form or text type is refused as well: that is what a cross-site HTML form
 * sends, and on a server without a token it must not be able to cancel or replay jobs. A request whose
 * body is empty has no body, whatever its Content-Type says (`curl -X POST` sends no Content-Length).
 */
import type { Context, MiddlewareHandler } from 'hono';
import { errorResponse } from '../errors.ts';

const JSON_TYPE = /^application\/([\w.-]+\+)?json$/i;
// The content types a browser may send cross-site without asking first (CORS "simple" requests).
const FORM_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain']);

export function jsonBodies(): MiddlewareHandler {
  return async function jsonBodiesMiddleware(c, next) {
    if (c.req.method === 'POST' || c.req.method === 'PUT' || c.req.method === 'PATCH') {
      const hasBody = await bodyIsNonEmpty(c);
      const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim();
      if ((hasBody || FORM_TYPES.has(type.toLowerCase())) && !JSON_TYPE.test(type)) {
        return errorResponse(c, 415, 'unsupported_media_type', `send the body as application/json (got ${type ? JSON.stringify(type) : 'no Content-Type'})`);
      }
      // An empty body labelled JSON is no body: without the label a route whose body is optional takes
      // its defaults instead of answering 400 malformed JSON (hono/body-limit swaps `raw` the same way).
      if (!hasBody && type) {
        const headers = new Headers(c.req.raw.headers);
        headers.delete('content-type');
        c.req.raw = new Request(c.req.raw.url, { method: c.req.raw.method, headers, signal: c.req.raw.signal });
      }
    }
    return next();
  };
}

/**
 * A declared Content-Length decides. Without one (and on the wire, without Transfer-Encoding, a request
 * has a zero-length body: RFC 9112 §6.3) the Node adapter still hands every POST a body stream, and an
 * in-process Request carries no length at all, so the bytes decide. bodyLimit, which app.ts runs first,
 * has already read such a body into memory: counting it costs no I/O.
 */
async function bodyIsNonEmpty(c: Context): Promise<boolean> {
  const length = c.req.header('content-length');
  if (length !== undefined && c.req.header('transfer-encoding') === undefined) return Number(length) !== 0;
  if (c.req.raw.body === null) return false;
  return (await c.req.arrayBuffer()).byteLength > 0;
}
