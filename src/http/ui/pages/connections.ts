/**
 * GET /ui/connections: every two-way connection — name, provider, repository, the webhook path to give
 * the provider, the polling period, when it last polled, and how many webhooks it refused (bad or
 * missing signature) — with Poll now. Configs come from the service already redacted; only the
 * repository and the API root are shown, never a secret field.
 */
import type { Context } from 'hono';
import { html } from 'hono/html';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ConnectionView } from '../../../twoway/service.ts';
import { count, elapsed, time, type Html } from '../format.ts';
import type { Flash } from '../layout.ts';
import { renderPage } from '../page.ts';
import type { TwoWayUiOptions } from '../twoway.ts';

type ConnectionRow = ConnectionView & { rejected_webhooks: number };

/** Fixed messages for ?done=…: the URL picks one, it never supplies the text. */
const DONE: Record<string, string> = {
  polled: 'Poll queued: a worker asks the provider for the issues changed since the last poll.',
  polling: 'A poll of this connection is already queued or running; no second one was started.',
};

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** The API root without any user:password part a URL may carry. */
function apiRoot(v: unknown): string | undefined {
  const raw = text(v);
  if (raw === undefined) return undefined;
  try {
    const u = new URL(raw);
    u.username = '';
    u.password = '';
    return `${u.origin}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return undefined;
  }
}

function row(k: ConnectionRow): Html {
  const repo = text(k.config.repo);
  const baseUrl = apiRoot(k.config.base_url);
  return html`<tr data-connection-id="${k.id}" data-connection-name="${k.name}">
    <td class="wrap"><a href="/ui/issues?connection=${k.id}" title="Its mirrored issues">${k.name}</a></td>
    <td>${k.provider}</td>
    <td class="wrap">${repo ? html`<code>${repo}</code>` : html`<span class="muted">—</span>`}${baseUrl ? html`<div class="small muted">${baseUrl}</div>` : ''}</td>
    <td class="wrap"><code>${k.webhook_path}</code></td>
    <td class="num">${elapsed(k.poll_interval_seconds * 1000)}</td>
    <td class="time">${time(k.last_polled_at)}</td>
    <td class="num" data-rejected="${k.rejected_webhooks}">${count(k.rejected_webhooks)}</td>
    <td><form method="post" action="/ui/connections/${k.id}/poll"><button type="submit" class="small" data-action="poll" title="Ask the provider for changed issues now">Poll now</button></form></td>
  </tr>`;
}

function table(connections: ConnectionRow[]): Html {
  if (connections.length === 0) {
    return html`<div class="table-wrap"><p class="empty">No connections yet. Create one through the API or the CLI; it appears here.</p></div>`;
  }
  return html`<div class="table-wrap"><table class="connections">
    <thead><tr>
      <th>Name</th><th>Provider</th><th>Repository</th><th>Webhook path</th><th class="num">Poll every</th><th>Last polled (UTC)</th><th class="num">Refused webhooks</th><th>Actions</th>
    </tr></thead>
    <tbody>${connections.map(row)}</tbody>
  </table></div>`;
}

export async function renderConnections(c: Context, ui: TwoWayUiOptions, flash?: Flash, status: ContentfulStatusCode = 200) {
  const list = await ui.twoway.listConnections();
  // The list does not count refused webhooks; each connection's own view does.
  const connections = await Promise.all(list.map(async (k) => ({ ...k, rejected_webhooks: (await ui.twoway.getConnection(k.id)).rejected_webhooks })));
  const body = html`<div class="page-head"><h1>Connections</h1></div>
    <p class="muted">Each connection mirrors the issues of one repository. Point the provider's webhook at this
      server's address plus the webhook path; polling catches whatever webhooks miss.</p>
    ${table(connections)}`;
  return renderPage(c, ui, { title: 'Connections', active: 'connections', flash }, body, status);
}

export function connectionsPage(ui: TwoWayUiOptions) {
  return (c: Context) => {
    const done = DONE[c.req.query('done') ?? ''];
    return renderConnections(c, ui, done ? { kind: 'notice', message: done } : undefined);
  };
}
