/**
 * The issue store the three git fakes share: repositories (GitLab's projects) by `owner/name` key and id, each with
 * per-repository issue numbers (pull requests take numbers from the same sequence, as on GitHub and Gitea), global
 * issue ids, labels and assignees kept as ordered sets of names/logins, and `updated_at` bumped on every change
 * that changes something (a no-op update changes nothing and tells nobody). Every change is announced to listeners
 * with the state before and after, and whether it came through the API or from a person on the website
 * (`remoteEdit`): the providers' webhook senders turn those into their own events.
 */

import type { Issue, IssueChange, IssueDiff, IssueInput, IssuePatch, Label, Repo, User, Via } from './model.ts';

export type * from './model.ts';

export interface MutationOptions {
  /** The login acting; default the store's default actor (API) or web user (website). */
  actor?: string;
  via?: Via;
  /** Seeds and fixtures: change the data without telling the webhook senders. */
  quiet?: boolean;
}

export interface IssueStoreOptions {
  now: () => number;
  /** Who acts when a caller names nobody; default `octocat`. */
  defaultActor?: string;
  /** Who edits on the website in `remoteEdit`; default `web-editor`. */
  webActor?: string;
  /** Color of labels created on first use (six hex, no `#`); default `ededed`. */
  defaultLabelColor?: string;
  /** First issue id; default 1001, so ids and numbers never coincide. */
  firstIssueId?: number;
}

type MutableIssue = {
  -readonly [K in keyof Issue]: K extends 'labels' | 'assignees' ? string[] : Issue[K];
};

interface RepoData {
  repo: Repo;
  issues: Map<number, MutableIssue>;
  labels: Map<string, Label>;
  nextNumber: number;
}

export class IssueStore {
  readonly #repos = new Map<string, RepoData>();
  readonly #reposById = new Map<number, RepoData>();
  readonly #users = new Map<string, User>();
  readonly #listeners: ((change: IssueChange) => void)[] = [];
  readonly #opts: Required<IssueStoreOptions>;
  #nextRepoId = 1;
  #nextUserId = 1;
  #nextLabelId = 1;
  #nextIssueId: number;
  #seq = 0;

  constructor(opts: IssueStoreOptions) {
    this.#opts = { defaultActor: 'octocat', webActor: 'web-editor', defaultLabelColor: 'ededed', firstIssueId: 1001, ...opts };
    this.#nextIssueId = this.#opts.firstIssueId;
  }

  get now(): () => number {
    return this.#opts.now;
  }

  get defaultActor(): string {
    return this.#opts.defaultActor;
  }

  /** Calls `listener` after every announced change, synchronously, in order. */
  onChange(listener: (change: IssueChange) => void): () => void {
    this.#listeners.push(listener);
    return () => this.#listeners.splice(this.#listeners.indexOf(listener), 1);
  }

  // --- repositories -------------------------------------------------------------------------------------------

  /** Creates a repository (idempotent by key). */
  createRepo(key: string, options: { id?: number; description?: string } = {}): Repo {
    const existing = this.#repos.get(key);
    if (existing) return existing.repo;
    const slash = key.lastIndexOf('/');
    if (slash <= 0 || slash === key.length - 1) throw new Error(`a repository key is "owner/name", got ${JSON.stringify(key)}`);
    const id = options.id ?? this.#nextRepoId;
    if (this.#reposById.has(id)) throw new Error(`repository id ${id} is taken`);
    this.#nextRepoId = Math.max(this.#nextRepoId, id + 1);
    const now = this.#opts.now();
    const repo: Repo = { id, key, owner: key.slice(0, slash), name: key.slice(slash + 1), description: options.description ?? '', created_at: now, updated_at: now };
    const data: RepoData = { repo, issues: new Map(), labels: new Map(), nextNumber: 1 };
    this.#repos.set(key, data);
    this.#reposById.set(id, data);
    this.user(repo.owner);
    return repo;
  }

  repo(key: string): Repo | undefined {
    return this.#repos.get(key)?.repo;
  }

  /** A repository by key, ignoring case (GitHub and Gitea paths are case-insensitive). */
  findRepo(key: string): Repo | undefined {
    return this.#repos.get(key)?.repo ?? [...this.#repos.values()].find((d) => d.repo.key.toLowerCase() === key.toLowerCase())?.repo;
  }

  repoById(id: number): Repo | undefined {
    return this.#reposById.get(id)?.repo;
  }

  get repos(): Repo[] {
    return [...this.#repos.values()].map((d) => d.repo);
  }

  // --- users and labels ---------------------------------------------------------------------------------------

  /** The user with this login, made on first mention (ids from 1). */
  user(login: string): User {
    let user = this.#users.get(login.toLowerCase());
    if (!user) {
      user = { id: this.#nextUserId++, login, name: login, email: `${login.toLowerCase()}@users.noreply.example`, created_at: this.#opts.now() };
      this.#users.set(login.toLowerCase(), user);
    }
    return user;
  }

  /** An existing user, by login (case-insensitive) or id. */
  findUser(loginOrId: string | number): User | undefined {
    if (typeof loginOrId === 'string') return this.#users.get(loginOrId.toLowerCase());
    return [...this.#users.values()].find((u) => u.id === loginOrId);
  }

  /** The repository's label with this name (case-insensitive), created when missing. */
  label(repoKey: string, name: string, spec: { color?: string; description?: string } = {}): Label {
    const data = this.#data(repoKey);
    let label = data.labels.get(name.toLowerCase());
    if (!label) {
      const now = this.#opts.now();
      label = { id: this.#nextLabelId++, name, color: (spec.color ?? this.#opts.defaultLabelColor).replace(/^#/, '').toLowerCase(), description: spec.description ?? '', created_at: now, updated_at: now };
      data.labels.set(name.toLowerCase(), label);
    }
    return label;
  }

  findLabel(repoKey: string, nameOrId: string | number): Label | undefined {
    const data = this.#data(repoKey);
    if (typeof nameOrId === 'string') return data.labels.get(nameOrId.toLowerCase());
    return [...data.labels.values()].find((l) => l.id === nameOrId);
  }

  labels(repoKey: string): Label[] {
    return [...this.#data(repoKey).labels.values()];
  }

  // --- issues ---------------------------------------------------------------------------------------------------

  get(repoKey: string, number: number): Issue | undefined {
    const issue = this.#repos.get(repoKey)?.issues.get(number);
    return issue ? freeze(issue) : undefined;
  }

  /** Every issue and pull request of the repository, deleted ones left out, in number order. */
  list(repoKey: string): Issue[] {
    return [...this.#data(repoKey).issues.values()].filter((i) => !i.deleted).map(freeze);
  }

  count(repoKey: string): number {
    return this.list(repoKey).length;
  }

  /** Opens an issue (or a pull request, for listings that must leave them out). */
  create(repoKey: string, input: IssueInput, options: MutationOptions = {}): Issue {
    const data = this.#data(repoKey);
    if (!input.title) throw new Error('an issue needs a title');
    const actor = this.#actor(options);
    const now = this.#opts.now();
    const created = input.created_at ?? now;
    const issue: MutableIssue = {
      id: this.#nextIssueId++,
      number: data.nextNumber++,
      repo: repoKey,
      kind: input.kind ?? 'issue',
      title: input.title,
      body: input.body ?? null,
      state: 'open',
      state_reason: null,
      labels: [],
      assignees: [],
      author: input.author ?? actor,
      comments: 0,
      locked: false,
      created_at: created,
      updated_at: input.updated_at ?? created,
      closed_at: null,
      closed_by: null,
      updated_by: null,
      last_edited_at: null,
      last_edited_by: null,
      deleted: false,
    };
    this.user(issue.author);
    for (const name of input.labels ?? []) addTo(issue.labels, this.label(repoKey, name).name);
    for (const login of input.assignees ?? []) addTo(issue.assignees, this.user(login).login);
    if (input.state === 'closed') {
      issue.state = 'closed';
      issue.state_reason = 'completed';
      issue.closed_at = issue.updated_at;
      issue.closed_by = actor;
    }
    data.issues.set(issue.number, issue);
    const after = freeze(issue);
    const diff: IssueDiff = { labels_added: [...issue.labels], labels_removed: [], assignees_added: [...issue.assignees], assignees_removed: [] };
    if (!options.quiet) this.#emit({ kind: 'created', via: options.via ?? 'api', actor, at: now, repo: repoKey, before: null, after, diff, labels_cleared: false });
    return after;
  }

  /** Applies a patch; undefined when there is no such issue, the unchanged issue when the patch changes nothing. */
  update(repoKey: string, number: number, patch: IssuePatch, options: MutationOptions = {}): Issue | undefined {
    const issue = this.#data(repoKey).issues.get(number);
    if (!issue || issue.deleted) return undefined;
    const before = freeze(issue);
    const actor = this.#actor(options);
    const now = this.#opts.now();
    const diff: IssueDiff = { labels_added: [], labels_removed: [], assignees_added: [], assignees_removed: [] };

    if (patch.title !== undefined && patch.title !== issue.title) diff.title = { from: issue.title, to: patch.title };
    if (patch.body !== undefined && patch.body !== issue.body) diff.body = { from: issue.body, to: patch.body };
    if (patch.state !== undefined && patch.state !== issue.state) diff.state = { from: issue.state, to: patch.state };

    let labels = [...issue.labels];
    if (patch.labels !== undefined) labels = dedupe(patch.labels.map((n) => this.label(repoKey, n).name));
    if (patch.clear_labels) labels = [];
    for (const n of patch.add_labels ?? []) addTo(labels, this.label(repoKey, n).name);
    for (const n of patch.remove_labels ?? []) labels = labels.filter((l) => l.toLowerCase() !== n.toLowerCase());
    diff.labels_added = labels.filter((l) => !issue.labels.includes(l));
    diff.labels_removed = issue.labels.filter((l) => !labels.includes(l));

    let assignees = [...issue.assignees];
    if (patch.assignees !== undefined) assignees = dedupe(patch.assignees.map((l) => this.user(l).login));
    for (const l of patch.add_assignees ?? []) addTo(assignees, this.user(l).login);
    for (const l of patch.remove_assignees ?? []) assignees = assignees.filter((a) => a.toLowerCase() !== l.toLowerCase());
    diff.assignees_added = assignees.filter((a) => !issue.assignees.includes(a));
    diff.assignees_removed = issue.assignees.filter((a) => !assignees.includes(a));

    const changed = diff.title || diff.body || diff.state || diff.labels_added.length || diff.labels_removed.length || diff.assignees_added.length || diff.assignees_removed.length;
    if (!changed) return before;

    if (diff.title) issue.title = diff.title.to;
    if (diff.body) issue.body = diff.body.to;
    if (diff.title || diff.body) {
      issue.last_edited_at = now;
      issue.last_edited_by = actor;
    }
    if (diff.state?.to === 'closed') {
      issue.state = 'closed';
      issue.state_reason = patch.state_reason ?? 'completed';
      issue.closed_at = now;
      issue.closed_by = actor;
    } else if (diff.state?.to === 'open') {
      issue.state = 'open';
      issue.state_reason = patch.state_reason ?? 'reopened';
      issue.closed_at = null;
      issue.closed_by = null;
    }
    issue.labels = labels;
    issue.assignees = assignees;
    issue.updated_at = now;
    issue.updated_by = actor;
    const after = freeze(issue);
    const labelsCleared = patch.clear_labels === true && before.labels.length > 0;
    if (!options.quiet) this.#emit({ kind: 'updated', via: options.via ?? 'api', actor, at: now, repo: repoKey, before, after, diff, labels_cleared: labelsCleared });
    return after;
  }

  /** Deletes an issue (GitHub answers 410 for it afterwards, the others 404); false when there was none. */
  delete(repoKey: string, number: number, options: MutationOptions = {}): boolean {
    const issue = this.#data(repoKey).issues.get(number);
    if (!issue || issue.deleted) return false;
    const before = freeze(issue);
    issue.deleted = true;
    const now = this.#opts.now();
    const diff: IssueDiff = { labels_added: [], labels_removed: [], assignees_added: [], assignees_removed: [] };
    if (!options.quiet) this.#emit({ kind: 'deleted', via: options.via ?? 'api', actor: this.#actor(options), at: now, repo: repoKey, before, after: before, diff, labels_cleared: false });
    return true;
  }

  /** Whether this number was an issue that has been deleted. */
  wasDeleted(repoKey: string, number: number): boolean {
    return this.#repos.get(repoKey)?.issues.get(number)?.deleted === true;
  }

  /** Someone opens an issue on the website: announced like an API change, `via: 'web'`. */
  remoteCreate(repoKey: string, input: IssueInput, actor = this.#opts.webActor): Issue {
    return this.create(repoKey, input, { actor, via: 'web' });
  }

  /** Someone edits an issue on the website: the change the sync must pick up from a webhook or the next poll. */
  remoteEdit(repoKey: string, number: number, patch: IssuePatch, actor = this.#opts.webActor): Issue {
    const out = this.update(repoKey, number, patch, { actor, via: 'web' });
    if (!out) throw new Error(`no issue ${repoKey}#${number}`);
    return out;
  }

  remoteDelete(repoKey: string, number: number, actor = this.#opts.webActor): boolean {
    return this.delete(repoKey, number, { actor, via: 'web' });
  }

  /**
   * `count` issues, quietly (no webhooks), created `stepMs` apart ending now (so `updated_at` is distinct and
   * ascending with the number); every third closed, every fourth labelled `bug`. For paging tests and benchmarks.
   */
  seed(repoKey: string, count: number, options: { stepMs?: number; author?: string; titlePrefix?: string } = {}): Issue[] {
    const step = options.stepMs ?? 1000;
    const end = this.#opts.now();
    const out: Issue[] = [];
    for (let i = 0; i < count; i++) {
      const at = end - (count - 1 - i) * step;
      const n = this.#data(repoKey).nextNumber;
      out.push(
        this.create(
          repoKey,
          {
            title: `${options.titlePrefix ?? 'Seeded issue'} ${n}`,
            body: `Body of issue ${n}.`,
            labels: i % 4 === 3 ? ['bug'] : [],
            state: i % 3 === 2 ? 'closed' : 'open',
            created_at: at,
            ...(options.author ? { author: options.author } : {}),
          },
          { quiet: true },
        ),
      );
    }
    return out;
  }

  #data(repoKey: string): RepoData {
    const data = this.#repos.get(repoKey);
    if (!data) throw new Error(`no repository ${repoKey}`);
    return data;
  }

  #actor(options: MutationOptions): string {
    const actor = options.actor ?? (options.via === 'web' ? this.#opts.webActor : this.#opts.defaultActor);
    return this.user(actor).login;
  }

  #emit(change: Omit<IssueChange, 'seq'>): void {
    const full: IssueChange = { seq: ++this.#seq, ...change };
    for (const listener of [...this.#listeners]) listener(full);
  }
}

function freeze(issue: MutableIssue): Issue {
  return Object.freeze({ ...issue, labels: Object.freeze([...issue.labels]), assignees: Object.freeze([...issue.assignees]) }) as Issue;
}

function addTo(list: string[], value: string): void {
  if (!list.some((v) => v.toLowerCase() === value.toLowerCase())) list.push(value);
}

function dedupe(values: readonly string[]): string[] {
  const out: string[] = [];
  for (const v of values) addTo(out, v);
  return out;
}
