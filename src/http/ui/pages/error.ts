/**
 * The UI's error pages (unknown job, malformed id or filter, unknown page): HTML in the layout with
 * the status the situation calls for, so a bad URL never surfaces as a 500 or as API JSON.
 */
import type { Context } from 'hono';
import { html } from 'hono/html';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { renderPage, type UiContext } from '../page.ts';

export function errorPage(c: Context, ui: UiContext, status: ContentfulStatusCode, title: string, message: string) {
  return renderPage(
    c,
    ui,
    { title },
    html`<h1>${title}</h1>
      <div class="panel"><p>${message}</p><p><a href="/ui/jobs">← Back to jobs</a></p></div>`,
    status,
  );
}

export function notFoundPage(c: Context, ui: UiContext, message = 'There is no page at this address.') {
  return errorPage(c, ui, 404, 'Not found', message);
}
