/**
 * The provider-neutral shapes the issue store keeps and announces: users, labels, repositories, issues (frozen
 * copies), the inputs that create and patch them, and a change with its before/after and what moved.
 */

export type IssueState = 'open' | 'closed';
export type Via = 'api' | 'web';

export interface User {
  id: number;
  login: string;
  name: string;
  email: string;
  created_at: number;
}

export interface Label {
  id: number;
  name: string;
  /** Six hex digits, no `#`. */
  color: string;
  description: string;
  created_at: number;
  updated_at: number;
}

export interface Repo {
  id: number;
  /** `owner/name` (GitLab: `group/project`, its `path_with_namespace`). */
  key: string;
  owner: string;
  name: string;
  description: string;
  created_at: number;
  updated_at: number;
}

/** An issue as the store hands it out: a frozen copy, safe to keep across later changes. */
export interface Issue {
  readonly id: number;
  readonly number: number;
  readonly repo: string;
  readonly kind: 'issue' | 'pull_request';
  readonly title: string;
  readonly body: string | null;
  readonly state: IssueState;
  readonly state_reason: string | null;
  readonly labels: readonly string[];
  readonly assignees: readonly string[];
  readonly author: string;
  readonly comments: number;
  readonly locked: boolean;
  readonly created_at: number;
  readonly updated_at: number;
  readonly closed_at: number | null;
  readonly closed_by: string | null;
  readonly updated_by: string | null;
  /** When the title or body last changed, and by whom (GitLab's `last_edited_*`). */
  readonly last_edited_at: number | null;
  readonly last_edited_by: string | null;
  readonly deleted: boolean;
}

export interface IssueInput {
  title: string;
  body?: string | null;
  labels?: readonly string[];
  assignees?: readonly string[];
  state?: IssueState;
  kind?: 'issue' | 'pull_request';
  /** Default the acting user. */
  author?: string;
  /** Backdating for seeds (epoch ms); default now. */
  created_at?: number;
  updated_at?: number;
}

/** A partial update; `labels`/`assignees` replace the set, the add/remove forms edit it. */
export interface IssuePatch {
  title?: string;
  body?: string | null;
  state?: IssueState;
  state_reason?: string | null;
  labels?: readonly string[];
  /** Empties the label set as its own operation (Gitea reports it as `label_cleared`, not `label_updated`). */
  clear_labels?: boolean;
  add_labels?: readonly string[];
  remove_labels?: readonly string[];
  assignees?: readonly string[];
  add_assignees?: readonly string[];
  remove_assignees?: readonly string[];
}

export interface IssueDiff {
  title?: { from: string; to: string };
  body?: { from: string | null; to: string | null };
  state?: { from: IssueState; to: IssueState };
  labels_added: string[];
  labels_removed: string[];
  assignees_added: string[];
  assignees_removed: string[];
}

export interface IssueChange {
  /** Store-wide sequence number, from 1. */
  seq: number;
  kind: 'created' | 'updated' | 'deleted';
  via: Via;
  actor: string;
  at: number;
  repo: string;
  before: Issue | null;
  after: Issue;
  diff: IssueDiff;
  /** The caller emptied the label set on purpose (Gitea tells `label_cleared` apart from `label_updated`). */
  labels_cleared: boolean;
}
