/**
 * Gitea's issue JSON (reference gitea.md §2, and the webhook fixtures) → the provider-neutral RemoteIssue. The
 * schema holds only what sync reads and is lenient where Gitea varies by version: `body` may be null, `assignees`
 * is null when empty (and absent in pre-1.5 payloads, which carry only `assignee`), `html_url` is absent in old
 * payloads, timestamps carry the server's UTC offset. Anything that still does not fit is a ValidationError: the
 * answer is not an issue we can represent, and asking again will not change that.
 */
import { z } from 'zod';
import { ValidationError } from '../../protocol/errors.ts';
import type { RemoteIssue } from '../../protocol/issues.ts';

const GiteaUser = z.object({ login: z.string() });

/** A label as Gitea renders it; `color` is hex without `#`. */
export const GiteaLabel = z.object({ id: z.number().int(), name: z.string() });
export type GiteaLabel = z.infer<typeof GiteaLabel>;

/** The issue fields sync reads (snake_case, as on the wire). */
export const GiteaIssue = z.object({
  number: z.number().int().positive(),
  title: z.string(),
  body: z.string().nullish(),
  state: z.enum(['open', 'closed']),
  labels: z.array(z.object({ name: z.string() })).nullish(),
  assignees: z.array(GiteaUser).nullish(),
  assignee: GiteaUser.nullish(),
  html_url: z.string().optional(),
  updated_at: z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'not an RFC 3339 timestamp'),
  /** null for an issue, an object for a pull request (which shares the issue routes and numbers). */
  pull_request: z.unknown().optional(),
});
export type GiteaIssue = z.infer<typeof GiteaIssue>;

/** Parses Gitea's issue JSON, or throws a ValidationError naming `what` and the fields that did not fit. */
export function parseGiteaIssue(json: unknown, what: string): GiteaIssue {
  const parsed = GiteaIssue.safeParse(json);
  if (!parsed.success) {
    // Paths and messages only: values could be anything a user typed.
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ValidationError(`${what} is not a Gitea issue`, { detail: { issues } });
  }
  return parsed.data;
}

/** Whether the issue JSON is a pull request (Gitea lists and gets them through the issue routes). */
export function isPullRequest(issue: GiteaIssue): boolean {
  return issue.pull_request !== undefined && issue.pull_request !== null;
}

/**
 * The RemoteIssue for a parsed Gitea issue. `repoHtmlUrl` builds the web URL for payloads too old to carry
 * `html_url` (Gitea's web path is `<repo html_url>/issues/<number>`).
 */
export function toRemoteIssue(issue: GiteaIssue, repoHtmlUrl?: string): RemoteIssue {
  const assignees = issue.assignees ?? (issue.assignee ? [issue.assignee] : []);
  return {
    externalId: String(issue.number),
    url: issue.html_url ?? (repoHtmlUrl ? `${repoHtmlUrl.replace(/\/+$/, '')}/issues/${issue.number}` : ''),
    fields: {
      title: issue.title,
      body: issue.body ?? '',
      state: issue.state,
      labels: unique((issue.labels ?? []).map((l) => l.name)),
      assignees: unique(assignees.map((u) => u.login)),
    },
    updatedAt: new Date(issue.updated_at),
  };
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
