/**
 * GET /ui/issues: the mirrored issues, newest first, filtered by sync status (?status=synced, pending,
 * conflict or error) and connection (?connection=id): id, connection, the provider's number linked to
 * the issue there, title, state, labels, sync status and when each side last changed it. Titles and
 * labels come from the provider: escaped like every value.
 */
import type { Context } from 'hono';
import { html } from 'hono/html';
import type { IssueRow, SyncStatus } from '../../../twoway/mirror-store.ts';
import type { ConnectionView } from '../../../twoway/service.ts';
import { queryString, time, type Html } from '../format.ts';
import { externalLink, issueHref, labelList, SYNC_STATUSES, syncBadge } from '../issue-format.ts';
import { renderPage } from '../page.ts';
import { parseJobId } from '../params.ts';
import type { TwoWayUiOptions } from '../twoway.ts';
import { errorPage } from './error.ts';

const PATH = '/ui/issues';
const SHOWN = 100;

interface IssueListParams {
  status: SyncStatus | undefined;
  connection: number | undefined;
}

function chips(p: IssueListParams): Html {
  const chip = (label: string, status: SyncStatus | undefined) =>
    html`<a class="chip" href="${PATH}${queryString({ status, connection: p.connection === undefined ? undefined : String(p.connection) })}" data-status-chip="${status ?? 'all'}"${status === p.status ? html` aria-current="true"` : ''}>${label}</a>`;
  return html`<nav class="chips" aria-label="Filter by sync status">
    ${chip('all', undefined)}
    ${SYNC_STATUSES.map((s) => chip(s, s))}
  </nav>`;
}

function row(issue: IssueRow, connections: Map<number, ConnectionView>): Html {
  const connection = connections.get(issue.connection_id);
  return html`<tr data-issue-id="${issue.id}" data-sync-status="${issue.sync_status}">
    <td class="num"><a href="${issueHref(issue.id)}">${issue.id}</a></td>
    <td class="wrap">${connection ? html`${connection.name} <span class="muted small">${connection.provider}</span>` : html`connection ${issue.connection_id}`}</td>
    <td class="nowrap">${externalLink(issue)}</td>
    <td class="wrap"><a href="${issueHref(issue.id)}">${issue.title}</a>${issue.deleted_at ? html` <span class="muted small">(deleted)</span>` : ''}</td>
    <td>${issue.state}</td>
    <td class="wrap">${labelList(issue.labels)}</td>
    <td>${syncBadge(issue.sync_status)}</td>
    <td class="time">${time(issue.local_updated_at)}</td>
    <td class="time">${time(issue.external_updated_at)}</td>
  </tr>`;
}

function table(issues: IssueRow[], connections: Map<number, ConnectionView>, filtered: boolean): Html {
  if (issues.length === 0) {
    return html`<div class="table-wrap"><p class="empty">${filtered ? 'No issues match these filters.' : 'No mirrored issues yet. They appear as webhooks and polls bring them in.'}</p></div>`;
  }
  return html`<div class="table-wrap"><table class="issues">
    <thead><tr>
      <th class="num">Id</th><th>Connection</th><th>External</th><th>Title</th><th>State</th><th>Labels</th><th>Sync</th><th>Local updated (UTC)</th><th>External updated (UTC)</th>
    </tr></thead>
    <tbody>${issues.map((i) => row(i, connections))}</tbody>
  </table></div>`;
}

function parse(query: Record<string, string | undefined>): { ok: true; value: IssueListParams } | { ok: false; message: string } {
  const status = query.status || undefined;
  if (status !== undefined && !(SYNC_STATUSES as readonly string[]).includes(status)) {
    return { ok: false, message: `unknown sync status ${status}; statuses are ${SYNC_STATUSES.join(', ')}` };
  }
  let connection: number | undefined;
  if (query.connection) {
    connection = parseJobId(query.connection);
    if (connection === undefined) return { ok: false, message: 'connection must be a connection id' };
  }
  return { ok: true, value: { status: status as SyncStatus | undefined, connection } };
}

export function issuesListPage(ui: TwoWayUiOptions) {
  return async (c: Context) => {
    const parsed = parse(c.req.query());
    if (!parsed.ok) return errorPage(c, ui, 400, 'Bad filter', parsed.message);
    const p = parsed.value;
    const [issues, connections] = await Promise.all([
      ui.twoway.listIssues({ ...(p.status ? { status: p.status } : {}), ...(p.connection !== undefined ? { connectionId: p.connection } : {}), limit: SHOWN }),
      ui.twoway.listConnections(),
    ]);
    const byId = new Map(connections.map((k) => [k.id, k]));
    const scope = p.connection === undefined ? '' : byId.get(p.connection)?.name ?? `connection ${p.connection}`;
    const body = html`<div class="page-head"><h1>Issues${scope ? html` <span class="muted">· ${scope}</span>` : ''}</h1></div>
      ${chips(p)}
      <div id="issue-rows">
        ${table(issues, byId, p.status !== undefined || p.connection !== undefined)}
        ${issues.length === SHOWN ? html`<p class="small muted">Showing the newest ${SHOWN}; filter by status or connection to see others.</p>` : ''}
      </div>`;
    return renderPage(c, ui, { title: 'Issues', active: 'issues' }, body);
  };
}
