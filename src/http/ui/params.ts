/**
 * Reading the UI's URLs: job and run ids, pipeline references and list filters. Anything malformed
 * becomes a "not found" or a message for the page — never an exception — so no URL can turn into a 500.
 */
import { JOB_STATUSES, type JobStatus } from '../../jobs/types.ts';

const ID = /^[1-9]\d{0,15}$/;

/** A job id from a path segment, or undefined when it is not a positive safe integer. */
export function parseJobId(raw: string | undefined): number | undefined {
  if (!raw || !ID.test(raw)) return undefined;
  const n = Number(raw);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** A run id from a path segment: runs have the same kind of ids as jobs. */
export function parseRunId(raw: string | undefined): number | undefined {
  return parseJobId(raw);
}

/**
 * A pipeline reference from a path segment: its id, or its name. An all-digit reference is an id and
 * must be one the database can hold (a 30-digit number would be a database error, not a 404).
 */
export function parsePipelineRef(raw: string | undefined): string | undefined {
  if (!raw || raw.length > 200) return undefined;
  if (/^\d+$/.test(raw)) {
    const id = parseJobId(raw);
    return id === undefined ? undefined : String(id);
  }
  return raw;
}

export interface ListParams {
  status: JobStatus[];
  jobType: string[];
  entityId: string | undefined;
  cursor: number | undefined;
  /** Undefined: the page's default. */
  refresh: boolean | undefined;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

const csv = (s: string | undefined) => (s ?? '').split(',').map((x) => x.trim()).filter(Boolean);

/** The filters of a job list page from its query string (the API's names: status, job_type, entity_id, cursor). */
export function parseListParams(query: Record<string, string | undefined>): Parsed<ListParams> {
  const status = csv(query.status);
  const unknown = status.filter((s) => !(JOB_STATUSES as readonly string[]).includes(s));
  if (unknown.length) return { ok: false, message: `unknown status ${unknown.join(', ')}; statuses are ${JOB_STATUSES.join(', ')}` };
  const jobType = csv(query.job_type);
  if (jobType.some((t) => t.length > 200)) return { ok: false, message: 'job type filter is too long' };
  const entityId = query.entity_id?.trim() || undefined;
  if (entityId && entityId.length > 500) return { ok: false, message: 'entity id filter is too long' };
  let cursor: number | undefined;
  if (query.cursor) {
    cursor = parseJobId(query.cursor);
    if (cursor === undefined) return { ok: false, message: 'cursor must be a job id from a previous page' };
  }
  const refresh = query.refresh === undefined ? undefined : !['0', 'off', 'false'].includes(query.refresh);
  return { ok: true, value: { status: status as JobStatus[], jobType, entityId, cursor, refresh } };
}
