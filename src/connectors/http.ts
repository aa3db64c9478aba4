/**
 * The one HTTP client every connector uses: JSON in and out over global fetch, and the single place an
 * upstream failure is classified into the typed errors of protocol/errors.ts (STYLE: classify once, at
 * the boundary). Error details carry the status, method, a secret-free URL and a body excerpt — never
 * request headers. A caller's abort (job cancelled, lease lost) propagates as that abort, never as a timeout.
 */
import {
  AuthError,
  Conflict,
  NotFound,
  parseRetryAfter,
  SyncError,
  UpstreamRateLimited,
  UpstreamTimeout,
  UpstreamUnavailable,
  ValidationError,
} from '../protocol/errors.ts';

export interface HttpJsonRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';
  url: string;
  /** Extra request headers (credentials go here); they are never copied into errors or logs. */
  headers?: Record<string, string>;
  /** Sent as JSON when present. */
  body?: unknown;
  /** The whole exchange, body included, must finish within this; else UpstreamTimeout. */
  timeoutMs: number;
  /** The caller's cancellation (a job's `ctx.signal`). */
  signal?: AbortSignal;
  correlationId?: string;
  idempotencyKey?: string;
  /**
   * Non-2xx statuses answered as a response instead of thrown, for a caller that expects them: a conditional
   * GET's `304 Not Modified` (its empty body comes back as null).
   */
  acceptStatuses?: readonly number[];
  /**
   * A provider's own reading of a non-2xx answer whose meaning depends on its headers (GitHub's 403 is a spent
   * rate limit when `x-ratelimit-remaining` is 0). Gets the answer and the error httpJson would throw, and
   * returns the error to throw; classification still happens here, once, where the response is read.
   */
  classify?: (answer: HttpErrorAnswer, fallback: SyncError) => SyncError;
}

/** A non-2xx answer as `classify` sees it. */
export interface HttpErrorAnswer {
  status: number;
  headers: Headers;
  /** The raw body text (may be empty or not JSON). */
  text: string;
}

export interface HttpJsonResponse<T = unknown> {
  status: number;
  headers: Headers;
  /** The parsed JSON body; null when the response had none. */
  body: T;
}

/** How much of an upstream's error body is kept in the error detail. */
export const BODY_EXCERPT_CHARS = 500;

/**
 * Sends one JSON request and returns the 2xx response, or throws a typed SyncError (or the caller's
 * abort reason when `signal` fired).
 */
export async function httpJson<T = unknown>(req: HttpJsonRequest): Promise<HttpJsonResponse<T>> {
  req.signal?.throwIfAborted();
  const safeUrl = redactUrl(req.url);
  const where = { method: req.method, url: safeUrl };
  const timeout = AbortSignal.timeout(req.timeoutMs);
  const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
  // A Headers object, so a caller's `X-Correlation-ID` and ours are one header, not two spellings.
  const headers = new Headers({ accept: 'application/json', ...req.headers });
  if (req.body !== undefined) headers.set('content-type', 'application/json');
  if (req.correlationId) headers.set('x-correlation-id', req.correlationId);
  if (req.idempotencyKey) headers.set('idempotency-key', req.idempotencyKey);

  let res: Response;
  let text: string;
  try {
    res = await fetch(req.url, {
      method: req.method,
      headers,
      body: req.body === undefined ? null : JSON.stringify(req.body),
      signal,
    });
    text = await res.text();
  } catch (err) {
    // The caller's abort wins over a timeout that fired at the same moment: a cancelled job must not
    // be recorded as a slow upstream.
    if (req.signal?.aborted) throw req.signal.reason;
    if (timeout.aborted) {
      throw new UpstreamTimeout(`${req.method} ${safeUrl} did not answer within ${req.timeoutMs} ms`, {
        detail: { ...where, timeout_ms: req.timeoutMs },
        cause: err,
      });
    }
    const code = networkCode(err);
    throw new UpstreamUnavailable(`${req.method} ${safeUrl} failed: ${code ?? (err as Error).message}`, {
      detail: { ...where, ...(code ? { network_error: code } : {}) },
      cause: err,
    });
  }

  if ((res.status < 200 || res.status > 299) && !req.acceptStatuses?.includes(res.status)) {
    const fallback = errorForStatus(res, text, where);
    throw req.classify ? req.classify({ status: res.status, headers: res.headers, text }, fallback) : fallback;
  }
  if (text === '') return { status: res.status, headers: res.headers, body: null as T };
  try {
    return { status: res.status, headers: res.headers, body: JSON.parse(text) as T };
  } catch (err) {
    // A 2xx that is not JSON is usually a proxy or maintenance page in front of the API: transient.
    throw new UpstreamUnavailable(`${req.method} ${safeUrl} answered ${res.status} with a body that is not JSON`, {
      detail: { ...where, status: res.status, body: excerpt(text) },
      cause: err,
    });
  }
}

/** The typed error for a non-2xx answer. */
function errorForStatus(res: Response, text: string, where: { method: string; url: string }): SyncError {
  const status = res.status;
  const requestId = res.headers.get('x-request-id') ?? res.headers.get('request-id');
  const detail: Record<string, unknown> = { status, ...where, body: excerpt(text), ...(requestId ? { request_id: requestId } : {}) };
  const message = `${where.method} ${where.url} answered ${status}`;
  if (status === 429) {
    const retryAfter = res.headers.get('retry-after');
    if (retryAfter !== null) detail.retry_after = retryAfter;
    return new UpstreamRateLimited(message, { detail, retryAt: parseRetryAfter(retryAfter) });
  }
  if (status === 408) return new UpstreamTimeout(message, { detail });
  if (status >= 500) return new UpstreamUnavailable(message, { detail });
  if (status === 404 || status === 410) return new NotFound(message, { detail });
  if (status === 401 || status === 403) return new AuthError(message, { detail });
  if (status === 409) return new Conflict(message, { detail });
  // 400, 422 and every other 4xx: the upstream rejected this request as it is; sending it again
  // unchanged cannot help.
  if (status >= 400) return new ValidationError(message, { detail });
  // 1xx/3xx reaching here means a redirect fetch would not follow: the upstream is misconfigured.
  return new UpstreamUnavailable(message, { detail });
}

const SECRET_PARAM = /key|token|secret|pass|sig|auth|code|session|credential/i;

/**
 * The URL as it may be recorded: no user info, no fragment, and the values of query parameters that
 * look like credentials replaced.
 */
export function redactUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return '[unparseable url]';
  }
  url.username = '';
  url.password = '';
  url.hash = '';
  for (const name of [...new Set(url.searchParams.keys())]) {
    if (SECRET_PARAM.test(name)) url.searchParams.set(name, 'redacted');
  }
  return url.toString();
}

function excerpt(text: string): string {
  return text.length > BODY_EXCERPT_CHARS ? `${text.slice(0, BODY_EXCERPT_CHARS - 1)}…` : text;
}

/** ECONNREFUSED, ENOTFOUND, UND_ERR_SOCKET…: undici hides the system error in `cause`. */
function networkCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}
