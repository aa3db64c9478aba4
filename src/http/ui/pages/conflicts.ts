/**
 * GET /ui/conflicts: the conflict inbox — conflicts newest first (open ones unless ?status= says
 * resolved, superseded or all), each with its issue, its field and the three values side by side, and
 * for an open one the controls that settle it. No auto-refresh: this is a page one works through, and a
 * refresh must never swap a half-typed value away. Also rendered with 400/409 and the service's message
 * when a resolution was refused, so a stale form never ends in a 500.
 */
import type { Context } from 'hono';
import { html } from 'hono/html';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { NotFound } from '../../../protocol/errors.ts';
import type { ConflictRow, ConflictStatus } from '../../../twoway/conflict-store.ts';
import type { IssueRow } from '../../../twoway/mirror-store.ts';
import { conflictCard } from '../conflict-view.ts';
import { queryString, type Html } from '../format.ts';
import { CONFLICT_STATUSES } from '../issue-format.ts';
import type { Flash } from '../layout.ts';
import { renderPage } from '../page.ts';
import type { TwoWayUiOptions } from '../twoway.ts';
import { errorPage } from './error.ts';

const PATH = '/ui/conflicts';
const SHOWN = 100;

export type ConflictFilter = ConflictStatus | 'all';

/** Fixed messages for ?done=…: the URL picks one, it never supplies the text. */
export const RESOLVED_MESSAGE =
  'Conflict resolved. The issue now holds the chosen value; where that differs from the provider\'s, the outbox pushes it there.';
const DONE: Record<string, string> = { resolved: RESOLVED_MESSAGE };

function chips(current: ConflictFilter): Html {
  const chip = (label: string, status: ConflictFilter) =>
    html`<a class="chip" href="${PATH}${queryString({ status: status === 'open' ? undefined : status })}" data-status-chip="${status}"${status === current ? html` aria-current="true"` : ''}>${label}</a>`;
  return html`<nav class="chips" aria-label="Filter by status">
    ${CONFLICT_STATUSES.map((s) => chip(s, s))}
    ${chip('all', 'all')}
  </nav>`;
}

/** Each conflict's issue, read once per issue; an issue deleted meanwhile is simply left out. */
async function issuesOf(ui: TwoWayUiOptions, conflicts: ConflictRow[]): Promise<Map<number, IssueRow>> {
  const ids = [...new Set(conflicts.map((c) => c.issue_id))];
  const found = await Promise.all(
    ids.map((id) =>
      ui.twoway.getIssue(id).then(
        (d) => d.issue,
        (err: unknown) => {
          if (err instanceof NotFound) return undefined;
          throw err;
        },
      ),
    ),
  );
  return new Map(found.filter((i): i is IssueRow => i !== undefined).map((i) => [i.id, i]));
}

function empty(filter: ConflictFilter): Html {
  const text = filter === 'open' ? 'No open conflicts. When both sides change the same field differently, it waits here.' : `No ${filter === 'all' ? '' : `${filter} `}conflicts.`;
  return html`<div class="table-wrap"><p class="empty">${text}</p></div>`;
}

/** Renders the inbox for `filter`. */
export async function renderConflictInbox(c: Context, ui: TwoWayUiOptions, filter: ConflictFilter, flash?: Flash, status: ContentfulStatusCode = 200) {
  const conflicts = await ui.twoway.listConflicts({ ...(filter === 'all' ? {} : { status: filter }), limit: SHOWN });
  const issues = await issuesOf(ui, conflicts);
  const body = html`<div class="page-head"><h1>Conflicts</h1></div>
    <p class="muted">A field both sides changed to different values is held here: each side keeps its own value until
      you choose one. Keep local sends this mirror's value to the provider; Keep remote takes the provider's; or enter
      the value both should have (the two edits combined, say).</p>
    ${chips(filter)}
    <div id="conflict-list" class="stack">
      ${conflicts.length === 0 ? empty(filter) : conflicts.map((k) => conflictCard(k, 'inbox', issues.get(k.issue_id)))}
    </div>
    ${conflicts.length === SHOWN ? html`<p class="small muted">Showing the newest ${SHOWN}.</p>` : ''}`;
  return renderPage(c, ui, { title: 'Conflicts', active: 'conflicts', flash }, body, status);
}

export function conflictInboxPage(ui: TwoWayUiOptions) {
  return (c: Context) => {
    const raw = c.req.query('status') ?? 'open';
    if (raw !== 'all' && !(CONFLICT_STATUSES as readonly string[]).includes(raw)) {
      return errorPage(c, ui, 400, 'Bad filter', `unknown status ${raw}; statuses are ${CONFLICT_STATUSES.join(', ')} or all`);
    }
    const done = DONE[c.req.query('done') ?? ''];
    return renderConflictInbox(c, ui, raw as ConflictFilter, done ? { kind: 'notice', message: done } : undefined);
  };
}
