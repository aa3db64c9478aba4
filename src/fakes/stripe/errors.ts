/**
 * Stripe's error bodies (`{"error": {type, code, message, param, doc_url}}`, reference §10) as one thrown class,
 * so the store can refuse an operation in-process and the HTTP layer answers with the same body and status.
 * Wording marked "approximate" is not confirmed by the reference; shapes and codes are.
 */

export interface StripeErrorBody {
  type: 'invalid_request_error' | 'api_error' | 'idempotency_error' | 'card_error';
  code?: string;
  message: string;
  param?: string;
  doc_url?: string;
}

export class StripeError extends Error {
  readonly status: number;
  readonly body: StripeErrorBody;

  constructor(status: number, body: StripeErrorBody) {
    super(body.message);
    this.name = 'StripeError';
    this.status = status;
    this.body = body;
  }
}

/** `doc_url` as seen in real responses: the code with dashes (reference §10, pattern inferred). */
function docUrl(code: string): string {
  return `https://stripe.com/docs/error-codes/${code.replaceAll('_', '-')}`;
}

export function invalidRequest(message: string, param?: string, code?: string, status = 400): StripeError {
  return new StripeError(status, {
    type: 'invalid_request_error',
    ...(code ? { code, doc_url: docUrl(code) } : {}),
    message,
    ...(param ? { param } : {}),
  });
}

/** 404 for a path id; param-referenced ids (cursors, `customer=`) use the status the caller chooses. */
export function resourceMissing(objectName: string, id: string, param = 'id', status = 404): StripeError {
  return invalidRequest(`No such ${objectName.replaceAll('_', ' ')}: '${id}'`, param, 'resource_missing', status);
}

export function unknownParameter(name: string): StripeError {
  // Approximate wording; `parameter_unknown` is Stripe's code for it.
  return invalidRequest(`Received unknown parameter: ${name}`, name, 'parameter_unknown');
}

export function unrecognizedUrl(method: string, path: string): StripeError {
  // Live wording captured in arlyon/async-stripe#207; no code, no param.
  return invalidRequest(
    `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
    undefined,
    undefined,
    404,
  );
}

export function authenticationError(presented: string | null): StripeError {
  // stripe-mock's 401 shape (reference §1); live wording approximate. The key is masked as Stripe does.
  const message =
    presented === null
      ? "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/."
      : `Invalid API Key provided: ${presented.length > 12 ? `${presented.slice(0, 8)}${'*'.repeat(presented.length - 12)}${presented.slice(-4)}` : '*'.repeat(presented.length)}`;
  return invalidRequest(message, undefined, undefined, 401);
}

/** 429 body: status 429 with `code: "rate_limit"` (reference §10/§15); message as captured in 2015 (codecombat#2588). */
export function rateLimitError(): StripeError {
  return invalidRequest('Request rate limit exceeded', undefined, 'rate_limit', 429);
}

/** 429 for object lock contention (reference §11); wording approximate. */
export function lockTimeoutError(): StripeError {
  return invalidRequest(
    'This object cannot be accessed right now because another API request or Stripe process is currently accessing it. If you see this error intermittently, retry the request.',
    undefined,
    'lock_timeout',
    429,
  );
}

/** 5xx body: `type: "api_error"` (reference §10); wording approximate. */
export function apiError(status: number): StripeError {
  return new StripeError(status, {
    type: 'api_error',
    message: "Sorry, something went wrong. We've already been notified of the problem, but if you need any help, you can reach us at support.stripe.com/contact.",
  });
}
