/**
 * httpJson against a tiny real loopback server: every upstream status and failure becomes the typed
 * error the engine's retry policy expects, with a detail that names the request but never its headers.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { httpJson, redactUrl } from '../../src/connectors/http.ts';
import {
  AuthError,
  Conflict,
  NotFound,
  SyncError,
  UpstreamRateLimited,
  UpstreamTimeout,
  UpstreamUnavailable,
  ValidationError,
} from '../../src/protocol/errors.ts';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

let server: Server;
let base: string;
const seen: Seen[] = [];

// GET /status/<code>?retry_after=…&body=… answers that status; /slow/<ms> answers after ms; /echo echoes.
beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      const url = new URL(req.url!, 'http://x');
      const [, route, arg] = url.pathname.split('/');
      if (route === 'status') {
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        const retryAfter = url.searchParams.get('retry_after');
        if (retryAfter) headers['retry-after'] = retryAfter;
        res.writeHead(Number(arg), headers).end(url.searchParams.get('body') ?? JSON.stringify({ error: `status ${arg}` }));
      } else if (route === 'slow') {
        const t = setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"late":true}'), Number(arg));
        res.on('close', () => clearTimeout(t));
      } else if (route === 'echo') {
        res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ method: req.method, headers: req.headers, body: body ? JSON.parse(body) : null }));
      } else if (route === 'empty') {
        res.writeHead(204).end();
      } else if (route === 'html') {
        res.writeHead(200, { 'content-type': 'text/html' }).end('<html>maintenance</html>');
      } else {
        res.writeHead(404).end();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

/** Runs the request and returns what it threw (failing the test when it did not throw). */
async function thrown(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the request to throw');
}

const get = (path: string, extra: { timeoutMs?: number; signal?: AbortSignal; headers?: Record<string, string> } = {}) =>
  httpJson({ method: 'GET', url: `${base}${path}`, timeoutMs: extra.timeoutMs ?? 2000, ...(extra.signal ? { signal: extra.signal } : {}), ...(extra.headers ? { headers: extra.headers } : {}) });

describe('httpJson', () => {
  test('a 2xx returns status, headers and the parsed body, sending the JSON body, correlation id and idempotency key', async () => {
    const res = await httpJson<{ method: string; headers: Record<string, string>; body: unknown }>({
      method: 'PUT',
      url: `${base}/echo`,
      body: { name: 'Ada' },
      timeoutMs: 2000,
      correlationId: 'corr-1',
      idempotencyKey: 'customer:1:abc',
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.body.method).toBe('PUT');
    expect(res.body.body).toEqual({ name: 'Ada' });
    expect(res.body.headers).toMatchObject({ 'x-correlation-id': 'corr-1', 'idempotency-key': 'customer:1:abc', 'content-type': 'application/json' });
  });

  test('a 204 gives a null body; no correlation or idempotency header is sent when none is given', async () => {
    expect((await get('/empty')).body).toBeNull();
    const echo = await get('/echo');
    expect(Object.keys((echo.body as { headers: object }).headers)).not.toContain('x-correlation-id');
    expect(Object.keys((echo.body as { headers: object }).headers)).not.toContain('idempotency-key');
  });

  test('429 with Retry-After in seconds is UpstreamRateLimited with retryAt that many seconds ahead', async () => {
    const before = Date.now();
    const err = await thrown(get('/status/429?retry_after=7'));
    expect(err).toBeInstanceOf(UpstreamRateLimited);
    const retryAt = (err as UpstreamRateLimited).retryAt!.getTime();
    expect(retryAt).toBeGreaterThanOrEqual(before + 7000);
    expect(retryAt).toBeLessThanOrEqual(Date.now() + 7000);
    expect((err as UpstreamRateLimited).retryable).toBe(true);
    expect((err as UpstreamRateLimited).detail).toMatchObject({ status: 429, retry_after: '7' });
  });

  test('429 with Retry-After as an HTTP date is UpstreamRateLimited with that exact time', async () => {
    const at = new Date(Math.ceil(Date.now() / 1000) * 1000 + 60_000);
    const err = await thrown(get(`/status/429?retry_after=${encodeURIComponent(at.toUTCString())}`));
    expect(err).toBeInstanceOf(UpstreamRateLimited);
    expect((err as UpstreamRateLimited).retryAt).toEqual(at);
  });

  test('429 without Retry-After is UpstreamRateLimited with no retryAt (the engine backs off)', async () => {
    const err = await thrown(get('/status/429'));
    expect(err).toBeInstanceOf(UpstreamRateLimited);
    expect((err as UpstreamRateLimited).retryAt).toBeUndefined();
  });

  test.each([
    { status: 500, type: UpstreamUnavailable, retryable: true },
    { status: 502, type: UpstreamUnavailable, retryable: true },
    { status: 503, type: UpstreamUnavailable, retryable: true },
    { status: 408, type: UpstreamTimeout, retryable: true },
    { status: 404, type: NotFound, retryable: false },
    { status: 410, type: NotFound, retryable: false },
    { status: 400, type: ValidationError, retryable: false },
    { status: 422, type: ValidationError, retryable: false },
    { status: 401, type: AuthError, retryable: false },
    { status: 403, type: AuthError, retryable: false },
    { status: 409, type: Conflict, retryable: false },
  ])('$status is $type.name (retryable: $retryable)', async ({ status, type, retryable }) => {
    const err = await thrown(get(`/status/${status}`));
    expect(err).toBeInstanceOf(type);
    expect((err as SyncError).retryable).toBe(retryable);
    expect((err as SyncError).detail).toEqual({ status, method: 'GET', url: `${base}/status/${status}`, body: JSON.stringify({ error: `status ${status}` }) });
  });

  test('the error detail keeps at most 500 characters of the body and never the request headers or query secrets', async () => {
    const long = 'x'.repeat(2000);
    const err = await thrown(get(`/status/503?api_key=sk_live_123&page=2&body=${long}`, { headers: { authorization: 'Bearer sk_live_secret' } }));
    expect(err).toBeInstanceOf(UpstreamUnavailable);
    const detail = (err as SyncError).detail!;
    expect((detail.body as string).length).toBe(500);
    expect(detail.url).toBe(`${base}/status/503?api_key=redacted&page=2&body=${long}`);
    const everything = JSON.stringify({ detail, message: (err as Error).message });
    expect(everything).not.toContain('sk_live_secret');
    expect(everything).not.toContain('sk_live_123');
    expect(everything.toLowerCase()).not.toContain('authorization');
    // The header did reach the upstream: it was only kept out of the error.
    expect(seen.at(-1)!.headers.authorization).toBe('Bearer sk_live_secret');
  });

  test('redactUrl drops user info and fragments and masks credential-like query values', () => {
    expect(redactUrl('https://user:pw@api.example/v1/x?access_token=t&cursor=abc&signature=s#frag')).toBe(
      'https://api.example/v1/x?access_token=redacted&cursor=abc&signature=redacted',
    );
  });

  test('a server that does not answer in time is UpstreamTimeout', async () => {
    const started = Date.now();
    const err = await thrown(get('/slow/2000', { timeoutMs: 150 }));
    expect(err).toBeInstanceOf(UpstreamTimeout);
    expect((err as SyncError).retryable).toBe(true);
    expect((err as SyncError).detail).toMatchObject({ method: 'GET', timeout_ms: 150 });
    expect(Date.now() - started).toBeLessThan(1500);
  });

  test("the caller's abort propagates as that abort, not as a timeout or any SyncError", async () => {
    const controller = new AbortController();
    const reason = new Error('job 7 was cancelled');
    setTimeout(() => controller.abort(reason), 100);
    const err = await thrown(get('/slow/2000', { timeoutMs: 1000, signal: controller.signal }));
    expect(err).toBe(reason);
    expect(err).not.toBeInstanceOf(SyncError);
  });

  test('an already aborted signal sends nothing', async () => {
    const before = seen.length;
    const err = await thrown(get('/echo', { signal: AbortSignal.abort(new Error('gone')) }));
    expect((err as Error).message).toBe('gone');
    expect(seen.length).toBe(before);
  });

  test('a refused connection is UpstreamUnavailable naming the network error', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const err = await thrown(httpJson({ method: 'GET', url: `http://127.0.0.1:${port}/x`, timeoutMs: 2000 }));
    expect(err).toBeInstanceOf(UpstreamUnavailable);
    expect((err as SyncError).detail).toMatchObject({ method: 'GET', network_error: 'ECONNREFUSED' });
  });

  test('a 2xx whose body is not JSON is UpstreamUnavailable (a proxy page, not the API)', async () => {
    const err = await thrown(get('/html'));
    expect(err).toBeInstanceOf(UpstreamUnavailable);
    expect((err as SyncError).detail).toMatchObject({ status: 200, body: '<html>maintenance</html>' });
  });
});
