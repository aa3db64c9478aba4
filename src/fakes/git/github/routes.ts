/**
 * GitHub's issue routes (reference §3): list (also under `/repositories/{id}`, where its Link URLs point), get,
 * create (201 + Location), update (PATCH: title, body, state + state_reason, labels and assignees replace their
 * sets), the issue-label and assignee sub-resources with their odd statuses, repository labels, and repository hooks
 * so a connector can register its endpoint the way it would on GitHub. Unknown repositories and issues are 404, a
 * deleted issue 410; a trailing slash is 404 (strict routing).
 */
import type { Hono } from 'hono';
import { ApiError, isObject, json, type GitContext, type GitEnv } from '../common/http.ts';
import type { Issue, IssuePatch, IssueStore, Repo } from '../common/store.ts';
import { isoSeconds } from '../common/time.ts';
import { conditionalJson, type ConditionalOptions } from './conditional.ts';
import { gone, notAnObject, notFound, problemsParsingJson, validationFailed } from './errors.ts';
import { listIssues } from './list.ts';
import { issue as renderIssue, label as renderLabel, type RenderContext } from './render.ts';
import type { GitHubWebhooks } from './webhooks.ts';

export interface RouteDeps {
  store: IssueStore;
  webhooks: GitHubWebhooks;
  ctx: () => RenderContext;
  conditional: ConditionalOptions;
  /** Where list Link headers point: `/repositories/{id}/issues` (default, as in the docs) or the request's path. */
  linkStyle: 'repositories' | 'request';
}

const STATE_REASONS = ['completed', 'not_planned', 'duplicate', 'reopened'];

export function registerRoutes(app: Hono<GitEnv>, deps: RouteDeps): void {
  const { store } = deps;
  const version = (c: GitContext) => c.req.header('x-github-api-version') ?? '2022-11-28';
  const repoOf = (c: GitContext): Repo => {
    const repo = store.findRepo(`${c.req.param('owner')}/${c.req.param('repo')}`);
    if (!repo) throw notFound();
    return repo;
  };
  const issueOf = (c: GitContext, repo: Repo): Issue => {
    const n = c.req.param('number') ?? '';
    if (!/^\d+$/.test(n)) throw notFound();
    const found = store.get(repo.key, Number(n));
    if (found && !found.deleted) return found;
    if (store.wasDeleted(repo.key, Number(n))) throw gone();
    throw notFound();
  };
  const render = (c: GitContext, i: Issue, single = false) => renderIssue(deps.ctx(), i, { single, apiVersion: version(c) });

  const list = (c: GitContext, repo: Repo) => {
    const url = new URL(c.req.url);
    const base = deps.linkStyle === 'repositories' ? `${deps.ctx().api}/repositories/${repo.id}/issues` : `${deps.ctx().api}${url.pathname}`;
    const { page, link } = listIssues(store, repo, url, base);
    return conditionalJson(c, page.items.map((i) => render(c, i)), deps.conditional, { headers: link ? { Link: link } : {} });
  };
  app.get('/repos/:owner/:repo/issues', (c) => list(c, repoOf(c)));
  app.get('/repositories/:id/issues', (c) => {
    const repo = /^\d+$/.test(c.req.param('id')) ? store.repoById(Number(c.req.param('id'))) : undefined;
    if (!repo) throw notFound();
    return list(c, repo);
  });

  app.post('/repos/:owner/:repo/issues', async (c) => {
    const repo = repoOf(c);
    const body = await jsonObject(c);
    const title = body.title;
    if (title === undefined || title === null || title === '') throw validationFailed({ resource: 'Issue', field: 'title', code: 'missing_field' });
    if (typeof title !== 'string' && typeof title !== 'number') throw validationFailed({ resource: 'Issue', field: 'title', code: 'invalid', value: title });
    const created = store.create(
      repo.key,
      {
        title: String(title),
        body: stringOrNull(body.body, 'body'),
        labels: labelNames(body.labels),
        assignees: [...logins(body.assignees, 'assignees'), ...(typeof body.assignee === 'string' ? [body.assignee] : [])],
      },
      { actor: c.get('caller').login },
    );
    const rendered = render(c, created, true);
    return json(c, rendered, 201, { Location: String(rendered.url) });
  });

  app.get('/repos/:owner/:repo/issues/:number', (c) => {
    const repo = repoOf(c);
    const i = issueOf(c, repo);
    return conditionalJson(c, render(c, i, true), deps.conditional, { lastModified: i.updated_at });
  });

  app.patch('/repos/:owner/:repo/issues/:number', async (c) => {
    const repo = repoOf(c);
    const i = issueOf(c, repo);
    const body = await jsonObject(c);
    const patch: IssuePatch = {};
    if ('title' in body) {
      if (typeof body.title !== 'string' && typeof body.title !== 'number') throw validationFailed({ resource: 'Issue', field: 'title', code: 'invalid', value: body.title });
      patch.title = String(body.title);
    }
    if ('body' in body) patch.body = stringOrNull(body.body, 'body');
    if ('state' in body) {
      if (body.state !== 'open' && body.state !== 'closed') throw validationFailed({ resource: 'Issue', field: 'state', code: 'invalid', value: body.state });
      patch.state = body.state;
    }
    if ('state_reason' in body && body.state_reason !== null) {
      if (typeof body.state_reason !== 'string' || !STATE_REASONS.includes(body.state_reason)) throw validationFailed({ resource: 'Issue', field: 'state_reason', code: 'invalid', value: body.state_reason });
      // Ignored unless the state changes (reference §3).
      patch.state_reason = body.state_reason;
    }
    if ('labels' in body) patch.labels = labelNames(body.labels);
    if ('assignees' in body) patch.assignees = logins(body.assignees, 'assignees');
    else if ('assignee' in body) patch.assignees = typeof body.assignee === 'string' ? [body.assignee] : [];
    const updated = store.update(repo.key, i.number, patch, { actor: c.get('caller').login })!;
    return json(c, render(c, updated, true));
  });

  // Labels on one issue.
  const issueLabels = (c: GitContext, repo: Repo, i: Issue) => json(c, i.labels.map((n) => renderLabel(deps.ctx(), repo.key, n)));
  app.get('/repos/:owner/:repo/issues/:number/labels', (c) => {
    const repo = repoOf(c);
    return issueLabels(c, repo, issueOf(c, repo));
  });
  for (const method of ['post', 'put'] as const) {
    app[method]('/repos/:owner/:repo/issues/:number/labels', async (c) => {
      const repo = repoOf(c);
      const i = issueOf(c, repo);
      const body = await jsonValue(c);
      const names = labelNames(Array.isArray(body) ? body : isObject(body) ? body.labels : undefined);
      if (method === 'post' && names.length === 0) throw validationFailed({ resource: 'Label', field: 'labels', code: 'missing_field' });
      const patch: IssuePatch = method === 'post' ? { add_labels: names } : { labels: names };
      // Both answer 200 with every label now on the issue (reference §3: not 201).
      return issueLabels(c, repo, store.update(repo.key, i.number, patch, { actor: c.get('caller').login })!);
    });
  }
  app.delete('/repos/:owner/:repo/issues/:number/labels', (c) => {
    const repo = repoOf(c);
    store.update(repo.key, issueOf(c, repo).number, { clear_labels: true }, { actor: c.get('caller').login });
    return c.body(null, 204);
  });
  app.delete('/repos/:owner/:repo/issues/:number/labels/:name', (c) => {
    const repo = repoOf(c);
    const i = issueOf(c, repo);
    const name = c.req.param('name');
    if (!i.labels.some((l) => l.toLowerCase() === name.toLowerCase())) throw new ApiError(404, { message: 'Label does not exist', documentation_url: 'https://docs.github.com/rest/issues/labels#remove-a-label-from-an-issue', status: '404' });
    return issueLabels(c, repo, store.update(repo.key, i.number, { remove_labels: [name] }, { actor: c.get('caller').login })!);
  });

  // Assignees on one issue: POST adds (201), DELETE removes (200), both answer the issue.
  for (const method of ['post', 'delete'] as const) {
    app[method]('/repos/:owner/:repo/issues/:number/assignees', async (c) => {
      const repo = repoOf(c);
      const i = issueOf(c, repo);
      const body = await jsonObject(c);
      const who = logins(body.assignees, 'assignees');
      const patch: IssuePatch = method === 'post' ? { add_assignees: who } : { remove_assignees: who };
      const updated = store.update(repo.key, i.number, patch, { actor: c.get('caller').login })!;
      return json(c, render(c, updated), method === 'post' ? 201 : 200);
    });
  }

  // Repository labels.
  app.get('/repos/:owner/:repo/labels', (c) => {
    const repo = repoOf(c);
    return json(c, store.labels(repo.key).map((l) => renderLabel(deps.ctx(), repo.key, l.name)));
  });
  app.post('/repos/:owner/:repo/labels', async (c) => {
    const repo = repoOf(c);
    const body = await jsonObject(c);
    if (typeof body.name !== 'string' || body.name === '') throw validationFailed({ resource: 'Label', field: 'name', code: 'missing_field' });
    if (store.findLabel(repo.key, body.name)) throw validationFailed({ resource: 'Label', field: 'name', code: 'already_exists' });
    const color = typeof body.color === 'string' ? body.color : undefined;
    const description = typeof body.description === 'string' ? body.description : undefined;
    store.label(repo.key, body.name, { ...(color ? { color } : {}), ...(description ? { description } : {}) });
    return json(c, renderLabel(deps.ctx(), repo.key, body.name), 201);
  });

  // Repository webhooks (only what registering an endpoint needs).
  const hookJson = (repo: Repo, id: number) => {
    const h = deps.webhooks.hook(id)!;
    const url = `${deps.ctx().api}/repos/${repo.key}/hooks/${h.id}`;
    const config: Record<string, string> = { content_type: h.content_type, insecure_ssl: '0', url: h.url };
    if (h.secret) config.secret = '********';
    const at = isoSeconds(h.created_at);
    return { type: 'Repository', id: h.id, name: 'web', active: h.active, events: h.events, config, updated_at: at, created_at: at, url, test_url: `${url}/test`, ping_url: `${url}/pings`, deliveries_url: `${url}/deliveries`, last_response: { code: null, status: 'unused', message: null } };
  };
  app.get('/repos/:owner/:repo/hooks', (c) => {
    const repo = repoOf(c);
    return json(c, deps.webhooks.hooks(repo.key).map((h) => hookJson(repo, h.id)));
  });
  app.post('/repos/:owner/:repo/hooks', async (c) => {
    const repo = repoOf(c);
    const body = await jsonObject(c);
    const config = isObject(body.config) ? body.config : {};
    if (typeof config.url !== 'string' || config.url === '') throw validationFailed({ resource: 'Hook', field: 'url', code: 'missing_field' });
    const events = Array.isArray(body.events) ? body.events.filter((e): e is string => typeof e === 'string') : ['push'];
    const hook = deps.webhooks.subscribe(repo.key, {
      url: config.url,
      secret: typeof config.secret === 'string' && config.secret !== '' ? config.secret : null,
      events,
      content_type: config.content_type === 'json' ? 'json' : 'form',
      active: body.active !== false,
    });
    return json(c, hookJson(repo, hook.id), 201);
  });
  app.delete('/repos/:owner/:repo/hooks/:id', (c) => {
    const repo = repoOf(c);
    const hook = deps.webhooks.hook(Number(c.req.param('id')));
    if (!hook || hook.repo !== repo.key) throw notFound();
    deps.webhooks.unsubscribe(hook.id);
    return c.body(null, 204);
  });
}

async function jsonValue(c: GitContext): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw problemsParsingJson();
  }
}

async function jsonObject(c: GitContext): Promise<Record<string, unknown>> {
  const value = await jsonValue(c);
  if (!isObject(value)) throw notAnObject();
  return value;
}

function stringOrNull(value: unknown, field: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw validationFailed({ resource: 'Issue', field, code: 'invalid', value });
  return value;
}

/** Label names from strings or `{name}` objects (reference §3: both accepted). */
function labelNames(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw validationFailed({ resource: 'Issue', field: 'labels', code: 'invalid', value });
  return value.map((v) => {
    if (typeof v === 'string' && v !== '') return v;
    if (isObject(v) && typeof v.name === 'string' && v.name !== '') return v.name;
    throw validationFailed({ resource: 'Label', field: 'name', code: 'invalid', value: v });
  });
}

function logins(value: unknown, field: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v === '')) throw validationFailed({ resource: 'Issue', field, code: 'invalid', value });
  return value as string[];
}
