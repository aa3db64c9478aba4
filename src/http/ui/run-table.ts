/**
 * The table of a pipeline's runs, newest first: id, status, trigger, start, duration and records, each
 * linking to the run's page. A run job no worker has started yet has no run row; it shows as a queued
 * line linking to its job, so "Run now" always has a visible effect.
 */
import { html } from 'hono/html';
import type { Job } from '../../jobs/types.ts';
import type { PipelineRun, RunCounts } from '../../sync/pipeline-store.ts';
import { badge, count, elapsed, jobHref, orDash, runHref, time, type Html } from './format.ts';

/** Runs (and streams) that may still change: their pages refresh themselves. */
export function isActive(status: string | null | undefined): boolean {
  return status === 'pending' || status === 'running';
}

/** How long the run took, or how long it has been going. */
export function runDuration(run: Pick<PipelineRun, 'started_at' | 'finished_at'>, now = new Date()): string {
  const ms = (run.finished_at ?? now).getTime() - run.started_at.getTime();
  return run.finished_at ? elapsed(ms) : `${elapsed(ms)} so far`;
}

/** The run's record total as last recorded ('{}' until the run job first counted). */
export function runRecords(run: Pick<PipelineRun, 'counts'>): number | undefined {
  const records = (run.counts as Partial<RunCounts>).records;
  return records === undefined ? undefined : Number(records);
}

function row(run: PipelineRun): Html {
  const records = runRecords(run);
  return html`<tr data-run-id="${run.id}" data-status="${run.status}">
    <td class="num"><a href="${runHref(run.id)}">${run.id}</a></td>
    <td><a href="${runHref(run.id)}" class="badge-link">${badge(run.status)}</a></td>
    <td>${run.trigger}</td>
    <td class="time">${time(run.started_at)}</td>
    <td class="num">${runDuration(run)}</td>
    <td class="num"${records === undefined ? '' : html` data-records="${records}"`}>${records === undefined ? orDash(null) : count(records)}</td>
  </tr>`;
}

function queuedRow(job: Job): Html {
  return html`<tr data-queued-job="${job.id}" data-status="queued">
    <td class="num muted">—</td>
    <td>${badge('queued', 'pending')}</td>
    <td colspan="4" class="muted">Waiting for a worker: <a href="${jobHref(job.id)}">job ${job.id}</a> starts the run.</td>
  </tr>`;
}

export function runTable(runs: PipelineRun[], queued: Job | undefined): Html {
  if (runs.length === 0 && !queued) return html`<div class="table-wrap"><p class="empty">No runs yet. Run now starts one.</p></div>`;
  return html`<div class="table-wrap"><table class="runs">
    <thead><tr>
      <th class="num">Run</th><th>Status</th><th>Trigger</th><th>Started (UTC)</th><th class="num">Duration</th><th class="num">Records</th>
    </tr></thead>
    <tbody>${queued ? queuedRow(queued) : ''}${runs.map(row)}</tbody>
  </table></div>`;
}
