/**
 * GitLab webhook deliveries (reference §7). GitLab signs nothing by default: `X-Gitlab-Token` carries the hook's
 * secret itself, compared here in constant time (both sides hashed first, so neither length nor content leaks).
 * A hook with the newer signing token (`whsec_…`, feature flag `webhook_signing_token`) adds Standard Webhooks
 * headers, verified when the configured secret is such a token. An `Issue Hook` becomes an upsert of the issue as
 * the payload shows it; GitLab sends no hook for a deleted issue, and every other event is stored and ignored.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { AuthError, ValidationError } from '../../protocol/errors.ts';
import type { IssueWebhookEvent, IssueWebhookRequest, RemoteIssue } from '../../protocol/issues.ts';
import { fromGitLabState, GitLabState } from './map.ts';
import { parseGitLabTime } from './time.ts';

export const TOKEN_HEADER = 'x-gitlab-token';
export const EVENT_HEADER = 'x-gitlab-event';
/** Standard Webhooks' default tolerance for `webhook-timestamp`, either way. */
export const SIGNATURE_TOLERANCE_MS = 5 * 60_000;

const sha256 = (value: string | Buffer) => createHash('sha256').update(value).digest();

/**
 * Verifies a delivery against the hook's secret; throws AuthError naming the header that is missing or wrong, never
 * echoing either value. A `whsec_` secret checks the `webhook-signature` when the delivery has one.
 */
export function verifyGitLabWebhook(request: IssueWebhookRequest, secret: string, now: () => number = Date.now): void {
  if (!secret) throw new ValidationError('no GitLab webhook secret is configured: deliveries cannot be verified');
  if (secret.startsWith('whsec_') && request.headers['webhook-signature'] !== undefined) {
    verifySigningToken(request, secret, now);
    return;
  }
  const token = request.headers[TOKEN_HEADER];
  if (token === undefined || token === '') throw new AuthError('the GitLab delivery has no X-Gitlab-Token header');
  if (!timingSafeEqual(sha256(token), sha256(secret))) throw new AuthError('X-Gitlab-Token does not match the webhook secret');
}

/** `webhook-signature: v1,<base64 HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}">`, keyed by the token's bytes. */
function verifySigningToken(request: IssueWebhookRequest, secret: string, now: () => number): void {
  const id = request.headers['webhook-id'];
  const timestamp = request.headers['webhook-timestamp'];
  if (!id || !timestamp) throw new AuthError('the signed GitLab delivery lacks the webhook-id or webhook-timestamp header');
  if (!/^\d+$/.test(timestamp) || Math.abs(now() - Number(timestamp) * 1000) > SIGNATURE_TOLERANCE_MS) {
    throw new AuthError('webhook-timestamp is not within five minutes of now');
  }
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  // Compared as canonical base64 text, not decoded bytes: base64 padding bits would let two spellings decode alike.
  const expected = sha256(createHmac('sha256', key).update(`${id}.${timestamp}.`).update(request.body).digest('base64'));
  let matched = false;
  // Space-separated `v1,<sig>` entries (several during key rotation); all compared, no early exit.
  for (const entry of (request.headers['webhook-signature'] ?? '').split(' ')) {
    const [version, sig] = entry.split(',', 2);
    if (version !== 'v1' || !sig) continue;
    matched = timingSafeEqual(sha256(sig), expected) || matched;
  }
  if (!matched) throw new AuthError('webhook-signature does not match the webhook signing token');
}

const HookUser = z.looseObject({ id: z.number().int().optional(), username: z.string().min(1) });
const HookTime = z.string().refine((s) => parseGitLabTime(s) !== null, 'not a GitLab timestamp');

/** The part of an Issue Hook payload an issue is read from (issue_builder.rb; the fixtures). */
const IssueHook = z.looseObject({
  object_kind: z.literal('issue'),
  object_attributes: z.looseObject({
    iid: z.number().int().positive(),
    title: z.string(),
    description: z.string().nullish(),
    state: GitLabState,
    action: z.string().nullish(),
    url: z.string(),
    updated_at: HookTime,
    assignee_ids: z.array(z.number().int()).nullish(),
    labels: z.array(z.looseObject({ title: z.string() })).nullish(),
  }),
  labels: z.array(z.looseObject({ title: z.string() })).nullish(),
  assignees: z.array(HookUser).nullish(),
  /** The deprecated single assignee: all a pre-multi-assignee GitLab sends. */
  assignee: HookUser.nullish(),
});
type IssueHook = z.infer<typeof IssueHook>;

export interface ParseContext {
  /** A username for an id, when the payload lists `assignee_ids` without `assignees`. */
  usernameOf?: (id: number) => string | undefined;
  /** Users the payload names with their ids. */
  learn?: (users: { id: number; username: string }[]) => void;
}

/** Parses a verified delivery; ValidationError when a header is missing or the body is not GitLab's JSON. */
export function parseGitLabWebhook(request: IssueWebhookRequest, context: ParseContext = {}): IssueWebhookEvent {
  const event = request.headers[EVENT_HEADER];
  if (!event) throw new ValidationError('the GitLab delivery has no X-Gitlab-Event header');
  // X-Gitlab-Event-UUID names the event (what the inbox dedupes on); Idempotency-Key (17.4+) and the signing
  // token's webhook-id name the delivery, stable across resends. Never X-Gitlab-Webhook-UUID: it names the hook,
  // so every delivery of one hook carries the same one.
  const deliveryId = request.headers['x-gitlab-event-uuid'] || request.headers['idempotency-key'] || request.headers['webhook-id'];
  if (!deliveryId) throw new ValidationError('the GitLab delivery has neither X-Gitlab-Event-UUID nor Idempotency-Key');
  let body: unknown;
  try {
    body = JSON.parse(request.body.toString('utf8'));
  } catch (err) {
    throw new ValidationError('the GitLab webhook body is not JSON', { cause: err });
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ValidationError('the GitLab webhook body is not a JSON object');
  const attributes = (body as { object_attributes?: unknown }).object_attributes;
  const rawAction = typeof attributes === 'object' && attributes !== null ? (attributes as { action?: unknown }).action : undefined;
  const action = typeof rawAction === 'string' ? rawAction : null;
  // Work items other than issues (tasks, epics) come as `work_item`; merge requests, notes and pushes have kinds of
  // their own. Only `issue` is the resource the provider lists.
  if ((body as { object_kind?: unknown }).object_kind !== 'issue') return { deliveryId, event, action, change: null, payload: body };

  const parsed = IssueHook.safeParse(body);
  if (!parsed.success) {
    const paths = parsed.error.issues.map((i) => i.path.join('.') || '(root)');
    throw new ValidationError(`the ${event} payload is not a GitLab issue (${paths.join(', ')})`, { detail: { paths } });
  }
  return { deliveryId, event, action, change: { kind: 'upsert', issue: hookIssue(parsed.data, context) }, payload: body };
}

function hookIssue(hook: IssueHook, context: ParseContext): RemoteIssue {
  const a = hook.object_attributes;
  const labels = hook.labels ?? a.labels ?? [];
  return {
    externalId: String(a.iid),
    url: a.url,
    fields: {
      title: a.title,
      body: a.description ?? '',
      state: fromGitLabState(a.state),
      labels: labels.map((l) => l.title),
      assignees: hookAssignees(hook, context),
    },
    updatedAt: parseGitLabTime(a.updated_at)!,
  };
}

/**
 * `assignees` (usernames) when present. GitLab leaves the key out when nobody is assigned, and older GitLab sent
 * only `assignee`; `assignee_ids` without either is read through known ids, and when one is unknown the payload
 * cannot say who is assigned: a ValidationError, not a snapshot that would unassign them on the other side.
 */
function hookAssignees(hook: IssueHook, context: ParseContext): string[] {
  const users = hook.assignees ?? (hook.assignee ? [hook.assignee] : null);
  if (users) {
    context.learn?.(users.flatMap((u) => (u.id === undefined ? [] : [{ id: u.id, username: u.username }])));
    return users.map((u) => u.username);
  }
  const ids = hook.object_attributes.assignee_ids ?? [];
  const names = ids.map((id) => context.usernameOf?.(id));
  const unknown = ids.filter((_, i) => names[i] === undefined);
  if (unknown.length) throw new ValidationError(`the Issue Hook names assignee ids ${unknown.join(', ')} without their usernames`, { detail: { assignee_ids: unknown } });
  return names as string[];
}
