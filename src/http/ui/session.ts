/**
 * Signing in and out of the UI when an API token is configured: POST /ui/login checks the token in
 * constant time and sets it as an httpOnly, SameSite=Strict cookie (what the auth middleware reads),
 * then returns to `next` — only ever a path under /ui, so the form cannot be used as an open redirect.
 */
import type { Context, Hono } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import type { AppEnv } from '../env.ts';
import { AUTH_COOKIE, tokensEqual } from '../middleware/auth.ts';
import { loginPage } from './pages/login.ts';

const HOME = '/ui/jobs';

/** `next` if it is a path under /ui on this site, else the jobs page. */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || next.length > 2000) return HOME;
  // '/ui' then the end, '/', '?' or '#'; no backslashes or control characters that browsers rewrite.
  if (!/^\/ui(?:[/?#]|$)/.test(next) || /[\\\s\p{Cc}]/u.test(next)) return HOME;
  if (next.startsWith('/ui/login')) return HOME;
  return next;
}

export function registerSession(app: Hono<AppEnv>, apiToken: string | undefined): void {
  const ui = { apiToken };

  app.get('/ui/login', (c) => {
    if (!apiToken) return c.redirect(HOME, 302);
    return loginPage(c, ui, safeNext(c.req.query('next')));
  });

  app.post('/ui/login', async (c) => {
    if (!apiToken) return c.redirect(HOME, 303);
    const form = await c.req.parseBody();
    const next = safeNext(form.next);
    const token = typeof form.token === 'string' ? form.token : '';
    if (!token || !tokensEqual(token, apiToken)) return loginPage(c, ui, next, 'invalid token', 401);
    setCookie(c, AUTH_COOKIE, apiToken, {
      httpOnly: true,
      sameSite: 'Strict',
      path: '/',
      secure: isHttps(c),
    });
    return c.redirect(next, 303);
  });

  app.post('/ui/logout', (c) => {
    deleteCookie(c, AUTH_COOKIE, { path: '/', secure: isHttps(c) });
    return c.redirect('/ui/login', 303);
  });
}

function isHttps(c: Context): boolean {
  return new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https';
}
