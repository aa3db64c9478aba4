/**
 * GET /ui/dead: the dead-letter view — jobs that ended dead (out of retries) or failed (a permanent
 * error), newest first, with Retry for failed ones and Replay for both. Refresh is off unless
 * ?refresh=1: this is a page one works through, not one to watch.
 */
import type { Context } from 'hono';
import { html } from 'hono/html';
import type { JobStatus } from '../../../jobs/types.ts';
import { filterForm, pager, refreshToggle, statusChips, statusCounts } from '../filters.ts';
import type { UiOptions } from '../index.ts';
import { jobTable } from '../job-table.ts';
import { renderPage } from '../page.ts';
import { parseListParams } from '../params.ts';
import { errorPage } from './error.ts';
import { PAGE_SIZE } from './jobs-list.ts';

const DEAD_LETTERS: readonly JobStatus[] = ['dead', 'failed'];
const PATH = '/ui/dead';

export function deadLettersPage(ui: UiOptions) {
  return async (c: Context) => {
    const parsed = parseListParams(c.req.query());
    if (!parsed.ok) return errorPage(c, ui, 400, 'Bad filter', parsed.message);
    const p = parsed.value;
    if (p.status.some((s) => !DEAD_LETTERS.includes(s))) {
      return errorPage(c, ui, 400, 'Bad filter', 'the dead-letter view shows only dead and failed jobs');
    }
    const [jobs, metrics] = await Promise.all([
      ui.jobs.list({
        status: p.status.length ? p.status : [...DEAD_LETTERS],
        ...(p.jobType.length ? { jobType: p.jobType } : {}),
        ...(p.entityId ? { entityId: p.entityId } : {}),
        ...(p.cursor ? { beforeId: p.cursor } : {}),
        limit: PAGE_SIZE,
      }),
      ui.jobs.metrics(),
    ]);
    const refresh = p.refresh ?? false;
    const types = [...new Set([...ui.jobTypes, ...Object.keys(metrics.by_type)])].sort();
    const next = jobs.length === PAGE_SIZE ? jobs.at(-1)!.id : undefined;
    const body = html`<div class="page-head">
        <h1>Dead letters</h1>
        ${refreshToggle(PATH, p, refresh)}
      </div>
      <p class="muted">Jobs that will not run again on their own: <strong>dead</strong> ones used up their retries,
        <strong>failed</strong> ones hit a permanent error. Retry puts a failed job back to pending; Replay creates a new
        job linked to the old one.</p>
      <div id="dead-counts" data-live>
        ${statusChips({ path: PATH, params: p, statuses: DEAD_LETTERS, counts: statusCounts(metrics, p.jobType), allLabel: 'all dead letters' })}
      </div>
      ${filterForm({ path: PATH, params: p, statuses: DEAD_LETTERS, jobTypes: types, entity: true })}
      <div id="dead-rows" data-live>
        ${jobTable(jobs, { empty: 'No dead letters. Every job either succeeded, is still running, or was cancelled.' })}
        ${pager(PATH, p, next)}
      </div>`;
    return renderPage(c, ui, { title: 'Dead letters', active: 'dead', ...(refresh ? { refreshSeconds: 5 } : {}) }, body);
  };
}
