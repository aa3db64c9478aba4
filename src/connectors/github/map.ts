/**
 * GitHub's issue JSON (reference §2) → RemoteIssue. The same shape arrives from the REST API and inside `issues`
 * webhook payloads, so both read it here. Only the synced fields are checked; everything else GitHub adds over time
 * is ignored. Pull requests are issues to GitHub's Issues API but never to us: callers drop them first (`isPullRequest`).
 */
import { z } from 'zod';
import type { RemoteIssue } from '../../protocol/issues.ts';

/** The schema allows plain strings as well as label objects (reference §2). */
const GitHubLabel = z.union([z.string(), z.object({ name: z.string() })]);
const GitHubUser = z.object({ login: z.string() });

/** The part of GitHub's `issue` object two-way sync reads. */
export const GitHubIssue = z.object({
  number: z.number().int().positive(),
  title: z.string(),
  body: z.string().nullish(),
  state: z.enum(['open', 'closed']),
  labels: z.array(GitHubLabel).default([]),
  // Read `assignees` only: the singular `assignee` is "closing down" and gone in API version 2026-03-10 (reference §1).
  assignees: z.array(GitHubUser).nullish(),
  html_url: z.string(),
  updated_at: z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'not a timestamp'),
});
export type GitHubIssue = z.infer<typeof GitHubIssue>;

/** Whether an item of an Issues API answer is a pull request: GitHub marks those, and only those, with `pull_request`. */
export function isPullRequest(raw: unknown): boolean {
  return typeof raw === 'object' && raw !== null && Object.hasOwn(raw, 'pull_request');
}

/** A GitHub issue as the engine's RemoteIssue: number as externalId, a null body as '', labels and assignees by name. */
export function toRemoteIssue(issue: GitHubIssue): RemoteIssue {
  return {
    externalId: String(issue.number),
    url: issue.html_url,
    fields: {
      title: issue.title,
      body: issue.body ?? '',
      state: issue.state,
      labels: issue.labels.map((l) => (typeof l === 'string' ? l : l.name)),
      assignees: (issue.assignees ?? []).map((u) => u.login),
    },
    updatedAt: new Date(issue.updated_at),
  };
}

/** Parses one issue object, or returns the reason it is not one (for the caller's own error). */
export function readIssue(raw: unknown): { ok: true; issue: RemoteIssue } | { ok: false; reason: string } {
  const parsed = GitHubIssue.safeParse(raw);
  if (!parsed.success) return { ok: false, reason: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ') };
  return { ok: true, issue: toRemoteIssue(parsed.data) };
}
