/**
 * The table of jobs shared by the jobs list and the dead-letter view: id, type, entity, status,
 * attempts, last update and the controls that apply. Entity ids and types are data: escaped, never
 * trusted, and long ones wrap instead of stretching the page.
 */
import { html } from 'hono/html';
import type { Job } from '../../jobs/types.ts';
import { badge, jobHref, time, type Html } from './format.ts';
import { actionButtons, actionsFor, type JobAction } from './job-actions.ts';

export interface JobTableOptions {
  /** The controls to offer for a job; default: every one its state allows. */
  actions?: (job: Job) => JobAction[];
  empty: string;
}

function row(job: Job, actions: JobAction[]): Html {
  return html`<tr data-job-id="${job.id}" data-status="${job.status}">
    <td class="num"><a href="${jobHref(job.id)}">${job.id}</a></td>
    <td>${job.job_type}</td>
    <td class="entity mono"><a href="${jobHref(job.id)}" title="${job.entity_id}">${job.entity_id}</a></td>
    <td>${badge(job.status)}</td>
    <td class="num" title="attempts made / allowed">${job.attempt_count} / ${job.max_retries + 1}</td>
    <td class="time">${time(job.updated_at)}</td>
    <td>${actionButtons(job.id, actions, true)}</td>
  </tr>`;
}

export function jobTable(jobs: Job[], options: JobTableOptions): Html {
  const pick = options.actions ?? ((j: Job) => actionsFor(j.status));
  if (jobs.length === 0) return html`<div class="table-wrap"><p class="empty">${options.empty}</p></div>`;
  return html`<div class="table-wrap"><table class="jobs">
    <thead><tr>
      <th class="num">Id</th><th>Type</th><th>Entity</th><th>Status</th><th class="num">Attempts</th><th>Updated (UTC)</th><th>Actions</th>
    </tr></thead>
    <tbody>${jobs.map((j) => row(j, pick(j)))}</tbody>
  </table></div>`;
}
