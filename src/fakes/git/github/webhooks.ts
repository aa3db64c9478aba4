/**
 * GitHub's `issues` webhooks (reference §7): one delivery per action, so one PATCH that retitles, closes and labels
 * an issue sends `edited`, `closed`, then one `labeled` per label (and `assigned`/`unassigned` per user). Payload
 * `{action, issue, changes?, label?, assignee?, repository, sender}` with the issue as it is after the change;
 * headers `X-GitHub-Event`, `X-GitHub-Delivery` (a GUID kept on redelivery), `X-GitHub-Hook-ID`, the installation
 * target, `User-Agent: GitHub-Hookshot/…` and, with a secret, `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the
 * exact body>` plus the legacy SHA-1 `X-Hub-Signature`. Pull requests send `pull_request` events, not these, so
 * changes to them are not reported here. An issue created with labels or assignees also sends `labeled`/`assigned`
 * after `opened` (unverified).
 */
import { hmacHex } from '../common/signature.ts';
import { hex, uuid } from '../../prng.ts';
import type { IssueChange, IssueStore } from '../common/store.ts';
import { WebhookQueue, type Hook, type WebhookQueueOptions } from '../common/webhook-queue.ts';
import { issue, label, repository, simpleUser, type RenderContext } from './render.ts';

/** `sha256=` + hex HMAC-SHA256 of the body: the `X-Hub-Signature-256` value. */
export function signatureHeader256(body: string | Buffer, secret: string): string {
  return `sha256=${hmacHex('sha256', secret, body)}`;
}

/** `sha1=` + hex HMAC-SHA1 of the body: the legacy `X-Hub-Signature` value. */
export function signatureHeaderSha1(body: string | Buffer, secret: string): string {
  return `sha1=${hmacHex('sha1', secret, body)}`;
}

interface Event {
  action: string;
  extra: Record<string, unknown>;
}

export class GitHubWebhooks extends WebhookQueue {
  readonly #ctx: () => RenderContext;
  readonly #hookshot: string;

  constructor(opts: WebhookQueueOptions & { store: IssueStore; ctx: () => RenderContext }) {
    super(opts);
    this.#ctx = opts.ctx;
    this.#hookshot = `GitHub-Hookshot/${hex(this.random, 7)}`;
    opts.store.onChange((change) => this.#onChange(change));
  }

  #events(change: IssueChange): Event[] {
    const ctx = this.#ctx();
    const out: Event[] = [];
    const { diff } = change;
    if (change.kind === 'deleted') return [{ action: 'deleted', extra: {} }];
    if (change.kind === 'created') out.push({ action: 'opened', extra: {} });
    if (diff.title || diff.body) {
      const changes: Record<string, unknown> = {};
      if (diff.title) changes.title = { from: diff.title.from };
      if (diff.body) changes.body = { from: diff.body.from ?? '' };
      out.push({ action: 'edited', extra: { changes } });
    }
    if (diff.state) out.push({ action: diff.state.to === 'closed' ? 'closed' : 'reopened', extra: {} });
    for (const name of diff.labels_added) out.push({ action: 'labeled', extra: { label: label(ctx, change.repo, name) } });
    for (const name of diff.labels_removed) out.push({ action: 'unlabeled', extra: { label: label(ctx, change.repo, name) } });
    for (const login of diff.assignees_added) out.push({ action: 'assigned', extra: { assignee: simpleUser(ctx, login) } });
    for (const login of diff.assignees_removed) out.push({ action: 'unassigned', extra: { assignee: simpleUser(ctx, login) } });
    return out;
  }

  #onChange(change: IssueChange): void {
    if (change.after.kind !== 'issue') return;
    const hooks = this.hooks(change.repo).filter((h) => this.wants(h, 'issues'));
    if (hooks.length === 0) return;
    const ctx = this.#ctx();
    const repo = ctx.store.repo(change.repo)!;
    for (const event of this.#events(change)) {
      // Key order as in the fixtures: action, issue, then the action's extras, repository, sender.
      const { changes, ...rest } = event.extra;
      const payload = {
        action: event.action,
        issue: issue(ctx, change.after),
        ...(changes ? { changes } : {}),
        ...rest,
        repository: repository(ctx, repo),
        sender: simpleUser(ctx, change.actor),
      };
      const json = JSON.stringify(payload);
      for (const hook of hooks) this.#enqueue(hook, event.action, change, json, repo.id);
    }
  }

  #enqueue(hook: Hook, action: string, change: IssueChange, json: string, repoId: number): void {
    const body = hook.content_type === 'form' ? `payload=${encodeURIComponent(json)}` : json;
    const id = uuid(this.random);
    const headers: Record<string, string> = {
      'content-type': hook.content_type === 'form' ? 'application/x-www-form-urlencoded' : 'application/json',
      'user-agent': this.#hookshot,
      'x-github-event': 'issues',
      'x-github-delivery': id,
      'x-github-hook-id': String(hook.id),
      'x-github-hook-installation-target-type': 'repository',
      'x-github-hook-installation-target-id': String(repoId),
    };
    if (hook.secret) {
      headers['x-hub-signature'] = signatureHeaderSha1(body, hook.secret);
      headers['x-hub-signature-256'] = signatureHeader256(body, hook.secret);
    }
    this.enqueue({ id, hook, event: 'issues', action, issue_number: change.after.number, change_seq: change.seq, headers, body });
  }
}
