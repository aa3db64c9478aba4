/**
 * GET /ui/jobs: jobs newest first, filtered by status, type and entity like GET /api/jobs (same query
 * names, same keyset cursor), with per-status counts as chips. Auto-refresh is on unless ?refresh=0;
 * the counts and the table are live regions, so the filter form keeps what is being typed.
 */
import type { Context } from 'hono';
import { html } from 'hono/html';
import { JOB_STATUSES } from '../../../jobs/types.ts';
import { filterForm, pager, refreshToggle, statusChips, statusCounts } from '../filters.ts';
import type { UiOptions } from '../index.ts';
import { jobTable } from '../job-table.ts';
import { renderPage } from '../page.ts';
import { parseListParams } from '../params.ts';
import { errorPage } from './error.ts';

export const PAGE_SIZE = 50;
const REFRESH_SECONDS = 5;
const PATH = '/ui/jobs';

export function jobsListPage(ui: UiOptions) {
  return async (c: Context) => {
    const parsed = parseListParams(c.req.query());
    if (!parsed.ok) return errorPage(c, ui, 400, 'Bad filter', parsed.message);
    const p = parsed.value;
    const [jobs, metrics] = await Promise.all([
      ui.jobs.list({
        ...(p.status.length ? { status: p.status } : {}),
        ...(p.jobType.length ? { jobType: p.jobType } : {}),
        ...(p.entityId ? { entityId: p.entityId } : {}),
        ...(p.cursor ? { beforeId: p.cursor } : {}),
        limit: PAGE_SIZE,
      }),
      ui.jobs.metrics(),
    ]);
    const refresh = p.refresh ?? true;
    const types = [...new Set([...ui.jobTypes, ...Object.keys(metrics.by_type)])].sort();
    const next = jobs.length === PAGE_SIZE ? jobs.at(-1)!.id : undefined;
    const filtered = p.status.length || p.jobType.length || p.entityId;
    const body = html`<div class="page-head">
        <h1>Jobs</h1>
        ${refreshToggle(PATH, p, refresh)}
      </div>
      <div id="job-counts" data-live>
        ${statusChips({ path: PATH, params: p, statuses: JOB_STATUSES, counts: statusCounts(metrics, p.jobType), allLabel: 'all' })}
      </div>
      ${filterForm({ path: PATH, params: p, statuses: JOB_STATUSES, jobTypes: types, entity: true })}
      <div id="job-rows" data-live>
        ${jobTable(jobs, { empty: filtered ? 'No jobs match these filters.' : 'No jobs yet.' })}
        ${pager(PATH, p, next)}
      </div>`;
    return renderPage(c, ui, { title: 'Jobs', active: 'jobs', ...(refresh ? { refreshSeconds: REFRESH_SECONDS } : {}) }, body);
  };
}
