/**
 * Small renderers shared by the two-way sync pages: status badges for mirrored issues, outbox entries
 * and conflicts (borrowing the job badges' colours), links to an issue here and on its provider, and
 * compact JSON. Everything is built with `html`, so values from the provider are escaped; a provider URL
 * is linked only when it is http(s), never as a `javascript:` or other scheme.
 */
import { html } from 'hono/html';
import type { ConflictStatus } from '../../twoway/conflict-store.ts';
import type { IssueRow, SyncStatus } from '../../twoway/mirror-store.ts';
import type { OutboxStatus } from '../../twoway/outbox.ts';
import { badge, type Html } from './format.ts';

export const SYNC_STATUSES: readonly SyncStatus[] = ['synced', 'pending', 'conflict', 'error'];
export const CONFLICT_STATUSES: readonly ConflictStatus[] = ['open', 'resolved', 'superseded'];

const SYNC_STYLE: Record<SyncStatus, string> = { synced: 'succeeded', pending: 'pending', conflict: 'retry', error: 'failed' };
const OUTBOX_STYLE: Record<OutboxStatus, string> = { pending: 'pending', sent: 'succeeded', dead: 'dead' };
const CONFLICT_STYLE: Record<ConflictStatus, string> = { open: 'retry', resolved: 'succeeded', superseded: 'cancelled' };

export const syncBadge = (s: SyncStatus): Html => badge(s, SYNC_STYLE[s] ?? s);
export const outboxBadge = (s: OutboxStatus): Html => badge(s, OUTBOX_STYLE[s] ?? s);
export const conflictBadge = (s: ConflictStatus): Html => badge(s, CONFLICT_STYLE[s] ?? s);

export function issueHref(id: number): string {
  return `/ui/issues/${id}`;
}

/** A provider URL fit for an href: absolute http or https only. */
export function safeUrl(url: string | null | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : undefined;
  } catch {
    return undefined;
  }
}

/** The issue's number on the provider, linked to its page there when the URL is safe to link. */
export function externalLink(issue: Pick<IssueRow, 'external_id' | 'url'>): Html {
  if (issue.external_id === null) return html`<span class="muted" title="created here; not on the provider yet">—</span>`;
  const href = safeUrl(issue.url);
  return href ? html`<a href="${href}" rel="noreferrer" data-external-id="${issue.external_id}">#${issue.external_id}</a>` : html`#${issue.external_id}`;
}

/** One line of JSON (wrapping where it must); null and absent values show as a dash. */
export function compactJson(value: unknown): Html {
  if (value === null || value === undefined) return html`<span class="muted">—</span>`;
  return html`<code class="json-compact">${JSON.stringify(value)}</code>`;
}

export function labelList(labels: readonly string[]): Html {
  if (labels.length === 0) return html`<span class="muted">—</span>`;
  return html`<ul class="inline-list">${labels.map((l) => html`<li><code>${l}</code></li>`)}</ul>`;
}
