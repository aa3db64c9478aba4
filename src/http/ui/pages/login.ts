/**
 * The sign-in page: one password field for the API token and the page to return to. Rendered again
 * with 401 and "invalid token" after a wrong one; the token itself is never echoed back.
 */
import type { Context } from 'hono';
import { html } from 'hono/html';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { renderPage, type UiContext } from '../page.ts';

export function loginPage(c: Context, ui: UiContext, next: string, error?: string, status: ContentfulStatusCode = 200) {
  const body = html`<div class="login panel">
    <h1>Sign in</h1>
    <p class="muted small">This SyncBridge is protected by an API token (<code>SYNCBRIDGE_API_TOKEN</code>).</p>
    <form method="post" action="/ui/login">
      ${error ? html`<div class="flash flash-error" role="alert">${error}</div>` : ''}
      <label>API token <input type="password" name="token" required autofocus autocomplete="current-password"></label>
      <input type="hidden" name="next" value="${next}">
      <button type="submit" class="primary">Sign in</button>
    </form>
  </div>`;
  return renderPage(c, ui, { title: 'Sign in', bare: true }, body, status);
}
