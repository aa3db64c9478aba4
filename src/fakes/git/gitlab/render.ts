/**
 * GitLab's JSON shapes (reference §2, §7; lib/gitlab/hook_data/issue_builder.rb; the webhook fixtures). REST: `iid`
 * per project and a global `id`, `state` opened/closed, `description`, labels as names (objects with
 * `with_labels_details`), users `{id, username, name, state, avatar_url, web_url}`, ISO 8601 with milliseconds.
 * Hooks: `object_attributes` with `action`, labels as `{id, title, color: "#…", …, type: "ProjectLabel"}`, users
 * `{id, name, username, avatar_url, email}` and `"2017-12-10 16:37:38 UTC"` timestamps, as the fixtures have them.
 */
import { isoMillis, utcWords } from '../common/time.ts';
import type { Issue, IssueStore, Repo } from '../common/store.ts';

export interface RenderContext {
  store: IssueStore;
  /** The instance URL, no trailing slash. */
  root: string;
}

export function restUser(ctx: RenderContext, login: string): Record<string, unknown> {
  const u = ctx.store.user(login);
  return { id: u.id, username: u.login, name: u.name, state: 'active', locked: false, avatar_url: `${ctx.root}/uploads/-/system/user/avatar/${u.id}/avatar.png`, web_url: `${ctx.root}/${u.login}` };
}

export function hookUser(ctx: RenderContext, login: string): Record<string, unknown> {
  const u = ctx.store.user(login);
  return { id: u.id, name: u.name, username: u.login, avatar_url: `${ctx.root}/uploads/-/system/user/avatar/${u.id}/avatar.png`, email: '[REDACTED]' };
}

export function restLabel(ctx: RenderContext, repoKey: string, name: string): Record<string, unknown> {
  const l = ctx.store.label(repoKey, name);
  return { id: l.id, name: l.name, color: `#${l.color}`, description: l.description || null, description_html: l.description, text_color: '#FFFFFF' };
}

export function hookLabel(ctx: RenderContext, repo: Repo, name: string): Record<string, unknown> {
  const l = ctx.store.label(repo.key, name);
  return { id: l.id, title: l.name, color: `#${l.color}`, project_id: repo.id, created_at: utcWords(l.created_at), updated_at: utcWords(l.updated_at), template: false, description: l.description, type: 'ProjectLabel', group_id: null };
}

export const webUrl = (ctx: RenderContext, i: Issue) => `${ctx.root}/${i.repo}/-/issues/${i.number}`;

export function restIssue(ctx: RenderContext, i: Issue, options: { labelDetails?: boolean } = {}): Record<string, unknown> {
  const repo = ctx.store.repo(i.repo)!;
  const api = `${ctx.root}/api/v4/projects/${repo.id}`;
  const assignees = i.assignees.map((a) => restUser(ctx, a));
  return {
    id: i.id,
    iid: i.number,
    project_id: repo.id,
    title: i.title,
    description: i.body,
    state: i.state === 'open' ? 'opened' : 'closed',
    created_at: isoMillis(i.created_at),
    updated_at: isoMillis(i.updated_at),
    closed_at: i.closed_at === null ? null : isoMillis(i.closed_at),
    closed_by: i.closed_by === null ? null : restUser(ctx, i.closed_by),
    labels: options.labelDetails ? i.labels.map((n) => restLabel(ctx, i.repo, n)) : [...i.labels],
    milestone: null,
    assignees,
    author: restUser(ctx, i.author),
    type: 'ISSUE',
    assignee: assignees[0] ?? null,
    user_notes_count: i.comments,
    merge_requests_count: 0,
    upvotes: 0,
    downvotes: 0,
    due_date: null,
    confidential: false,
    discussion_locked: null,
    issue_type: 'issue',
    web_url: webUrl(ctx, i),
    time_stats: { time_estimate: 0, total_time_spent: 0, human_time_estimate: null, human_total_time_spent: null },
    task_completion_status: { count: 0, completed_count: 0 },
    has_tasks: false,
    _links: { self: `${api}/issues/${i.number}`, notes: `${api}/issues/${i.number}/notes`, award_emoji: `${api}/issues/${i.number}/award_emoji`, project: api, closed_as_duplicate_of: null },
    references: { short: `#${i.number}`, relative: `#${i.number}`, full: `${i.repo}#${i.number}` },
    severity: 'UNKNOWN',
    moved_to_id: null,
    service_desk_reply_to: null,
  };
}

export function hookProject(ctx: RenderContext, repo: Repo): Record<string, unknown> {
  const web = `${ctx.root}/${repo.key}`;
  const ssh = `git@${new URL(ctx.root).hostname}:${repo.key}.git`;
  return {
    id: repo.id,
    name: repo.name,
    description: repo.description,
    web_url: web,
    avatar_url: null,
    git_ssh_url: ssh,
    git_http_url: `${web}.git`,
    namespace: repo.owner,
    visibility_level: 0,
    path_with_namespace: repo.key,
    default_branch: 'main',
    ci_config_path: null,
    homepage: web,
    url: ssh,
    ssh_url: ssh,
    http_url: `${web}.git`,
  };
}

export function hookRepository(ctx: RenderContext, repo: Repo): Record<string, unknown> {
  const web = `${ctx.root}/${repo.key}`;
  return { name: repo.name, url: `git@${new URL(ctx.root).hostname}:${repo.key}.git`, description: repo.description, homepage: web };
}

/** `object_attributes` of an Issue Hook: the fixtures' keys (less 2017's branch_name/deleted_at) and today's. */
export function hookAttributes(ctx: RenderContext, i: Issue, action: string): Record<string, unknown> {
  const repo = ctx.store.repo(i.repo)!;
  const user = (login: string | null) => (login === null ? null : ctx.store.user(login).id);
  const assigneeIds = i.assignees.map((a) => ctx.store.user(a).id);
  return {
    author_id: user(i.author),
    closed_at: i.closed_at === null ? null : utcWords(i.closed_at),
    confidential: false,
    created_at: utcWords(i.created_at),
    description: i.body,
    discussion_locked: null,
    due_date: null,
    id: i.id,
    iid: i.number,
    last_edited_at: i.last_edited_at === null ? null : utcWords(i.last_edited_at),
    last_edited_by_id: user(i.last_edited_by),
    milestone_id: null,
    moved_to_id: null,
    duplicated_to_id: null,
    project_id: repo.id,
    relative_position: i.id * 513,
    state_id: i.state === 'open' ? 1 : 2,
    time_estimate: 0,
    title: i.title,
    updated_at: utcWords(i.updated_at),
    updated_by_id: user(i.updated_by),
    type: 'Issue',
    url: webUrl(ctx, i),
    total_time_spent: 0,
    time_change: 0,
    human_total_time_spent: null,
    human_time_change: null,
    human_time_estimate: null,
    assignee_ids: assigneeIds,
    assignee_id: assigneeIds[0] ?? null,
    labels: i.labels.map((n) => hookLabel(ctx, repo, n)),
    state: i.state === 'open' ? 'opened' : 'closed',
    severity: 'unknown',
    customer_relations_contacts: [],
    action,
  };
}
