/**
 * The two-way sync pages and their controls: GET /ui/conflicts, /ui/issues, /ui/issues/{id} and
 * /ui/connections; POST /ui/conflicts/{id}/resolve (Keep local, Keep remote or a value),
 * /ui/issues/{id}/outbox/{entry}/replay and /ui/connections/{id}/poll. Each control answers 303 to the
 * page that shows its effect, so a reload never repeats it; one the service refuses (a conflict already
 * resolved or gone stale, an entry that is not dead, a bad value) re-renders that page with the
 * service's message and 409 or 400. The POSTs pass the same-origin guard that covers all of /ui.
 */
import type { Context, Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { Conflict, NotFound, ValidationError } from '../../protocol/errors.ts';
import type { TwoWayService } from '../../twoway/service.ts';
import type { AppEnv } from '../env.ts';
import type { ConflictBack } from './conflict-view.ts';
import type { UiOptions } from './index.ts';
import { issueHref } from './issue-format.ts';
import type { Flash } from './layout.ts';
import { conflictInboxPage, renderConflictInbox } from './pages/conflicts.ts';
import { connectionsPage, renderConnections } from './pages/connections.ts';
import { notFoundPage } from './pages/error.ts';
import { issueDetailPage, renderIssueDetail } from './pages/issue-detail.ts';
import { issuesListPage } from './pages/issues-list.ts';
import { parseJobId } from './params.ts';

export type TwoWayUiOptions = UiOptions & { twoway: TwoWayService };

type Resolution = { choice: 'local' | 'remote' } | { value: string };

/** The resolution a form sent: a side from the Keep buttons, or the typed value. */
function resolutionOf(form: Record<string, unknown>): Resolution | undefined {
  if (form.choice === 'local' || form.choice === 'remote') return { choice: form.choice };
  // Browsers send a textarea's line breaks as CRLF; the issue's text uses LF like the providers do.
  if (typeof form.value === 'string') return { value: form.value.replace(/\r\n?/g, '\n') };
  return undefined;
}

/** A refusal the page explains (409 for a state that moved on, 400 for a bad value), or undefined. */
function refusal(err: unknown): { flash: Flash; status: ContentfulStatusCode } | undefined {
  if (err instanceof Conflict) return { flash: { kind: 'error', message: err.message }, status: 409 };
  if (err instanceof ValidationError) return { flash: { kind: 'error', message: err.message }, status: 400 };
  return undefined;
}

export function registerTwoWayUi(app: Hono<AppEnv>, ui: TwoWayUiOptions): void {
  app.get('/ui/conflicts', conflictInboxPage(ui));
  app.get('/ui/issues', issuesListPage(ui));
  app.get('/ui/issues/:id', issueDetailPage(ui));
  app.get('/ui/connections', connectionsPage(ui));

  app.post('/ui/conflicts/:id/resolve', async (c: Context) => {
    const id = parseJobId(c.req.param('id'));
    if (id === undefined) return notFoundPage(c, ui);
    const form = await c.req.parseBody();
    const back: ConflictBack = form.back === 'issue' ? 'issue' : 'inbox';
    try {
      const input = resolutionOf(form);
      if (!input) throw new ValidationError('choose Keep local or Keep remote, or enter a value');
      const { conflict } = await ui.twoway.resolveConflict(id, input);
      return c.redirect(back === 'issue' ? `${issueHref(conflict.issue_id)}?done=resolved` : '/ui/conflicts?done=resolved', 303);
    } catch (err) {
      if (err instanceof NotFound) return notFoundPage(c, ui, `There is no conflict ${id}.`);
      const refused = refusal(err);
      if (!refused) throw err;
      if (back === 'inbox') return renderConflictInbox(c, ui, 'open', refused.flash, refused.status);
      const conflict = await ui.twoway.getConflict(id);
      return renderIssueDetail(c, ui, conflict.issue_id, refused.flash, refused.status);
    }
  });

  app.post('/ui/issues/:issue/outbox/:id/replay', async (c: Context) => {
    const issueId = parseJobId(c.req.param('issue'));
    const id = parseJobId(c.req.param('id'));
    if (issueId === undefined || id === undefined) return notFoundPage(c, ui);
    try {
      const entry = await ui.twoway.replayOutbox(id);
      return c.redirect(`${issueHref(entry.issue_id)}?done=replayed`, 303);
    } catch (err) {
      if (err instanceof NotFound) return notFoundPage(c, ui, `There is no outbox entry ${id}.`);
      const refused = refusal(err);
      if (!refused) throw err;
      return renderIssueDetail(c, ui, issueId, refused.flash, refused.status);
    }
  });

  app.post('/ui/connections/:id/poll', async (c: Context) => {
    const id = parseJobId(c.req.param('id'));
    if (id === undefined) return notFoundPage(c, ui);
    try {
      const { created } = await ui.twoway.poll(id);
      return c.redirect(`/ui/connections?done=${created ? 'polled' : 'polling'}`, 303);
    } catch (err) {
      if (err instanceof NotFound) return notFoundPage(c, ui, `There is no connection ${id}.`);
      const refused = refusal(err);
      if (!refused) throw err;
      return renderConnections(c, ui, refused.flash, refused.status);
    }
  });
}
