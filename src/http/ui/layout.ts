/**
 * The page frame every UI page shares: head with the stylesheet and script, the top bar with
 * navigation, an optional flash message, and the page's own markup. The title and flash are data, so
 * they go through `html` escaping like everything else.
 */
import { html } from 'hono/html';
import type { Html } from './format.ts';
import { ASSETS } from './static.ts';

export type NavItem = 'jobs' | 'pipelines' | 'issues' | 'conflicts' | 'connections' | 'dead';

export interface Flash {
  kind: 'error' | 'notice';
  message: string;
}

export interface LayoutOptions {
  title: string;
  active?: NavItem;
  /** Re-fetch the page's live regions every this many seconds (a meta refresh without JavaScript). */
  refreshSeconds?: number;
  /** Show the sign-out button (only when an API token protects the UI). */
  signOut?: boolean;
  /** Link to the pipeline pages (only when the deployment has pipelines). */
  pipelines?: boolean;
  /** Link to the two-way sync pages (only when the deployment has two-way sync). */
  twoway?: boolean;
  /** Hide the navigation (the login page). */
  bare?: boolean;
  flash?: Flash | undefined;
}

const NAV: { id: NavItem; label: string; href: string; needs?: 'pipelines' | 'twoway' }[] = [
  { id: 'jobs', label: 'Jobs', href: '/ui/jobs' },
  { id: 'pipelines', label: 'Pipelines', href: '/ui/pipelines', needs: 'pipelines' },
  { id: 'issues', label: 'Issues', href: '/ui/issues', needs: 'twoway' },
  { id: 'conflicts', label: 'Conflicts', href: '/ui/conflicts', needs: 'twoway' },
  { id: 'connections', label: 'Connections', href: '/ui/connections', needs: 'twoway' },
  { id: 'dead', label: 'Dead letters', href: '/ui/dead' },
];

function nav(active: NavItem | undefined, signOut: boolean, has: { pipelines: boolean; twoway: boolean }): Html {
  const items = NAV.filter((n) => n.needs === undefined || has[n.needs]);
  return html`<nav aria-label="Main">
      ${items.map((n) => html`<a href="${n.href}"${n.id === active ? html` aria-current="page"` : ''}>${n.label}</a>`)}
      <a href="/docs">API docs</a>
      <a href="/metrics">Metrics</a>
    </nav>
    ${signOut
      ? html`<form method="post" action="/ui/logout"><button type="submit" class="link-button">Sign out</button></form>`
      : ''}`;
}

export function flashMessage(flash: Flash | undefined): Html | string {
  if (!flash) return '';
  return html`<div class="flash flash-${flash.kind}" role="${flash.kind === 'error' ? 'alert' : 'status'}">${flash.message}</div>`;
}

export function layout(options: LayoutOptions, body: Html): Html {
  const refresh = options.refreshSeconds && options.refreshSeconds > 0 ? options.refreshSeconds : undefined;
  return html`<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${options.title} · SyncBridge</title>
  <link rel="stylesheet" href="${ASSETS['app.css'].href}">
  <script src="${ASSETS['app.js'].href}" defer></script>
  ${refresh ? html`<noscript><meta http-equiv="refresh" content="${refresh}"></noscript>` : ''}
</head>
<body${refresh ? html` data-refresh="${refresh}"` : ''}>
  <header class="topbar">
    <a class="brand" href="/ui/jobs">SyncBridge</a>
    ${options.bare ? '' : nav(options.active, options.signOut ?? false, { pipelines: options.pipelines ?? false, twoway: options.twoway ?? false })}
  </header>
  <main>
    ${flashMessage(options.flash)}
    ${body}
  </main>
</body>
</html>`;
}
