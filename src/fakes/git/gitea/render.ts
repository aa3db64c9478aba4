/**
 * Gitea's JSON shapes (reference §2 and the webhook fixtures): the issue with `pull_request: null` for issues,
 * `assignees: null` when there are none, `body` "" rather than null, labels `{id, name, color, description, url}`
 * with `color` six hex without `#`, users with both `login` and `username`, and the repository object webhooks
 * carry. Timestamps are RFC 3339 in the server's UTC offset (`+09:00` by default, as in the fixtures).
 */
import { rfc3339WithOffset } from '../common/time.ts';
import type { Issue, IssueStore, Repo } from '../common/store.ts';

export interface RenderContext {
  store: IssueStore;
  /** `ROOT_URL`: the fake's URL with a trailing slash. */
  root: string;
  offsetMinutes: number;
}

export const time = (ctx: RenderContext, ms: number) => rfc3339WithOffset(ms, ctx.offsetMinutes);

export function user(ctx: RenderContext, login: string): Record<string, unknown> {
  const u = ctx.store.user(login);
  return {
    id: u.id,
    login: u.login,
    full_name: u.name === u.login ? '' : u.name,
    email: u.email,
    avatar_url: `${ctx.root}avatars/${u.id}`,
    language: '',
    is_admin: false,
    last_login: '0001-01-01T00:00:00Z',
    created: time(ctx, u.created_at),
    restricted: false,
    active: true,
    prohibit_login: false,
    location: '',
    website: '',
    description: '',
    visibility: 'public',
    followers_count: 0,
    following_count: 0,
    starred_repos_count: 0,
    username: u.login,
  };
}

export function label(ctx: RenderContext, repoKey: string, name: string): Record<string, unknown> {
  const l = ctx.store.label(repoKey, name);
  return { id: l.id, name: l.name, exclusive: false, is_archived: false, color: l.color, description: l.description, url: `${ctx.root}api/v1/repos/${repoKey}/labels/${l.id}` };
}

export function issue(ctx: RenderContext, i: Issue): Record<string, unknown> {
  const repo = ctx.store.repo(i.repo)!;
  const assignees = i.assignees.map((a) => user(ctx, a));
  const web = `${ctx.root}${i.repo}/${i.kind === 'pull_request' ? 'pulls' : 'issues'}/${i.number}`;
  return {
    id: i.id,
    url: `${ctx.root}api/v1/repos/${i.repo}/issues/${i.number}`,
    html_url: web,
    number: i.number,
    user: user(ctx, i.author),
    original_author: '',
    original_author_id: 0,
    title: i.title,
    body: i.body ?? '',
    ref: '',
    labels: i.labels.map((n) => label(ctx, i.repo, n)),
    milestone: null,
    assignee: assignees[0] ?? null,
    // Observed in the fixtures: null, not [], when nobody is assigned.
    assignees: assignees.length ? assignees : null,
    state: i.state,
    is_locked: i.locked,
    comments: i.comments,
    created_at: time(ctx, i.created_at),
    updated_at: time(ctx, i.updated_at),
    closed_at: i.closed_at === null ? null : time(ctx, i.closed_at),
    due_date: null,
    pull_request: i.kind === 'pull_request' ? { merged: false, merged_at: null, draft: false, html_url: web } : null,
    repository: { id: repo.id, name: repo.name, owner: repo.owner, full_name: repo.key },
  };
}

/** The repository object of webhook payloads (the fixtures' key set). */
export function repository(ctx: RenderContext, repo: Repo): Record<string, unknown> {
  const html = `${ctx.root}${repo.key}`;
  const issues = ctx.store.list(repo.key);
  return {
    id: repo.id,
    owner: user(ctx, repo.owner),
    name: repo.name,
    full_name: repo.key,
    description: repo.description,
    empty: false,
    private: true,
    fork: false,
    template: false,
    parent: null,
    mirror: false,
    size: 0,
    html_url: html,
    ssh_url: `git@${new URL(ctx.root).hostname}:${repo.key}.git`,
    clone_url: `${html}.git`,
    original_url: '',
    website: '',
    stars_count: 0,
    forks_count: 0,
    watchers_count: 1,
    open_issues_count: issues.filter((i) => i.kind === 'issue' && i.state === 'open').length,
    open_pr_counter: issues.filter((i) => i.kind === 'pull_request' && i.state === 'open').length,
    release_counter: 0,
    default_branch: 'main',
    archived: false,
    created_at: time(ctx, repo.created_at),
    updated_at: time(ctx, repo.updated_at),
    permissions: { admin: true, push: true, pull: true },
    has_issues: true,
    internal_tracker: { enable_time_tracker: true, allow_only_contributors_to_track_time: true, enable_issue_dependencies: true },
    has_wiki: true,
    has_pull_requests: true,
    has_projects: true,
    ignore_whitespace_conflicts: false,
    allow_merge_commits: true,
    allow_rebase: true,
    allow_rebase_explicit: true,
    allow_squash_merge: true,
    default_merge_style: 'merge',
    avatar_url: '',
    internal: false,
    mirror_interval: '',
    mirror_updated: '0001-01-01T00:00:00Z',
    repo_transfer: null,
  };
}
