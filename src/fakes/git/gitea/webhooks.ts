/**
 * Gitea's issue webhooks (reference §7, services/webhook/deliver.go, modules/webhook/type.go). One notification per
 * kind of change, as Gitea's notifier makes them: `opened`; `edited` once for a new title and once for a new body,
 * each with `changes.{title|body}.from`; `closed`/`reopened`; one `label_updated` per label change (or
 * `label_cleared` when the labels were emptied) carrying the full new `issue.labels`; `assigned`/`unassigned` per
 * user; `deleted`. The body is `json.MarshalIndent` output (two-space indent, `<>&` escaped as Go does) of
 * `{action, number, changes?, issue, repository, sender, commit_id}`. Headers: `X-Gitea-Event` (always `issues`),
 * `X-Gitea-Event-Type` (`issues`, `issue_label`, `issue_assign`) — a hook gets only the event types it subscribed —
 * `X-Gitea-Delivery`, `X-Gitea-Signature` (hex HMAC-SHA256, no prefix) and their `X-Gogs-*`/`X-GitHub-*` copies,
 * `X-Hub-Signature` (sha1=) and `X-Hub-Signature-256` (sha256=); with no secret the signature headers are sent
 * empty. A redelivery is a replay with a new delivery id. Issues created with assignees also send `assigned`
 * (inferred from the notifier).
 */
import { hmacHex } from '../common/signature.ts';
import { uuid } from '../../prng.ts';
import type { IssueChange, IssueStore } from '../common/store.ts';
import { WebhookQueue, type Hook, type PendingDelivery, type WebhookQueueOptions } from '../common/webhook-queue.ts';
import { issue, repository, user, type RenderContext } from './render.ts';

/** `X-Gitea-Signature`: lowercase hex HMAC-SHA256 of the exact body, no prefix. */
export function giteaSignature(body: string | Buffer, secret: string): string {
  return hmacHex('sha256', secret, body);
}

/** Go's json.Marshal escapes these for HTML safety; so does Gitea's payload. */
export function goJsonIndent(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(/[<>&\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

type EventType = 'issues' | 'issue_label' | 'issue_assign';

interface Event {
  action: string;
  type: EventType;
  changes?: Record<string, { from: string }>;
}

export class GiteaWebhooks extends WebhookQueue {
  readonly #ctx: () => RenderContext;

  constructor(opts: WebhookQueueOptions & { store: IssueStore; ctx: () => RenderContext }) {
    super(opts);
    this.#ctx = opts.ctx;
    opts.store.onChange((change) => this.#onChange(change));
  }

  #events(change: IssueChange): Event[] {
    const { diff } = change;
    if (change.kind === 'deleted') return [{ action: 'deleted', type: 'issues' }];
    const out: Event[] = [];
    if (change.kind === 'created') out.push({ action: 'opened', type: 'issues' });
    if (diff.title) out.push({ action: 'edited', type: 'issues', changes: { title: { from: diff.title.from } } });
    if (diff.body) out.push({ action: 'edited', type: 'issues', changes: { body: { from: diff.body.from ?? '' } } });
    if (diff.state) out.push({ action: diff.state.to === 'closed' ? 'closed' : 'reopened', type: 'issues' });
    if (change.kind === 'updated' && (diff.labels_added.length || diff.labels_removed.length)) out.push({ action: change.labels_cleared ? 'label_cleared' : 'label_updated', type: 'issue_label' });
    for (const _ of diff.assignees_added) out.push({ action: 'assigned', type: 'issue_assign' });
    for (const _ of diff.assignees_removed) out.push({ action: 'unassigned', type: 'issue_assign' });
    return out;
  }

  #onChange(change: IssueChange): void {
    const ctx = this.#ctx();
    const repo = ctx.store.repo(change.repo)!;
    const hooks = this.hooks(change.repo).filter((h) => h.active);
    if (hooks.length === 0) return;
    const kind = change.after.kind === 'pull_request' ? 'pull_request' : 'issues';
    for (const event of this.#events(change)) {
      // Pull requests have their own events in Gitea; only issue events are modelled.
      if (kind !== 'issues') continue;
      const payload: Record<string, unknown> = { action: event.action, number: change.after.number };
      if (event.changes) payload.changes = event.changes;
      Object.assign(payload, { issue: issue(ctx, change.after), repository: repository(ctx, repo), sender: user(ctx, change.actor), commit_id: '' });
      const json = goJsonIndent(payload);
      for (const hook of hooks) {
        if (!this.wants(hook, event.type)) continue;
        this.#enqueue(hook, event, change, json);
      }
    }
  }

  #headers(hook: Hook, id: string, type: EventType, body: string): Record<string, string> {
    const sha256 = hook.secret ? giteaSignature(body, hook.secret) : '';
    const sha1 = hook.secret ? hmacHex('sha1', hook.secret, body) : '';
    return {
      'content-type': hook.content_type === 'form' ? 'application/x-www-form-urlencoded' : 'application/json',
      'x-gitea-delivery': id,
      'x-gitea-event': 'issues',
      'x-gitea-event-type': type,
      'x-gitea-signature': sha256,
      'x-gogs-delivery': id,
      'x-gogs-event': 'issues',
      'x-gogs-event-type': type,
      'x-gogs-signature': sha256,
      'x-github-delivery': id,
      'x-github-event': 'issues',
      'x-github-event-type': type,
      'x-hub-signature': `sha1=${sha1}`,
      'x-hub-signature-256': `sha256=${sha256}`,
    };
  }

  #enqueue(hook: Hook, event: Event, change: IssueChange, json: string): void {
    const body = hook.content_type === 'form' ? `payload=${encodeURIComponent(json)}` : json;
    const id = uuid(this.random);
    this.enqueue({ id, hook, event: 'issues', action: event.action, issue_number: change.after.number, change_seq: change.seq, headers: this.#headers(hook, id, event.type, body), body });
  }

  /** Gitea's "Replay" copies the payload into a new task with a new UUID (reference §7). */
  protected override resendOf(p: PendingDelivery): { id: string; headers: Record<string, string> } {
    const id = uuid(this.random);
    const headers = { ...p.headers, 'x-gitea-delivery': id, 'x-gogs-delivery': id, 'x-github-delivery': id };
    return { id, headers };
  }
}
