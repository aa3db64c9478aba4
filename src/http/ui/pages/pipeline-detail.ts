/**
 * GET /ui/pipelines/{id or name}: one pipeline — its fields, its source and destination configs exactly
 * as the service returns them (secrets already redacted; nothing else is ever read), the Run now
 * button, its runs, and for a manifest pipeline its dependency graph coloured by the latest run. While
 * a run is queued or active the runs table and the graph refresh in place.
 */
import type { Context } from 'hono';
import { html } from 'hono/html';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Job } from '../../../jobs/types.ts';
import { NotFound } from '../../../protocol/errors.ts';
import type { Pipeline, PipelineRun } from '../../../sync/pipeline-store.ts';
import { PIPELINE_RUN_JOB, runEntity } from '../../../sync/run-job.ts';
import { prettyJson, runHref, time, type Html } from '../format.ts';
import { graphPanel, pipelineGraph, type EntityState } from '../dependency-graph.ts';
import type { Flash } from '../layout.ts';
import { renderPage } from '../page.ts';
import { parsePipelineRef } from '../params.ts';
import type { PipelineUiOptions } from '../pipelines.ts';
import { isActive, runTable } from '../run-table.ts';
import { notFoundPage } from './error.ts';
import { connectorPair, scheduleText } from './pipelines-list.ts';
import { entityStates, LIVE_SECONDS } from './run-detail.ts';

const RUNS_SHOWN = 50;

/** Fixed messages for ?done=…: the URL picks one, it never supplies the text. */
const DONE: Record<string, string> = {
  started: 'Run queued: it starts as soon as a worker picks up its job, and shows below.',
  active: 'This pipeline already has a run queued or in progress; no second run was started.',
};

function fields(p: Pipeline): Html {
  const row = (label: string, value: unknown) => html`<dt>${label}</dt><dd>${value}</dd>`;
  return html`<dl class="fields">
    ${row('Id', p.id)}
    ${row('Name', html`<code>${p.name}</code>`)}
    ${row('Connectors', connectorPair(p))}
    ${row('Streams', html`<ul class="inline-list">${p.streams.map((s) => html`<li><code>${s}</code></li>`)}</ul>`)}
    ${row('Mode', p.mode)}
    ${row('Schedule', scheduleText(p.schedule))}
    ${row('Created', time(p.created_at, true))}
    ${row('Updated', time(p.updated_at, true))}
  </dl>`;
}

function runButton(p: Pipeline): Html {
  return html`<div class="actions"><form method="post" action="/ui/pipelines/${p.id}/run">
    <button type="submit" class="primary" data-action="run" title="Start a run of every stream now">Run now</button>
  </form></div>`;
}

function detail(p: Pipeline, runs: PipelineRun[], queued: Job | undefined, graph: Html | string): Html {
  return html`<div class="page-head">
      <h1>${p.name} <span class="muted">· pipeline ${p.id}</span></h1>
      ${runButton(p)}
    </div>
    <div class="grid">
      <section class="panel"><h2>Pipeline</h2>${fields(p)}</section>
      <div class="stack">
        <section class="panel"><h2>Source <span class="muted small">${p.source.connector}</span></h2>${prettyJson(p.source.config)}</section>
        <section class="panel"><h2>Destination <span class="muted small">${p.destination.connector}</span></h2>${prettyJson(p.destination.config)}</section>
        <p class="small muted">Secret fields are stored but never shown: they read ********.</p>
      </div>
    </div>
    ${graph === '' ? '' : html`<div id="pipeline-graph" data-live>${graph}</div>`}
    <h2>Runs</h2>
    <div id="pipeline-runs" data-live>${runTable(runs, queued)}</div>`;
}

/** A manifest pipeline's dependency graph coloured by its latest run (runs come newest first); '' for other pipelines. */
async function latestRunGraph(ui: PipelineUiOptions, pipeline: Pipeline, latest: PipelineRun | undefined): Promise<Html | string> {
  const graph = pipelineGraph(ui.pipelines.connectors, pipeline);
  if (graph === undefined) return '';
  if (!latest) return graphPanel(graph, new Map<string, EntityState>(), 'not run yet');
  const run = await ui.pipelines.run(latest.id).catch((err: unknown) => {
    if (err instanceof NotFound) return undefined;
    throw err;
  });
  const caption = html`latest run <a href="${runHref(latest.id)}">${latest.id}</a> · ${latest.status}`;
  return graphPanel(graph, run ? entityStates(run.streams) : new Map<string, EntityState>(), caption);
}

/** Renders the pipeline's page, or the 404 page when there is no such pipeline. */
export async function renderPipelineDetail(c: Context, ui: PipelineUiOptions, ref: string, flash?: Flash, status: ContentfulStatusCode = 200) {
  let pipeline: Pipeline;
  try {
    pipeline = await ui.pipelines.get(ref);
  } catch (err) {
    if (err instanceof NotFound) return notFoundPage(c, ui, `There is no pipeline ${ref}.`);
    throw err;
  }
  const [runs, active] = await Promise.all([
    ui.pipelines.runs(pipeline.id, RUNS_SHOWN),
    ui.jobs.list({ jobType: [PIPELINE_RUN_JOB], entityId: runEntity(pipeline.id), status: ['pending', 'running'], limit: 1 }),
  ]);
  // The run row appears with the job's first attempt; until then the job itself is what there is to show.
  const queued = active.find((job) => !runs.some((r) => r.job_id === job.id));
  const live = (queued !== undefined || runs.some((r) => isActive(r.status))) && status === 200;
  return renderPage(
    c,
    ui,
    { title: `Pipeline ${pipeline.name}`, active: 'pipelines', flash, ...(live ? { refreshSeconds: LIVE_SECONDS } : {}) },
    detail(pipeline, runs, queued, await latestRunGraph(ui, pipeline, runs[0])),
    status,
  );
}

export function pipelineDetailPage(ui: PipelineUiOptions) {
  return (c: Context) => {
    const ref = parsePipelineRef(c.req.param('ref'));
    if (ref === undefined) return notFoundPage(c, ui, 'A pipeline is named by its id or its name.');
    const done = DONE[c.req.query('done') ?? ''];
    return renderPipelineDetail(c, ui, ref, done ? { kind: 'notice', message: done } : undefined);
  };
}
