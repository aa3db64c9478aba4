/**
 * GET /ui/issues/{id}: one mirrored issue — its fields and body, its open conflicts (resolvable here,
 * like in the inbox) and earlier ones, its outbox entries with Replay on dead ones, and its sync log,
 * newest first. While a change is on its way (status pending) the fields, outbox and log refresh in
 * place; the conflicts never do, so a half-typed value is never swapped away. Also rendered with
 * 400/409 and the service's message when a control was refused.
 */
import type { Context } from 'hono';
import { html } from 'hono/html';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { NotFound } from '../../../protocol/errors.ts';
import type { ConflictRow } from '../../../twoway/conflict-store.ts';
import type { OutboxEntry } from '../../../twoway/outbox.ts';
import type { IssueDetail } from '../../../twoway/service.ts';
import type { SyncLogRow } from '../../../twoway/sync-log.ts';
import { conflictCard } from '../conflict-view.ts';
import { jobHref, orDash, time, type Html } from '../format.ts';
import { compactJson, conflictBadge, externalLink, labelList, outboxBadge, syncBadge } from '../issue-format.ts';
import type { Flash } from '../layout.ts';
import { renderPage } from '../page.ts';
import { parseJobId } from '../params.ts';
import type { TwoWayUiOptions } from '../twoway.ts';
import { notFoundPage } from './error.ts';
import { RESOLVED_MESSAGE } from './conflicts.ts';

/** Fixed messages for ?done=…: the URL picks one, it never supplies the text. */
const DONE: Record<string, string> = {
  resolved: RESOLVED_MESSAGE,
  replayed: 'Outbox entry replayed: it is pending again until its push succeeds (or gives up once more).',
};

function fields(d: IssueDetail, connection: string): Html {
  const i = d.issue;
  const row = (label: string, value: unknown) => html`<dt>${label}</dt><dd>${value}</dd>`;
  return html`<dl class="fields">
    ${row('Sync status', syncBadge(i.sync_status))}
    ${row('Connection', html`<a href="/ui/issues?connection=${i.connection_id}">${connection}</a>`)}
    ${row('External', externalLink(i))}
    ${row('Title', i.title)}
    ${row('State', i.state)}
    ${row('Labels', labelList(i.labels))}
    ${row('Assignees', labelList(i.assignees))}
    ${row('Local version', i.local_version)}
    ${row('Local updated', time(i.local_updated_at, true))}
    ${row('External updated', time(i.external_updated_at, true))}
    ${row('Created here', time(i.created_at, true))}
    ${i.deleted_at ? row('Deleted', time(i.deleted_at, true)) : ''}
  </dl>`;
}

function outboxRow(e: OutboxEntry): Html {
  return html`<tr data-outbox-id="${e.id}" data-status="${e.status}">
    <td class="num">${e.id}</td>
    <td>${outboxBadge(e.status)}</td>
    <td>${e.op}</td>
    <td class="wrap">${compactJson(e.fields)}</td>
    <td class="wrap">${compactJson(e.last_error)}</td>
    <td class="time">${time(e.created_at)}</td>
    <td class="time">${time(e.sent_at)}</td>
    <td>${e.job_id === null ? orDash(null) : html`<a href="${jobHref(e.job_id)}">job ${e.job_id}</a>`}</td>
    <td>${e.status === 'dead'
      ? html`<form method="post" action="/ui/issues/${e.issue_id}/outbox/${e.id}/replay"><button type="submit" class="small" data-action="replay" title="Push this change again">Replay</button></form>`
      : ''}</td>
  </tr>`;
}

function outboxTable(entries: OutboxEntry[]): Html {
  if (entries.length === 0) return html`<div class="table-wrap"><p class="empty">No local changes for this issue.</p></div>`;
  return html`<div class="table-wrap"><table class="outbox">
    <thead><tr><th class="num">Id</th><th>Status</th><th>Op</th><th>Fields</th><th>Last error</th><th>Created (UTC)</th><th>Sent (UTC)</th><th>Job</th><th>Actions</th></tr></thead>
    <tbody>${entries.map(outboxRow)}</tbody>
  </table></div>`;
}

function logRow(l: SyncLogRow): Html {
  return html`<tr data-log-id="${l.id}" data-direction="${l.direction}" data-action="${l.action}">
    <td class="time">${time(l.at, true)}</td>
    <td>${l.direction}</td>
    <td><strong>${l.action}</strong></td>
    <td class="wrap">${compactJson(l.before)}</td>
    <td class="wrap">${compactJson(l.after)}</td>
    <td class="wrap">${compactJson(l.detail)}</td>
  </tr>`;
}

function logTable(log: SyncLogRow[]): Html {
  if (log.length === 0) return html`<div class="table-wrap"><p class="empty">Nothing logged for this issue yet.</p></div>`;
  return html`<div class="table-wrap"><table class="sync-log">
    <thead><tr><th>At (UTC)</th><th>Direction</th><th>Action</th><th>Before</th><th>After</th><th>Detail</th></tr></thead>
    <tbody>${log.map(logRow)}</tbody>
  </table></div>`;
}

function earlierConflicts(closed: ConflictRow[]): Html | string {
  if (closed.length === 0) return '';
  return html`<details class="earlier-conflicts"><summary>${closed.length} earlier conflict${closed.length === 1 ? '' : 's'}</summary>
    <div class="table-wrap"><table>
      <thead><tr><th class="num">Id</th><th>Field</th><th>Status</th><th>Resolution</th><th>Value</th><th>Closed (UTC)</th></tr></thead>
      <tbody>${closed.map(
        (k) => html`<tr data-conflict-id="${k.id}" data-status="${k.status}">
          <td class="num">${k.id}</td><td><code>${k.field}</code></td><td>${conflictBadge(k.status)}</td>
          <td>${orDash(k.resolution)}</td><td class="wrap">${k.resolved_value === null ? orDash(null) : html`<pre class="json">${k.resolved_value}</pre>`}</td>
          <td class="time">${time(k.resolved_at)}</td>
        </tr>`,
      )}</tbody>
    </table></div>
  </details>`;
}

function detail(d: IssueDetail, connection: string): Html {
  const open = d.conflicts.filter((k) => k.status === 'open');
  return html`<div class="page-head">
      <h1>${d.issue.title} <span class="muted">· issue ${d.issue.id}</span></h1>
    </div>
    <div class="grid">
      <section class="panel" id="issue-fields" data-live><h2>Issue</h2>${fields(d, connection)}</section>
      <section class="panel"><h2>Body</h2>${d.issue.body === '' ? html`<p class="muted">(empty)</p>` : html`<pre class="json">${d.issue.body}</pre>`}</section>
    </div>
    <h2>Conflicts</h2>
    <div id="issue-conflicts" class="stack">
      ${open.length === 0 ? html`<p class="muted">No open conflicts.</p>` : open.map((k) => conflictCard(k, 'issue'))}
      ${earlierConflicts(d.conflicts.filter((k) => k.status !== 'open'))}
    </div>
    <h2>Outbox</h2>
    <div id="issue-outbox" data-live>${outboxTable(d.outbox)}</div>
    <h2>Sync log</h2>
    <div id="issue-log" data-live>${logTable(d.log)}</div>`;
}

/** Renders the issue's page, or the 404 page when there is no such issue. */
export async function renderIssueDetail(c: Context, ui: TwoWayUiOptions, id: number, flash?: Flash, status: ContentfulStatusCode = 200) {
  let d: IssueDetail;
  try {
    d = await ui.twoway.getIssue(id);
  } catch (err) {
    if (err instanceof NotFound) return notFoundPage(c, ui, `There is no issue ${id}.`);
    throw err;
  }
  const connection = await ui.twoway.getConnection(d.issue.connection_id).then(
    (k) => `${k.name} (${k.provider})`,
    (err: unknown) => {
      if (err instanceof NotFound) return `connection ${d.issue.connection_id}`;
      throw err;
    },
  );
  // A refused control re-renders at the POST's URL, which must not be re-fetched: no refresh there.
  const live = d.issue.sync_status === 'pending' && status === 200;
  return renderPage(c, ui, { title: `Issue ${id}`, active: 'issues', flash, ...(live ? { refreshSeconds: 3 } : {}) }, detail(d, connection), status);
}

export function issueDetailPage(ui: TwoWayUiOptions) {
  return (c: Context) => {
    const id = parseJobId(c.req.param('id'));
    if (id === undefined) return notFoundPage(c, ui, 'An issue id is a positive whole number.');
    const done = DONE[c.req.query('done') ?? ''];
    return renderIssueDetail(c, ui, id, done ? { kind: 'notice', message: done } : undefined);
  };
}
