/**
 * GitLab's Issue Hook (reference §7; issue_builder.rb; the fixtures). One delivery per change: `action` open, update,
 * close or reopen, `changes` mapping each changed attribute to `{previous, current}` (`{}` on open, as in the
 * fixture), labels as hook label objects, `assignees` only when there are some. No hook for a deleted issue (none is
 * documented). Unsigned: `X-Gitlab-Token` carries the hook's secret itself. Headers: `X-Gitlab-Event: Issue Hook`,
 * `X-Gitlab-Event-UUID` (per change, shared by every hook it goes to), `X-Gitlab-Webhook-UUID` (per hook),
 * `X-Gitlab-Instance`, `Idempotency-Key` (per delivery, kept when re-sent), `User-Agent: GitLab/…`; compact JSON.
 */
import { uuid } from '../../prng.ts';
import type { Issue, IssueChange, IssueStore } from '../common/store.ts';
import { utcWords } from '../common/time.ts';
import { WebhookQueue, type WebhookQueueOptions } from '../common/webhook-queue.ts';
import { hookAttributes, hookLabel, hookProject, hookRepository, hookUser, type RenderContext } from './render.ts';

export const GITLAB_VERSION = '17.4.0';

export class GitLabWebhooks extends WebhookQueue {
  readonly #ctx: () => RenderContext;

  constructor(opts: WebhookQueueOptions & { store: IssueStore; ctx: () => RenderContext }) {
    super(opts);
    this.#ctx = opts.ctx;
    opts.store.onChange((change) => this.#onChange(change));
  }

  #changes(change: IssueChange): Record<string, { previous: unknown; current: unknown }> {
    const out: Record<string, { previous: unknown; current: unknown }> = {};
    if (change.kind !== 'updated' || !change.before) return out;
    const ctx = this.#ctx();
    const repo = ctx.store.repo(change.repo)!;
    const b: Issue = change.before;
    const a: Issue = change.after;
    const when = (ms: number | null) => (ms === null ? null : utcWords(ms));
    const userId = (login: string | null) => (login === null ? null : ctx.store.user(login).id);
    const put = (key: string, previous: unknown, current: unknown) => {
      if (JSON.stringify(previous) !== JSON.stringify(current)) out[key] = { previous, current };
    };
    put('title', b.title, a.title);
    put('description', b.body, a.body);
    put('closed_at', when(b.closed_at), when(a.closed_at));
    put('state', b.state === 'open' ? 'opened' : 'closed', a.state === 'open' ? 'opened' : 'closed');
    put('last_edited_at', when(b.last_edited_at), when(a.last_edited_at));
    put('last_edited_by_id', userId(b.last_edited_by), userId(a.last_edited_by));
    put('updated_at', when(b.updated_at), when(a.updated_at));
    put('updated_by_id', userId(b.updated_by), userId(a.updated_by));
    put(
      'labels',
      b.labels.map((n) => hookLabel(ctx, repo, n)),
      a.labels.map((n) => hookLabel(ctx, repo, n)),
    );
    put(
      'assignees',
      b.assignees.map((l) => hookUser(ctx, l)),
      a.assignees.map((l) => hookUser(ctx, l)),
    );
    return out;
  }

  #onChange(change: IssueChange): void {
    if (change.kind === 'deleted' || change.after.kind !== 'issue') return;
    const hooks = this.hooks(change.repo).filter((h) => this.wants(h, 'issues_events'));
    if (hooks.length === 0) return;
    const ctx = this.#ctx();
    const repo = ctx.store.repo(change.repo)!;
    const a = change.after;
    const action = change.kind === 'created' ? 'open' : change.diff.state?.to === 'closed' ? 'close' : change.diff.state?.to === 'open' ? 'reopen' : 'update';
    const payload: Record<string, unknown> = {
      object_kind: 'issue',
      event_type: 'issue',
      user: hookUser(ctx, change.actor),
      project: hookProject(ctx, repo),
      object_attributes: hookAttributes(ctx, a, action),
      labels: a.labels.map((n) => hookLabel(ctx, repo, n)),
      changes: this.#changes(change),
      repository: hookRepository(ctx, repo),
    };
    if (a.assignees.length) {
      payload.assignees = a.assignees.map((l) => hookUser(ctx, l));
      payload.assignee = hookUser(ctx, a.assignees[0]!);
    }
    const body = JSON.stringify(payload);
    const eventUuid = uuid(this.random);
    for (const hook of hooks) {
      const id = uuid(this.random);
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'user-agent': `GitLab/${GITLAB_VERSION}`,
        'x-gitlab-event': 'Issue Hook',
        'x-gitlab-event-uuid': eventUuid,
        'x-gitlab-webhook-uuid': hook.uuid,
        'x-gitlab-instance': ctx.root,
        'idempotency-key': id,
      };
      if (hook.secret) headers['x-gitlab-token'] = hook.secret;
      this.enqueue({ id, hook, event: 'Issue Hook', action, issue_number: a.number, change_seq: change.seq, headers, body });
    }
  }
}
