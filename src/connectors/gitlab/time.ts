/**
 * GitLab writes two timestamp formats (reference §2, §7): the REST API ISO 8601 with milliseconds
 * (`2016-01-04T15:31:51.081Z`), webhook payloads `2017-12-10 16:37:38 UTC` (and the docs example mixes in
 * `2013-12-03T17:15:43Z`). One parser for both, so a webhook snapshot and an API read compare on one clock.
 */

const GITLAB_TIME = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?\s*(Z|UTC|[+-]\d{2}:?\d{2})?$/i;

/**
 * A GitLab timestamp as a Date, or null when it is not one. A zone-less time is UTC: GitLab renders every
 * timestamp in UTC, and reading it as local time would shift it by the server's offset.
 */
export function parseGitLabTime(text: string): Date | null {
  const m = GITLAB_TIME.exec(text.trim());
  if (!m) return null;
  const [, date, time, fraction = '', zone = 'Z'] = m;
  const millis = (fraction + '000').slice(0, 3);
  const offset = /^(Z|UTC)$/i.test(zone) ? 'Z' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone;
  const at = new Date(`${date}T${time}.${millis}${offset}`);
  return Number.isNaN(at.getTime()) ? null : at;
}

/** `since` as GitLab's `updated_after` wants it: ISO 8601 UTC with milliseconds (no `+` to escape). */
export function gitLabTimeParam(at: Date): string {
  return at.toISOString();
}
