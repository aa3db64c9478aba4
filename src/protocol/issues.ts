/**
 * What two-way issue sync needs from an issue tracker (GitHub, Gitea, GitLab): read one issue, list the
 * ones changed since a time, create and update, and turn a webhook delivery into a verified event. The
 * engine keeps the mirror, the outbox and the merge; a provider only speaks its API. Errors are the typed
 * errors of errors.ts (a 404 is `NotFound`, a spent rate limit `UpstreamRateLimited` with its reset time).
 */

/** The fields two-way sync keeps equal on both sides (sets as arrays, order carries no meaning). */
export interface IssueFields {
  title: string;
  /** A provider's `null` body is the empty string here: they mean the same to a reader. */
  body: string;
  state: 'open' | 'closed';
  /** Label names, a set. */
  labels: readonly string[];
  /** Assignee logins (GitLab: usernames), a set. */
  assignees: readonly string[];
}

/** One issue as the provider holds it now. */
export interface RemoteIssue {
  /**
   * The key the mirror stores and the provider's API takes back: the per-repository number (GitHub,
   * Gitea) or project iid (GitLab), as a decimal string.
   */
  externalId: string;
  /** The web page of the issue, for people. */
  url: string;
  fields: IssueFields;
  /** The provider's `updated_at`: whole seconds on GitHub, so two edits in one second share it. */
  updatedAt: Date;
}

/** A verified webhook delivery, parsed. */
export interface IssueWebhookEvent {
  /** The provider's delivery id (`X-GitHub-Delivery`, `X-Gitea-Delivery`, GitLab's `X-Gitlab-Event-UUID`). */
  deliveryId: string;
  /** The event name as the provider sends it (`issues`, `Issue Hook`). */
  event: string;
  /** The action (`opened`, `edited`, `closed`, `deleted`, `update`, …), when the payload has one. */
  action: string | null;
  /**
   * What the event says about one issue: its state as of the event (a snapshot that may be older than
   * another delivery's: providers do not deliver in order), or that it was deleted. `null` for events
   * that are not about an issue (ping, push, a pull request), which are stored and otherwise ignored.
   */
  change: { kind: 'upsert'; issue: RemoteIssue } | { kind: 'deleted'; externalId: string } | null;
  /** The delivery's JSON document as parsed (for a form-encoded hook, its `payload` field), kept for the record. */
  payload: unknown;
}

/** The raw request a webhook arrived as. Signatures are computed over these exact bytes. */
export interface IssueWebhookRequest {
  /** Header names in lowercase. */
  headers: Record<string, string | undefined>;
  body: Buffer;
}

/** One page of `listChangedSince`. */
export interface IssuePage {
  issues: RemoteIssue[];
  /** Pass back to get the next page; null on the last one. */
  next: string | null;
}

export interface IssueProvider {
  readonly name: 'github' | 'gitea' | 'gitlab';
  /** Whether the REST API can delete an issue (GitHub's cannot: only close it). */
  readonly canDelete: boolean;
  /** The issue, or null when the provider says it does not exist (deleted, or never was). */
  get(externalId: string, signal?: AbortSignal): Promise<RemoteIssue | null>;
  /**
   * Issues (not pull requests) of any state updated at or after `since` (all when null), oldest first
   * where the API can sort so, a page at a time: call with `page` null, then with each `next`.
   */
  listChangedSince(since: Date | null, page: string | null, signal?: AbortSignal): Promise<IssuePage>;
  create(fields: IssueFields, signal?: AbortSignal): Promise<RemoteIssue>;
  /** Changes only the fields given; sets are replaced whole. Returns the issue as it is after. */
  update(externalId: string, fields: Partial<IssueFields>, signal?: AbortSignal): Promise<RemoteIssue>;
  /** Deletes the issue; only when `canDelete`. A 404 counts as done. */
  delete(externalId: string, signal?: AbortSignal): Promise<void>;
  /**
   * Checks the delivery's signature (or token) against `secret` in constant time. Throws AuthError
   * (missing or wrong signature), never returns false; does no I/O.
   */
  verifyWebhook(request: IssueWebhookRequest, secret: string): void;
  /** Parses a verified delivery. Throws ValidationError when the body is not the provider's JSON. */
  parseWebhook(request: IssueWebhookRequest): IssueWebhookEvent;
}

/** How a provider is reached: its API root (the fake's URL in tests), the repository, and the credentials. */
export interface IssueProviderConfig {
  /** `https://api.github.com`, `https://gitea.example/api/v1`, `https://gitlab.com/api/v4`. */
  baseUrl: string;
  /** `owner/name` (GitLab: the project's full path, or its numeric id). */
  repo: string;
  token: string;
  /** Per request; default 30 000 ms. */
  timeoutMs?: number;
}
