/**
 * GitLab's REST issue JSON (reference §2) → RemoteIssue. Only the synced fields are checked; whatever else GitLab
 * adds over time is ignored. Labels are names (the default, without `with_labels_details`), assignees users whose
 * `username` is the login; `opened`/`closed` become `open`/`closed`. The users an answer names are handed out too,
 * because GitLab assigns by user id and those answers are where ids come from (users.ts).
 */
import { z } from 'zod';
import { ValidationError } from '../../protocol/errors.ts';
import type { RemoteIssue } from '../../protocol/issues.ts';
import { parseGitLabTime } from './time.ts';

/** A user as GitLab embeds one (`assignees[]`, `author`, `closed_by`). */
export const GitLabUser = z.looseObject({ id: z.number().int(), username: z.string().min(1) });
export type GitLabUser = z.infer<typeof GitLabUser>;

const GitLabTime = z.string().refine((s) => parseGitLabTime(s) !== null, 'not a GitLab timestamp');
export const GitLabState = z.enum(['opened', 'closed']);

/** The part of GitLab's issue object two-way sync reads. */
export const GitLabIssue = z.looseObject({
  iid: z.number().int().positive(),
  title: z.string(),
  description: z.string().nullish(),
  state: GitLabState,
  // Names by default; objects only with `with_labels_details=true`, which we never ask for but accept.
  labels: z.array(z.union([z.string(), z.looseObject({ name: z.string() })])).default([]),
  assignees: z.array(GitLabUser).nullish(),
  author: GitLabUser.nullish(),
  closed_by: GitLabUser.nullish(),
  web_url: z.string(),
  updated_at: GitLabTime,
});
export type GitLabIssue = z.infer<typeof GitLabIssue>;

/** `opened` → `open`: the one word the two vocabularies spell differently. */
export function fromGitLabState(state: z.infer<typeof GitLabState>): 'open' | 'closed' {
  return state === 'opened' ? 'open' : 'closed';
}

/** A parsed GitLab issue as the engine's RemoteIssue: iid as externalId, a null description as ''. */
export function toRemoteIssue(issue: GitLabIssue): RemoteIssue {
  return {
    externalId: String(issue.iid),
    url: issue.web_url,
    fields: {
      title: issue.title,
      body: issue.description ?? '',
      state: fromGitLabState(issue.state),
      labels: issue.labels.map((l) => (typeof l === 'string' ? l : l.name)),
      assignees: (issue.assignees ?? []).map((u) => u.username),
    },
    updatedAt: parseGitLabTime(issue.updated_at)!,
  };
}

/** Every user an issue answer names, for the id directory. */
export function usersOf(issue: GitLabIssue): GitLabUser[] {
  return [...(issue.assignees ?? []), ...(issue.author ? [issue.author] : []), ...(issue.closed_by ? [issue.closed_by] : [])];
}

/**
 * Reads one issue object from an answer; ValidationError naming the failing paths when it is not one (never the
 * values: a description can hold anything).
 */
export function readIssue(raw: unknown, where: string): GitLabIssue {
  const parsed = GitLabIssue.safeParse(raw);
  if (!parsed.success) {
    const paths = parsed.error.issues.map((i) => i.path.join('.') || '(root)');
    throw new ValidationError(`${where} answered with something that is not a GitLab issue (${paths.join(', ')})`, { detail: { paths } });
  }
  return parsed.data;
}
