/**
 * Gitea webhook deliveries (reference gitea.md §7): `X-Gitea-Signature` is the lowercase hex HMAC-SHA256 of the
 * exact body bytes keyed with the hook's secret, no prefix; it is checked in constant time and a failure never
 * says more than which header was wrong. Issue changes arrive as `X-Gitea-Event: issues` whatever the fine type
 * (`X-Gitea-Event-Type`: issues, issue_label, issue_assign, …); older servers put the fine type in `X-Gitea-Event`,
 * so both spellings count. A form-encoded hook carries the JSON in its `payload` field.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { AuthError, ValidationError } from '../../protocol/errors.ts';
import type { IssueWebhookEvent, IssueWebhookRequest } from '../../protocol/issues.ts';
import { isPullRequest, parseGiteaIssue, toRemoteIssue } from './map.ts';

export const SIGNATURE_HEADER = 'x-gitea-signature';
export const DELIVERY_HEADER = 'x-gitea-delivery';
export const EVENT_HEADER = 'x-gitea-event';
export const EVENT_TYPE_HEADER = 'x-gitea-event-type';

/** Event names that mean "this issue changed" (coarse `issues`, and the fine types older servers sent there). */
const ISSUE_EVENTS = new Set(['issues', 'issue_label', 'issue_assign', 'issue_milestone']);

/** `X-Gitea-Signature` for `body` under `secret`: lowercase hex HMAC-SHA256, no prefix. */
export function giteaSignature(body: Buffer | string, secret: string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/**
 * Throws AuthError unless `X-Gitea-Signature` is the HMAC-SHA256 of the raw body under `secret`. An empty secret
 * is refused too: Gitea sends an empty signature then, and anyone can compute an HMAC keyed with nothing.
 */
export function verifyGiteaSignature(request: IssueWebhookRequest, secret: string): void {
  if (secret === '') throw new AuthError('no Gitea webhook secret is configured, so X-Gitea-Signature cannot be checked');
  const header = request.headers[SIGNATURE_HEADER]?.trim();
  if (!header) throw new AuthError('missing X-Gitea-Signature header');
  const expected = createHmac('sha256', secret).update(request.body).digest();
  const given = /^[0-9a-f]+$/i.test(header) && header.length % 2 === 0 ? Buffer.from(header, 'hex') : Buffer.alloc(0);
  // timingSafeEqual throws on unequal lengths; the length of a hex digest is no secret.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new AuthError('X-Gitea-Signature does not match the body');
}

/** The event a (verified) delivery reports; ValidationError when it is not a Gitea delivery. */
export function parseGiteaWebhook(request: IssueWebhookRequest): IssueWebhookEvent {
  const deliveryId = request.headers[DELIVERY_HEADER];
  if (!deliveryId) throw new ValidationError('missing X-Gitea-Delivery header');
  const event = request.headers[EVENT_HEADER] || request.headers[EVENT_TYPE_HEADER];
  if (!event) throw new ValidationError('missing X-Gitea-Event header');
  const payload = payloadOf(request);
  const action = typeof payload.action === 'string' ? payload.action : null;
  const base = { deliveryId, event, action, payload };

  const isIssueEvent = ISSUE_EVENTS.has(event) || ISSUE_EVENTS.has(request.headers[EVENT_TYPE_HEADER] ?? '');
  if (!isIssueEvent || payload.issue === undefined || payload.issue === null) return { ...base, change: null };
  if (action === 'deleted') {
    const number = (payload.issue as { number?: unknown }).number ?? payload.number;
    if (typeof number !== 'number' || !Number.isInteger(number) || number <= 0) throw new ValidationError('Gitea issues "deleted" payload has no issue number');
    return { ...base, change: { kind: 'deleted', externalId: String(number) } };
  }
  const issue = parseGiteaIssue(payload.issue, `Gitea ${event} payload's issue`);
  if (isPullRequest(issue)) return { ...base, change: null };
  const repository = payload.repository as { html_url?: unknown } | null | undefined;
  const repoHtmlUrl = typeof repository?.html_url === 'string' ? repository.html_url : undefined;
  return { ...base, change: { kind: 'upsert', issue: toRemoteIssue(issue, repoHtmlUrl) } };
}

/** The JSON object a delivery carries: the raw body, or a form hook's `payload` field. */
function payloadOf(request: IssueWebhookRequest): Record<string, unknown> {
  const contentType = request.headers['content-type'] ?? '';
  const text = contentType.toLowerCase().startsWith('application/x-www-form-urlencoded')
    ? (new URLSearchParams(request.body.toString('utf8')).get('payload') ?? '')
    : request.body.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ValidationError('Gitea webhook body is not JSON', { cause: err });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ValidationError('Gitea webhook body is not a JSON object');
  return value as Record<string, unknown>;
}
