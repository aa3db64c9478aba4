/**
 * The controls above a job table: status chips with counts (links, so they work without script), the
 * GET filter form, and the auto-refresh toggle. Every link keeps the other filters, and the refresh
 * choice, of the current page.
 */
import { html } from 'hono/html';
import type { JobStatus } from '../../jobs/types.ts';
import { queryString, type Html } from './format.ts';
import type { ListParams } from './params.ts';

/** The query parameters that describe the current list, minus any overridden here. */
export function listQuery(p: ListParams, override: Partial<Record<'status' | 'job_type' | 'entity_id' | 'cursor' | 'refresh', string | undefined>> = {}) {
  return queryString({
    status: p.status.join(','),
    job_type: p.jobType.join(','),
    entity_id: p.entityId,
    cursor: p.cursor === undefined ? undefined : String(p.cursor),
    refresh: p.refresh === undefined ? undefined : p.refresh ? '1' : '0',
    ...override,
  });
}

/** Counts per status: of the filtered job types when there are some, else of all jobs. */
export function statusCounts(metrics: { by_status: Record<string, number>; by_type: Record<string, Record<string, number>> }, jobTypes: string[]) {
  if (jobTypes.length === 0) return metrics.by_status;
  const counts: Record<string, number> = {};
  for (const t of jobTypes) for (const [s, n] of Object.entries(metrics.by_type[t] ?? {})) counts[s] = (counts[s] ?? 0) + n;
  return counts;
}

export interface ChipsOptions {
  path: string;
  params: ListParams;
  /** The chips to show, in order, with their counts. */
  statuses: readonly JobStatus[];
  counts: Record<string, number>;
  allLabel: string;
}

export function statusChips(o: ChipsOptions): Html {
  const current = o.params.status.length === 1 ? o.params.status[0] : o.params.status.length === 0 ? 'all' : 'several';
  const total = o.statuses.reduce((n, s) => n + (o.counts[s] ?? 0), 0);
  const chip = (label: string, status: string | undefined, count: number, active: boolean) =>
    html`<a class="chip" href="${o.path}${listQuery(o.params, { status, cursor: undefined })}" data-status-chip="${status ?? 'all'}"${active ? html` aria-current="true"` : ''}>${label} <span class="count">${count}</span></a>`;
  return html`<nav class="chips" aria-label="Filter by status">
    ${chip(o.allLabel, undefined, total, current === 'all')}
    ${o.statuses.map((s) => chip(s, s, o.counts[s] ?? 0, current === s))}
  </nav>`;
}

function options(values: readonly string[], selected: string[], anyLabel: string): Html {
  const joined = selected.join(',');
  // A filter from a URL that no option matches (status=failed,dead, or a type no worker runs) is shown
  // as its own option, so the form never hides a filter that is in effect.
  const extra = joined && !values.includes(joined) ? [joined] : [];
  return html`<option value="">${anyLabel}</option>
    ${[...values, ...extra].map((v) => html`<option value="${v}"${v === joined ? html` selected` : ''}>${v}</option>`)}`;
}

export interface FilterFormOptions {
  path: string;
  params: ListParams;
  statuses: readonly JobStatus[];
  jobTypes: readonly string[];
  entity: boolean;
}

export function filterForm(o: FilterFormOptions): Html {
  const p = o.params;
  return html`<form method="get" action="${o.path}" class="filters" data-autosubmit>
    <label>Status <select name="status">${options(o.statuses, p.status, 'any status')}</select></label>
    <label>Type <select name="job_type">${options(o.jobTypes, p.jobType, 'any type')}</select></label>
    ${o.entity ? html`<label>Entity id <input type="text" name="entity_id" value="${p.entityId ?? ''}" placeholder="exact id" autocomplete="off"></label>` : ''}
    ${p.refresh === undefined ? '' : html`<input type="hidden" name="refresh" value="${p.refresh ? '1' : '0'}">`}
    <button type="submit" class="primary">Filter</button>
    <a class="button" href="${o.path}">Clear</a>
  </form>`;
}

export function refreshToggle(path: string, p: ListParams, on: boolean): Html {
  return html`<p class="small muted" id="refresh-toggle">
    Auto-refresh ${on ? 'every 5 s' : 'off'} ·
    <a href="${path}${listQuery(p, { refresh: on ? '0' : '1' })}">${on ? 'pause' : 'turn on'}</a>
  </p>`;
}

export function pager(path: string, p: ListParams, nextCursor: number | undefined): Html {
  if (!p.cursor && nextCursor === undefined) return html``;
  return html`<div class="pager">
    <span>${p.cursor ? html`<a href="${path}${listQuery(p, { cursor: undefined })}">← Newest</a>` : ''}</span>
    <span>${nextCursor !== undefined ? html`<a href="${path}${listQuery(p, { cursor: String(nextCursor) })}" rel="next">Older →</a>` : ''}</span>
  </div>`;
}
