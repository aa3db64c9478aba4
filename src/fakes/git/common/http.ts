/**
 * What the git fakes' routes share about HTTP: the request log's shape, the Hono environment, a thrown error that
 * becomes the provider's error answer (JSON object or plain text, with headers), and body reading that leaves the
 * provider to word its own 400.
 */
import type { HttpBindings } from '@hono/node-server';
import type { Context } from 'hono';
import type { FaultKind } from './faults.ts';

export interface Caller {
  token: string;
  login: string;
}

/** One line of `requests`: enough to assert paging, pacing, conditional requests and retries from the fake's side. */
export interface GitRequestLogEntry {
  /** Arrival on the fake's clock, epoch ms. */
  at: number;
  method: string;
  path: string;
  /** Decoded query; a repeated key keeps the last value. */
  query: Record<string, string>;
  /** The status sent; null when none was (a timeout fault). */
  status: number | null;
  /** The token that authenticated (null when none did) and its user. */
  token: string | null;
  login: string | null;
  /** Set when the answer was a fault: injected, or `rate_limiter` for the limiter's own refusal. */
  fault?: FaultKind | 'rate_limiter';
  /** The limiter's state after this request; null when it is off. */
  rate: { limit: number; used: number; remaining: number; reset_at: number } | null;
  /** accept, content-type, user-agent, if-none-match, if-modified-since, x-github-api-version (never credentials). */
  headers: Record<string, string>;
}

export interface GitEnv {
  Bindings: HttpBindings;
  Variables: {
    entry: GitRequestLogEntry;
    caller: Caller;
  };
}

export type GitContext = Context<GitEnv>;

/** An error answer: a JSON body (object) or plain text (string), with extra headers. */
export class ApiError extends Error {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Record<string, string>;

  constructor(status: number, body: unknown, headers: Record<string, string> = {}) {
    super(typeof body === 'string' ? body : JSON.stringify(body));
    this.name = 'ApiError';
    this.status = status;
    this.body = body;
    this.headers = headers;
  }
}

/** Writes an ApiError (or any status and body) keeping the headers already set on the context (rate limits). */
export function errorResponse(c: GitContext, err: ApiError): Response {
  for (const [k, v] of Object.entries(err.headers)) c.header(k, v);
  if (err.body === null || err.body === undefined) return c.body(null, err.status as 400);
  if (typeof err.body === 'string') return c.body(err.body, err.status as 400, { 'Content-Type': 'text/plain; charset=utf-8' });
  return c.body(JSON.stringify(err.body), err.status as 400, { 'Content-Type': 'application/json; charset=utf-8' });
}

/** A JSON answer. */
export function json(c: GitContext, body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return c.body(JSON.stringify(body), status as 200, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
}

export type BodyRead = { kind: 'empty' } | { kind: 'json'; value: unknown } | { kind: 'form'; value: Record<string, string | string[]> } | { kind: 'invalid_json'; text: string };

/** The request body as JSON or a form (by content type; JSON when none is given), or why it is neither. */
export async function readBody(c: GitContext): Promise<BodyRead> {
  const text = await c.req.text();
  if (text.trim() === '') return { kind: 'empty' };
  const type = c.req.header('content-type') ?? '';
  if (type.includes('application/x-www-form-urlencoded')) {
    const value: Record<string, string | string[]> = {};
    for (const [k, v] of new URLSearchParams(text)) {
      const key = k.endsWith('[]') ? k.slice(0, -2) : k;
      const prev = value[key];
      value[key] = k.endsWith('[]') ? [...(Array.isArray(prev) ? prev : prev === undefined ? [] : [prev]), v] : v;
    }
    return { kind: 'form', value };
  }
  try {
    return { kind: 'json', value: JSON.parse(text) as unknown };
  } catch {
    return { kind: 'invalid_json', text };
  }
}

/** Whether a value is a plain JSON object. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The query as a record (last value wins) plus repeated `key[]` values as arrays. */
export function queryOf(c: GitContext): { one: Record<string, string>; many: Record<string, string[]> } {
  const one: Record<string, string> = {};
  const many: Record<string, string[]> = {};
  for (const [k, v] of new URL(c.req.url).searchParams) {
    one[k] = v;
    (many[k] ??= []).push(v);
  }
  return { one, many };
}
