/**
 * GET /ui/runs/{id}: one pipeline run — status, trigger, times, totals, and a row per stream with its
 * status, records, pages, a progress bar and the job syncing it; for a manifest pipeline also its
 * dependency graph, each entity coloured by its stream's state. While the run is active the page
 * refreshes in place (app.js), so counts climb as pages are checkpointed, and it offers Cancel. Also
 * rendered with 409 and a message when Cancel came too late, so a stale button never ends in a 500.
 */
import type { Context } from 'hono';
import { html } from 'hono/html';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { NotFound } from '../../../protocol/errors.ts';
import type { Pipeline } from '../../../sync/pipeline-store.ts';
import type { RunDetail } from '../../../sync/pipelines.ts';
import { badge, count, jobHref, orDash, pipelineHref, prettyJson, time, type Html } from '../format.ts';
import type { Flash } from '../layout.ts';
import { renderPage } from '../page.ts';
import { parseRunId } from '../params.ts';
import type { PipelineUiOptions } from '../pipelines.ts';
import { isActive, runDuration } from '../run-table.ts';
import { graphPanel, pipelineGraph, type EntityState } from '../dependency-graph.ts';
import { notFoundPage } from './error.ts';

type StreamRow = RunDetail['streams'][number];

/** Fixed messages for ?done=…: the URL picks one, it never supplies the text. */
const DONE: Record<string, string> = {
  cancelled: 'Run cancelled, with the stream jobs it was still waiting for.',
};

/** How often the pages of an active run (and of its pipeline) refresh their live regions. */
export const LIVE_SECONDS = 2;

const FINISHED = new Set(['succeeded', 'failed', 'cancelled']);

/**
 * What a stream is doing, from its progress row and its job together: the job wins when it has ended
 * (a crash can leave a progress row behind), and a failed attempt whose job will retry is "retrying".
 */
function streamState(s: Pick<StreamRow, 'status' | 'job_status'>): string {
  const job = s.job_status;
  if (isActive(job) && (s.status === 'failed' || s.status === 'cancelled')) return 'retrying';
  if (isActive(s.status)) {
    if (job === 'succeeded') return 'succeeded';
    if (job === 'failed' || job === 'dead') return 'failed';
    if (job === 'cancelled') return 'cancelled';
  }
  return s.status;
}

/** A bar per stream: empty while waiting, moving while it syncs (no total is known up front), full when done. */
function progressBar(state: string, label: string): Html {
  switch (state) {
    case 'pending':
      return html`<progress class="bar" max="1" value="0" aria-label="${label}: waiting"></progress>`;
    case 'running':
    case 'retrying':
      return html`<progress class="bar" aria-label="${label}: syncing"></progress>`;
    case 'succeeded':
      return html`<progress class="bar bar-done" max="1" value="1" aria-label="${label}: done"></progress>`;
    default:
      return html`<progress class="bar bar-stopped" max="1" value="1" aria-label="${label}: ${state}"></progress>`;
  }
}

/** Each stream's state and records, as the dependency graph colours its entity. */
export function entityStates(streams: Pick<StreamRow, 'stream' | 'status' | 'job_status' | 'records'>[]): Map<string, EntityState> {
  return new Map(streams.map((s) => [s.stream, { status: streamState(s), records: Number(s.records) }]));
}

function streamRow(s: StreamRow): Html {
  const state = streamState(s);
  return html`<tr data-stream="${s.stream}" data-status="${state}">
    <td class="wrap"><code>${s.stream}</code></td>
    <td>${badge(state, state === 'retrying' ? 'retry' : state)}</td>
    <td class="num" data-records="${Number(s.records)}">${count(s.records)}</td>
    <td class="num" data-pages="${Number(s.pages)}">${count(s.pages)}</td>
    <td>${progressBar(state, s.stream)}</td>
    <td>${s.job_id === null ? orDash(null) : html`<a href="${jobHref(s.job_id)}">job ${s.job_id}</a> ${s.job_status ? badge(s.job_status) : ''}`}</td>
    <td class="time">${time(s.updated_at)}</td>
  </tr>`;
}

function streamTable(streams: StreamRow[]): Html {
  if (streams.length === 0) return html`<div class="table-wrap"><p class="empty">No streams recorded for this run.</p></div>`;
  return html`<div class="table-wrap"><table class="streams">
    <thead><tr>
      <th>Stream</th><th>Status</th><th class="num">Records</th><th class="num">Pages</th><th>Progress</th><th>Job</th><th>Updated (UTC)</th>
    </tr></thead>
    <tbody>${streams.map(streamRow)}</tbody>
  </table></div>`;
}

function cancelButton(run: RunDetail): Html | string {
  if (!isActive(run.status)) return '';
  return html`<div class="actions"><form method="post" action="/ui/runs/${run.id}/cancel">
    <button type="submit" class="danger" data-action="cancel" title="Cancel this run and the stream jobs it is waiting for">Cancel</button>
  </form></div>`;
}

function fields(run: RunDetail, pipeline: Pipeline | undefined, totals: { records: number; pages: number; finished: number }): Html {
  const row = (label: string, value: unknown) => html`<dt>${label}</dt><dd>${value}</dd>`;
  const n = run.streams.length;
  return html`<dl class="fields">
    ${row('Status', badge(run.status))}
    ${row('Pipeline', pipeline ? html`<a href="${pipelineHref(pipeline.id)}">${pipeline.name}</a>` : html`pipeline ${run.pipeline_id}`)}
    ${row('Trigger', run.trigger)}
    ${row('Started', time(run.started_at, true))}
    ${row('Finished', time(run.finished_at, true))}
    ${row('Duration', runDuration(run))}
    ${row('Records', html`<span data-total-records="${totals.records}">${count(totals.records)}</span>`)}
    ${row('Pages', count(totals.pages))}
    ${row(
      'Streams',
      html`<progress class="bar${totals.finished === n ? ' bar-done' : ''}" max="${Math.max(n, 1)}" value="${totals.finished}" aria-label="streams finished"></progress>
        <span class="small">${totals.finished} of ${n} finished</span>`,
    )}
    ${row('Run job', run.job_id === null ? orDash(null) : html`<a href="${jobHref(run.job_id)}">job ${run.job_id}</a>`)}
  </dl>`;
}

function detail(run: RunDetail, pipeline: Pipeline | undefined, graph: Html | string): Html {
  // From the streams rather than run.counts: the run job updates those only when it looks, the
  // stream rows at every checkpoint.
  const totals = {
    records: run.streams.reduce((t, s) => t + Number(s.records), 0),
    pages: run.streams.reduce((t, s) => t + Number(s.pages), 0),
    finished: run.streams.filter((s) => FINISHED.has(streamState(s))).length,
  };
  return html`<div id="run" data-live data-status="${run.status}">
    <div class="page-head">
      <h1>Run ${run.id} <span class="muted">· ${pipeline ? pipeline.name : `pipeline ${run.pipeline_id}`}</span> ${badge(run.status)}</h1>
      ${cancelButton(run)}
    </div>
    <div class="grid">
      <section class="panel"><h2>Run</h2>${fields(run, pipeline, totals)}</section>
      <div class="stack">
        ${run.error ? html`<section class="panel"><h2>Error</h2>${prettyJson(run.error)}</section>` : ''}
        <section class="panel"><h2>How a run works</h2>
          <p class="small muted">Each stream is synced by its own job; records and pages count what the destination has
            committed with its checkpoint. A failed stream job retries from its last checkpoint; the run ends when
            every stream job has.</p>
        </section>
      </div>
    </div>
    ${graph}
    <h2>Streams</h2>
    ${streamTable(run.streams)}
  </div>`;
}

/** Renders the run's page, or the 404 page when there is no such run. */
export async function renderRunDetail(c: Context, ui: PipelineUiOptions, id: number, flash?: Flash, status: ContentfulStatusCode = 200) {
  let run: RunDetail;
  try {
    run = await ui.pipelines.run(id);
  } catch (err) {
    if (err instanceof NotFound) return notFoundPage(c, ui, `There is no run ${id}.`);
    throw err;
  }
  const pipeline = await ui.pipelines.get(run.pipeline_id).catch((err: unknown) => {
    if (err instanceof NotFound) return undefined;
    throw err;
  });
  // A refused Cancel re-renders at the POST's URL, which must not be re-fetched: no refresh there.
  const live = isActive(run.status) && status === 200;
  // Inside the live region: the entities change colour as the run goes on.
  const graph = pipeline ? graphPanel(pipelineGraph(ui.pipelines.connectors, pipeline), entityStates(run.streams), `run ${run.id} · ${run.status}`) : '';
  return renderPage(c, ui, { title: `Run ${run.id}`, active: 'pipelines', flash, ...(live ? { refreshSeconds: LIVE_SECONDS } : {}) }, detail(run, pipeline, graph), status);
}

export function runDetailPage(ui: PipelineUiOptions) {
  return (c: Context) => {
    const id = parseRunId(c.req.param('id'));
    if (id === undefined) return notFoundPage(c, ui, 'A run id is a positive whole number.');
    const done = DONE[c.req.query('done') ?? ''];
    return renderRunDetail(c, ui, id, done ? { kind: 'notice', message: done } : undefined);
  };
}
