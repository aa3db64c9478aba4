/**
 * GET /ui/pipelines: every pipeline with its connectors, streams, mode, schedule and last run. Configs
 * are not shown here at all (the pipeline's page shows them redacted). While any last run is active the
 * page refreshes its table in place.
 */
import type { Context } from 'hono';
import { html } from 'hono/html';
import type { PipelineSummary } from '../../../sync/pipeline-store.ts';
import { badge, pipelineHref, runHref, time, type Html } from '../format.ts';
import { renderPage } from '../page.ts';
import type { PipelineUiOptions } from '../pipelines.ts';
import { isActive } from '../run-table.ts';

const STREAMS_SHOWN = 6;

/** The connectors as "source → destination". */
export function connectorPair(p: Pick<PipelineSummary, 'source' | 'destination'>): Html {
  return html`<code>${p.source.connector}</code> → <code>${p.destination.connector}</code>`;
}

export function scheduleText(schedule: string | null): Html {
  return schedule ? html`<code>${schedule}</code>` : html`<span class="muted">on demand</span>`;
}

function streamList(streams: string[]): Html {
  const shown = streams.slice(0, STREAMS_SHOWN);
  const more = streams.length - shown.length;
  return html`<span title="${streams.join(', ')}">${shown.join(', ')}${more > 0 ? html` <span class="muted">+${more} more</span>` : ''}</span>`;
}

function lastRun(p: PipelineSummary): Html {
  if (!p.last_run) return html`<span class="muted">never run</span>`;
  return html`<a href="${runHref(p.last_run.id)}" class="badge-link">${badge(p.last_run.status)}</a>
    <span class="small muted">${time(p.last_run.started_at)}</span>`;
}

function row(p: PipelineSummary): Html {
  return html`<tr data-pipeline-id="${p.id}" data-pipeline-name="${p.name}">
    <td class="wrap"><a href="${pipelineHref(p.id)}">${p.name}</a></td>
    <td class="wrap">${connectorPair(p)}</td>
    <td class="wrap">${streamList(p.streams)}</td>
    <td>${p.mode}</td>
    <td>${scheduleText(p.schedule)}</td>
    <td class="nowrap" data-last-run-status="${p.last_run?.status ?? ''}">${lastRun(p)}</td>
  </tr>`;
}

function table(pipelines: PipelineSummary[]): Html {
  if (pipelines.length === 0) {
    return html`<div class="table-wrap"><p class="empty">No pipelines yet. Create one through the API or the CLI; it appears here.</p></div>`;
  }
  return html`<div class="table-wrap"><table class="pipelines">
    <thead><tr>
      <th>Name</th><th>Source → destination</th><th>Streams</th><th>Mode</th><th>Schedule</th><th>Last run</th>
    </tr></thead>
    <tbody>${pipelines.map(row)}</tbody>
  </table></div>`;
}

export function pipelinesListPage(ui: PipelineUiOptions) {
  return async (c: Context) => {
    const pipelines = await ui.pipelines.list();
    const live = pipelines.some((p) => isActive(p.last_run?.status));
    const body = html`<div class="page-head"><h1>Pipelines</h1></div>
      <div id="pipeline-rows" data-live>${table(pipelines)}</div>`;
    return renderPage(c, ui, { title: 'Pipelines', active: 'pipelines', ...(live ? { refreshSeconds: 5 } : {}) }, body);
  };
}
