/**
 * GitHub `issues` webhook deliveries (reference §7): `X-Hub-Signature-256` checked over the exact bytes received,
 * in constant time, before anything is parsed; then the delivery read into an IssueWebhookEvent. The secret is
 * never logged, echoed or put in an error. Events and actions GitHub adds later are stored and ignored (change null).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { AuthError, ValidationError } from '../../protocol/errors.ts';
import type { IssueWebhookEvent, IssueWebhookRequest } from '../../protocol/issues.ts';
import { isPullRequest, readIssue } from './map.ts';

const SIGNATURE = /^sha256=([0-9a-f]{64})$/i;

/**
 * Throws AuthError unless `X-Hub-Signature-256` is `sha256=` + the hex HMAC-SHA256 of the raw body keyed by `secret`.
 * Throws ValidationError when no secret is configured: an HMAC with an empty key proves nothing.
 */
export function verifyGitHubSignature(request: IssueWebhookRequest, secret: string): void {
  if (!secret) throw new ValidationError('no GitHub webhook secret configured');
  const header = request.headers['x-hub-signature-256'];
  if (header === undefined || header === '') throw new AuthError('missing X-Hub-Signature-256 header');
  const m = SIGNATURE.exec(header.trim());
  if (!m) throw new AuthError('malformed X-Hub-Signature-256 header (expected sha256=<64 hex digits>)');
  const expected = createHmac('sha256', secret).update(request.body).digest();
  const given = Buffer.from(m[1]!, 'hex');
  // timingSafeEqual throws on unequal lengths; the regex fixes 32 bytes, and the check keeps that true if it changes.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new AuthError('X-Hub-Signature-256 does not match the body');
}

/**
 * Reads a verified delivery. `repo` is the provider's `owner/name`: an event about another repository's issue
 * (an organisation hook sending here) is not about ours, so its change is null rather than a foreign issue number.
 * Throws ValidationError when the headers or body are not a GitHub delivery.
 */
export function parseGitHubDelivery(request: IssueWebhookRequest, repo: string): IssueWebhookEvent {
  const deliveryId = request.headers['x-github-delivery'];
  if (!deliveryId) throw new ValidationError('missing X-GitHub-Delivery header');
  const event = request.headers['x-github-event'];
  if (!event) throw new ValidationError('missing X-GitHub-Event header');
  const payload = payloadOf(request);
  const action = typeof payload.action === 'string' ? payload.action : null;
  const base = { deliveryId, event, action, payload };

  if (event !== 'issues' || !isAbout(payload, repo) || isPullRequest(payload.issue)) return { ...base, change: null };
  if (action === 'deleted' || action === 'transferred') {
    // A transferred issue lives on in another repository under another number: for this one it is gone.
    const number = (payload.issue as { number?: unknown } | undefined)?.number;
    if (typeof number !== 'number' || !Number.isInteger(number)) throw new ValidationError(`GitHub issues.${action} payload has no issue.number`);
    return { ...base, change: { kind: 'deleted', externalId: String(number) } };
  }
  const read = readIssue(payload.issue);
  if (!read.ok) throw new ValidationError(`GitHub issues.${action ?? '(no action)'} payload has no readable issue: ${read.reason}`);
  return { ...base, change: { kind: 'upsert', issue: read.issue } };
}

/** The JSON payload: the raw body, or its `payload` field for hooks set to `application/x-www-form-urlencoded`. */
function payloadOf(request: IssueWebhookRequest): Record<string, unknown> {
  const text = request.body.toString('utf8');
  const form = (request.headers['content-type'] ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded');
  const json = form ? new URLSearchParams(text).get('payload') : text;
  if (json === null) throw new ValidationError('GitHub form-encoded delivery has no payload field');
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    throw new ValidationError('GitHub delivery body is not JSON', { cause: err });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ValidationError('GitHub delivery body is not a JSON object');
  return value as Record<string, unknown>;
}

/** Whether the payload's repository is `repo` (GitHub paths ignore case); payloads without one are taken as ours. */
function isAbout(payload: Record<string, unknown>, repo: string): boolean {
  const fullName = (payload.repository as { full_name?: unknown } | undefined)?.full_name;
  return typeof fullName !== 'string' || fullName.toLowerCase() === repo.toLowerCase();
}
