/**
 * One recorded conflict as the inbox and the issue page show it: the field, then the base, local and
 * remote values side by side as pre-wrapped text (values come from people on either side and may hold
 * markup; they are escaped like everything else), and while it is open the three ways to settle it —
 * Keep local, Keep remote, or a value typed in — as plain POST forms to /ui/conflicts/{id}/resolve.
 * `back` tells that route which page to return to.
 */
import { html } from 'hono/html';
import type { ConflictRow } from '../../twoway/conflict-store.ts';
import type { IssueRow } from '../../twoway/mirror-store.ts';
import { time, type Html } from './format.ts';
import { conflictBadge, externalLink, issueHref } from './issue-format.ts';

export type ConflictBack = 'inbox' | 'issue';

/** A value as text: `null` (no agreed value yet) and the empty string are told apart from text. */
function value(v: string | null, side: string): Html {
  if (v === null) return html`<span class="muted">none: the sides never agreed on a value</span>`;
  if (v === '') return html`<span class="muted">(empty)</span>`;
  return html`<pre class="json" data-value="${side}">${v}</pre>`;
}

function sideBySide(c: ConflictRow): Html {
  return html`<div class="table-wrap"><table class="conflict-values">
    <thead><tr><th>Base <span class="muted">(last agreed)</span></th><th>Local <span class="muted">(this mirror)</span></th><th>Remote <span class="muted">(the provider)</span></th></tr></thead>
    <tbody><tr>
      <td class="wrap" data-side="base">${value(c.base_value, 'base')}</td>
      <td class="wrap" data-side="local">${value(c.local_value, 'local')}</td>
      <td class="wrap" data-side="remote">${value(c.remote_value, 'remote')}</td>
    </tr></tbody>
  </table></div>`;
}

function resolveForms(c: ConflictRow, back: ConflictBack): Html {
  const action = `/ui/conflicts/${c.id}/resolve`;
  const hint = c.field === 'state' ? html` <span class="muted small">(open or closed)</span>` : '';
  // The newline after <textarea> is eaten by the HTML parser, so a value that starts with one keeps it.
  return html`<div class="actions">
      <form method="post" action="${action}">
        <input type="hidden" name="back" value="${back}">
        <button type="submit" name="choice" value="local" data-action="keep-local" title="The provider takes this mirror's value">Keep local</button>
        <button type="submit" name="choice" value="remote" data-action="keep-remote" title="This mirror takes the provider's value">Keep remote</button>
      </form>
    </div>
    <form method="post" action="${action}" class="resolve-value">
      <input type="hidden" name="back" value="${back}">
      <div><label for="conflict-${c.id}-value">Or enter the value both sides should have${hint}:</label></div>
      <textarea id="conflict-${c.id}-value" name="value" rows="${c.field === 'body' ? 8 : 2}" cols="80">
${c.local_value}</textarea>
      <div><button type="submit" class="primary" data-action="use-value">Use this value</button></div>
    </form>`;
}

function outcome(c: ConflictRow): Html | string {
  if (c.status === 'open') return '';
  if (c.status === 'superseded') return html`<p class="small muted">Superseded ${time(c.resolved_at)}: a later merge found the sides had moved on.</p>`;
  return html`<p class="small">Resolved ${time(c.resolved_at)} by <strong>${c.resolution === 'value' ? 'an entered value' : `keeping ${c.resolution ?? '?'}`}</strong>:</p>
    ${value(c.resolved_value, 'resolved')}`;
}

/**
 * The conflict card. `issue`, when given, heads the card with a link to it (the inbox); the issue page
 * leaves it out.
 */
export function conflictCard(c: ConflictRow, back: ConflictBack, issue?: IssueRow): Html {
  return html`<article class="panel conflict" id="conflict-${c.id}" data-conflict-id="${c.id}" data-issue-id="${c.issue_id}" data-field="${c.field}" data-status="${c.status}">
    <h3>
      ${issue
        ? html`<a href="${issueHref(c.issue_id)}">${issue.title}</a> <span class="muted small">issue ${c.issue_id} · ${externalLink(issue)}</span> ·`
        : html`<a href="${issueHref(c.issue_id)}">Issue ${c.issue_id}</a> ·`}
      field <code>${c.field}</code> ${conflictBadge(c.status)}
      <span class="muted small">conflict ${c.id}, recorded ${time(c.created_at)}</span>
    </h3>
    <div class="stack">
      ${sideBySide(c)}
      ${c.status === 'open' ? resolveForms(c, back) : outcome(c)}
    </div>
  </article>`;
}
