/**
 * Turning a page's markup into a response: the layout around it, the status, and the options every
 * page shares (the sign-out button appears only when an API token protects the UI, the Pipelines link
 * only when the deployment has pipelines, the two-way sync links only when it has two-way sync).
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Html } from './format.ts';
import { layout, type LayoutOptions } from './layout.ts';

export interface UiContext {
  apiToken: string | undefined;
  /** Set when this deployment has pipelines: the navigation then links to them. */
  pipelines?: unknown;
  /** Set when this deployment has two-way sync: the navigation then links to its pages. */
  twoway?: unknown;
}

export function renderPage(
  c: Context,
  ui: UiContext,
  options: Omit<LayoutOptions, 'signOut' | 'pipelines' | 'twoway'>,
  body: Html,
  status: ContentfulStatusCode = 200,
): Response | Promise<Response> {
  return c.html(layout({ ...options, signOut: Boolean(ui.apiToken) && !options.bare, pipelines: Boolean(ui.pipelines), twoway: Boolean(ui.twoway) }, body), status);
}
