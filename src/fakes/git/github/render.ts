/**
 * GitHub's JSON shapes (reference §2, the OpenAPI `issue`/`label`/`simple-user` schemas and the webhook fixtures):
 * the issue with its `*_url` templates, labels as objects (`color` six hex without `#`), simple users, and the
 * repository object webhooks carry. Timestamps are whole seconds with `Z`. URLs point at the fake itself, so a client
 * can follow every one. API version `2026-03-10` drops the singular `assignee` (reference §1).
 */
import { isoSeconds } from '../common/time.ts';
import type { Issue, IssueStore, Repo } from '../common/store.ts';

export interface RenderContext {
  store: IssueStore;
  /** The API root, no trailing slash (the fake's URL). */
  api: string;
  /** The web root for `html_url`s. */
  web: string;
}

const nodeId = (prefix: string, id: number) => Buffer.from(`${prefix}${id}`).toString('base64');

export function simpleUser(ctx: RenderContext, login: string): Record<string, unknown> {
  const user = ctx.store.user(login);
  const url = `${ctx.api}/users/${user.login}`;
  return {
    login: user.login,
    id: user.id,
    node_id: nodeId('04:User', user.id),
    avatar_url: `${ctx.web}/avatars/u/${user.id}?v=4`,
    gravatar_id: '',
    url,
    html_url: `${ctx.web}/${user.login}`,
    followers_url: `${url}/followers`,
    following_url: `${url}/following{/other_user}`,
    gists_url: `${url}/gists{/gist_id}`,
    starred_url: `${url}/starred{/owner}{/repo}`,
    subscriptions_url: `${url}/subscriptions`,
    organizations_url: `${url}/orgs`,
    repos_url: `${url}/repos`,
    events_url: `${url}/events{/privacy}`,
    received_events_url: `${url}/received_events`,
    type: 'User',
    site_admin: false,
  };
}

export function label(ctx: RenderContext, repoKey: string, name: string): Record<string, unknown> {
  const l = ctx.store.label(repoKey, name);
  return {
    id: l.id,
    node_id: nodeId('05:Label', l.id),
    url: `${ctx.api}/repos/${repoKey}/labels/${encodeURIComponent(l.name)}`,
    name: l.name,
    color: l.color,
    default: false,
    description: l.description || null,
  };
}

export function issue(ctx: RenderContext, i: Issue, options: { single?: boolean; apiVersion?: string } = {}): Record<string, unknown> {
  const repoUrl = `${ctx.api}/repos/${i.repo}`;
  const url = `${repoUrl}/issues/${i.number}`;
  const owner = ctx.store.repo(i.repo)?.owner;
  const assignees = i.assignees.map((a) => simpleUser(ctx, a));
  const out: Record<string, unknown> = {
    url,
    repository_url: repoUrl,
    labels_url: `${url}/labels{/name}`,
    comments_url: `${url}/comments`,
    events_url: `${url}/events`,
    html_url: `${ctx.web}/${i.repo}/${i.kind === 'pull_request' ? 'pull' : 'issues'}/${i.number}`,
    id: i.id,
    node_id: nodeId(i.kind === 'pull_request' ? '011:PullRequest' : '05:Issue', i.id),
    number: i.number,
    title: i.title,
    user: simpleUser(ctx, i.author),
    labels: i.labels.map((n) => label(ctx, i.repo, n)),
    state: i.state,
    locked: i.locked,
    assignee: assignees[0] ?? null,
    assignees,
    milestone: null,
    comments: i.comments,
    created_at: isoSeconds(i.created_at),
    updated_at: isoSeconds(i.updated_at),
    closed_at: i.closed_at === null ? null : isoSeconds(i.closed_at),
    author_association: i.author === owner ? 'OWNER' : 'NONE',
    active_lock_reason: null,
    body: i.body,
    reactions: { url: `${url}/reactions`, total_count: 0, '+1': 0, '-1': 0, laugh: 0, hooray: 0, confused: 0, heart: 0, rocket: 0, eyes: 0 },
    timeline_url: `${url}/timeline`,
    performed_via_github_app: null,
    state_reason: i.state_reason,
    draft: false,
  };
  if (i.kind === 'pull_request') {
    out.pull_request = { url: `${repoUrl}/pulls/${i.number}`, html_url: `${ctx.web}/${i.repo}/pull/${i.number}`, diff_url: `${ctx.web}/${i.repo}/pull/${i.number}.diff`, patch_url: `${ctx.web}/${i.repo}/pull/${i.number}.patch`, merged_at: null };
  }
  // The single-issue endpoint also says who closed it; lists do not.
  if (options.single) out.closed_by = i.closed_by === null ? null : simpleUser(ctx, i.closed_by);
  if (options.apiVersion === '2026-03-10') delete out.assignee;
  return out;
}

const REPO_URL_TEMPLATES: [string, string][] = [
  ['forks_url', '/forks'],
  ['keys_url', '/keys{/key_id}'],
  ['collaborators_url', '/collaborators{/collaborator}'],
  ['teams_url', '/teams'],
  ['hooks_url', '/hooks'],
  ['issue_events_url', '/issues/events{/number}'],
  ['events_url', '/events'],
  ['assignees_url', '/assignees{/user}'],
  ['branches_url', '/branches{/branch}'],
  ['tags_url', '/tags'],
  ['blobs_url', '/git/blobs{/sha}'],
  ['git_tags_url', '/git/tags{/sha}'],
  ['git_refs_url', '/git/refs{/sha}'],
  ['trees_url', '/git/trees{/sha}'],
  ['statuses_url', '/statuses/{sha}'],
  ['languages_url', '/languages'],
  ['stargazers_url', '/stargazers'],
  ['contributors_url', '/contributors'],
  ['subscribers_url', '/subscribers'],
  ['subscription_url', '/subscription'],
  ['commits_url', '/commits{/sha}'],
  ['git_commits_url', '/git/commits{/sha}'],
  ['comments_url', '/comments{/number}'],
  ['issue_comment_url', '/issues/comments{/number}'],
  ['contents_url', '/contents/{+path}'],
  ['compare_url', '/compare/{base}...{head}'],
  ['merges_url', '/merges'],
  ['archive_url', '/{archive_format}{/ref}'],
  ['downloads_url', '/downloads'],
  ['issues_url', '/issues{/number}'],
  ['pulls_url', '/pulls{/number}'],
  ['milestones_url', '/milestones{/number}'],
  ['notifications_url', '/notifications{?since,all,participating}'],
  ['labels_url', '/labels{/name}'],
  ['releases_url', '/releases{/id}'],
  ['deployments_url', '/deployments'],
];

/** The repository object of webhook payloads (the fixtures' key set). */
export function repository(ctx: RenderContext, repo: Repo): Record<string, unknown> {
  const url = `${ctx.api}/repos/${repo.key}`;
  const html = `${ctx.web}/${repo.key}`;
  const open = ctx.store.list(repo.key).filter((i) => i.state === 'open').length;
  const host = new URL(ctx.web).host;
  const out: Record<string, unknown> = {
    id: repo.id,
    node_id: nodeId('010:Repository', repo.id),
    name: repo.name,
    full_name: repo.key,
    private: true,
    owner: simpleUser(ctx, repo.owner),
    html_url: html,
    description: repo.description || null,
    fork: false,
    url,
  };
  for (const [key, suffix] of REPO_URL_TEMPLATES) out[key] = `${url}${suffix}`;
  Object.assign(out, {
    created_at: isoSeconds(repo.created_at),
    updated_at: isoSeconds(repo.updated_at),
    pushed_at: isoSeconds(repo.updated_at),
    git_url: `git://${host}/${repo.key}.git`,
    ssh_url: `git@${host}:${repo.key}.git`,
    clone_url: `${html}.git`,
    svn_url: html,
    homepage: null,
    size: 0,
    stargazers_count: 0,
    watchers_count: 0,
    language: null,
    has_issues: true,
    has_projects: true,
    has_downloads: true,
    has_wiki: true,
    has_pages: false,
    forks_count: 0,
    mirror_url: null,
    archived: false,
    disabled: false,
    open_issues_count: open,
    license: null,
    forks: 0,
    open_issues: open,
    watchers: 0,
    default_branch: 'main',
    is_template: false,
    topics: [],
    visibility: 'private',
    web_commit_signoff_required: false,
    custom_properties: {},
  });
  return out;
}
