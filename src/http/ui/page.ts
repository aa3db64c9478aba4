/**
 * Turning a page's markup into a response: the layout around it, the status, and the options every
 * page shares (the sign-out button appears only when an API token protects the UI).
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Html } from './format.ts';
import { layout, type LayoutOptions } from './layout.ts';

export interface UiContext {
  apiToken: string | undefined;
}

export function renderPage(
  c: Context,
  ui: UiContext,
  options: Omit<LayoutOptions, 'signOut'>,
  body: Html,
  status: ContentfulStatusCode = 200,
): Response | Promise<Response> {
  return c.html(layout({ ...options, signOut: Boolean(ui.apiToken) && !options.bare }, body), status);
}
