/**
 * GET /ui/jobs/{id}: one job — every field, payload, result and last error as pretty JSON, links to
 * the job it replays and the jobs it depends on, its controls, and the attempt timeline (oldest
 * first). While the job is active the page refreshes itself. Also rendered with 409 and the store's
 * message when a control was refused, so a stale button never ends in a 500.
 */
import type { Context } from 'hono';
import { html } from 'hono/html';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { JobNotFound } from '../../../jobs/errors.ts';
import type { JobWithAttempts } from '../../../jobs/store.ts';
import type { Attempt } from '../../../jobs/types.ts';
import { badge, durationMs, jobHref, orDash, prettyJson, time, type Html } from '../format.ts';
import type { UiOptions } from '../index.ts';
import { actionButtons, actionsFor } from '../job-actions.ts';
import type { Flash } from '../layout.ts';
import { renderPage } from '../page.ts';
import { parseJobId } from '../params.ts';
import { notFoundPage } from './error.ts';

/** Fixed messages for ?done=…: the URL picks one, it never supplies the text. */
const DONE: Record<string, string> = {
  cancelled: 'Job cancelled.',
  retried: 'Job retried: it is pending again, and its earlier attempts stay below.',
  replayed: 'Replay created: this is a new job, linked to the one it replays.',
};

function attemptItem(a: Attempt): Html {
  const failed = a.error_class || a.error_message || a.error_detail;
  return html`<li class="outcome-${a.outcome}" data-attempt="${a.number}">
    <div class="attempt">
      <div class="attempt-head">
        <span class="n">#${a.number}</span>
        ${badge(a.outcome)}
        <span class="small">worker <code>${a.worker_id}</code></span>
        <span class="small muted">started ${time(a.started_at, true)}</span>
        <span class="small muted">finished ${time(a.finished_at, true)}</span>
        <span class="small" title="duration">${durationMs(a.duration_ms)}</span>
      </div>
      ${failed
        ? html`<div class="attempt-error">
            <div><span class="class">${a.error_class ?? 'Error'}</span>${a.error_message ? html`: <span class="message">${a.error_message}</span>` : ''}</div>
            ${a.error_detail ? prettyJson(a.error_detail) : ''}
          </div>`
        : ''}
    </div>
  </li>`;
}

function timeline(job: JobWithAttempts): Html {
  const running = job.status === 'running' && job.attempt_started_at;
  if (job.attempts.length === 0 && !running) return html`<p class="muted">No attempts yet.</p>`;
  return html`<ol class="timeline">
    ${job.attempts.map(attemptItem)}
    ${running
      ? html`<li class="outcome-running"><div class="attempt"><div class="attempt-head">
          <span class="n">#${job.attempt_count}</span> ${badge('running')}
          <span class="small">worker <code>${orDash(job.lease_owner)}</code></span>
          <span class="small muted">started ${time(job.attempt_started_at, true)}</span>
          <span class="small muted">lease until ${time(job.lease_expires_at, true)}</span>
        </div></div></li>`
      : ''}
  </ol>`;
}

function fields(job: JobWithAttempts): Html {
  const row = (label: string, value: unknown) => html`<dt>${label}</dt><dd>${value}</dd>`;
  return html`<dl class="fields">
    ${row('Status', badge(job.status))}
    ${row('Type', job.job_type)}
    ${row('Entity', html`<code class="entity">${job.entity_id}</code>`)}
    ${row('Attempts', html`${job.attempt_count} of ${job.max_retries + 1} allowed (max retries ${job.max_retries})`)}
    ${row('Priority', job.priority)}
    ${row('Run at', time(job.run_at, true))}
    ${row('Created', time(job.created_at, true))}
    ${row('Updated', time(job.updated_at, true))}
    ${row('Finished', time(job.finished_at, true))}
    ${row('Correlation id', html`<code>${job.correlation_id}</code>`)}
    ${row('Idempotency key', orDash(job.idempotency_key))}
    ${row('Concurrency key', job.concurrency_key === null ? orDash(null) : html`${job.concurrency_key} (limit ${job.concurrency_limit})`)}
    ${row('Schedule', orDash(job.schedule_name))}
    ${row('Lease', job.lease_owner ? html`${job.lease_owner} until ${time(job.lease_expires_at, true)}` : orDash(null))}
    ${row(
      'Replay of',
      job.replay_of_job_id === null
        ? orDash(null)
        : html`<a href="${jobHref(job.replay_of_job_id)}">job ${job.replay_of_job_id}</a>${job.replay_of_attempt_id === null ? '' : html` (attempt id ${job.replay_of_attempt_id})`}`,
    )}
    ${row(
      'Depends on',
      job.depends_on.length === 0
        ? orDash(null)
        : html`${job.depends_on.map((d) => html`<a href="${jobHref(d.id)}">job ${d.id}</a> ${badge(d.status)} `)}
            ${job.pending_dependencies > 0 ? html`<span class="muted small">(${job.pending_dependencies} still to succeed)</span>` : ''}`,
    )}
  </dl>`;
}

function detail(job: JobWithAttempts): Html {
  return html`<div id="job" data-live data-status="${job.status}">
    <div class="page-head">
      <h1>Job ${job.id} <span class="muted">· ${job.job_type}</span> ${badge(job.status)}</h1>
      ${actionButtons(job.id, actionsFor(job.status))}
    </div>
    ${job.replay_of_job_id === null
      ? ''
      : html`<a class="replay-link" href="${jobHref(job.replay_of_job_id)}">replay of job ${job.replay_of_job_id}</a>`}
    <div class="grid">
      <section class="panel"><h2>Job</h2>${fields(job)}</section>
      <div class="stack">
        <section class="panel"><h2>Payload</h2>${prettyJson(job.payload)}</section>
        ${job.last_error ? html`<section class="panel"><h2>Last error${job.status === 'succeeded' ? html` <span class="muted small">(an earlier attempt; the job then succeeded)</span>` : ''}</h2>${prettyJson(job.last_error)}</section>` : ''}
        ${job.result === null || job.result === undefined ? '' : html`<section class="panel"><h2>Result</h2>${prettyJson(job.result)}</section>`}
      </div>
    </div>
    <h2>Attempts</h2>
    ${timeline(job)}
  </div>`;
}

/** Renders the job's page, or the 404 page when there is no such job. */
export async function renderJobDetail(c: Context, ui: UiOptions, id: number, flash?: Flash, status: ContentfulStatusCode = 200) {
  let job: JobWithAttempts;
  try {
    job = await ui.jobs.getWithAttempts(id);
  } catch (err) {
    if (err instanceof JobNotFound) return notFoundPage(c, ui, `There is no job ${id}.`);
    throw err;
  }
  // A refused control re-renders at the POST's URL, which must not be re-fetched: no refresh there.
  const live = (job.status === 'pending' || job.status === 'running') && status === 200;
  return renderPage(c, ui, { title: `Job ${job.id}`, active: 'jobs', flash, ...(live ? { refreshSeconds: 5 } : {}) }, detail(job), status);
}

export function jobDetailPage(ui: UiOptions) {
  return (c: Context) => {
    const id = parseJobId(c.req.param('id'));
    if (id === undefined) return notFoundPage(c, ui, 'A job id is a positive whole number.');
    const done = DONE[c.req.query('done') ?? ''];
    return renderJobDetail(c, ui, id, done ? { kind: 'notice', message: done } : undefined);
  };
}
