/**
 * What a GitLab 404 is about (reference §6). GitLab answers 404 for a missing issue (`{"message":"404 Not found"}`,
 * ActiveRecord's RecordNotFound), for a project that does not exist *or that this token may not see*
 * (`{"message":"404 Project Not Found"}`), and for an unknown route (`{"error":"404 Not Found"}`, a wrong baseUrl).
 * Only the first means "this issue is gone": reading the other two as that would make every mirrored issue look
 * deleted after a typo in the configuration or a revoked membership.
 */
import { NotFound, type SyncError } from '../../protocol/errors.ts';

/** What was missing: the issue asked for, the project, or anything else (a route, an unreadable body). */
export type Missing = 'issue' | 'project' | 'other';

/** Reads a 404 body. */
export function missingOf(text: string): Missing {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return 'other';
  }
  const message = typeof body === 'object' && body !== null ? (body as { message?: unknown }).message : undefined;
  if (typeof message !== 'string') return 'other';
  if (/^404 (Issue )?Not found$/i.test(message.trim())) return 'issue';
  if (/^404 Project Not Found$/i.test(message.trim())) return 'project';
  return 'other';
}

/** The NotFound for a GitLab 404, its detail saying what was missing (`missing`), read back by `isIssueMissing`. */
export function notFoundError(text: string, fallback: SyncError, project: string): NotFound {
  const missing = missingOf(text);
  const message =
    missing === 'project'
      ? `GitLab project ${JSON.stringify(project)} does not exist or this token cannot see it (${fallback.message})`
      : missing === 'other'
        ? `GitLab answered 404 about neither the issue nor the project: check baseUrl (${fallback.message})`
        : fallback.message;
  return new NotFound(message, { detail: { ...fallback.detail, missing } });
}

/** Whether an error is GitLab saying the issue itself does not exist (not the project, not the route). */
export function isIssueMissing(err: unknown): boolean {
  return err instanceof NotFound && err.detail?.missing === 'issue';
}
