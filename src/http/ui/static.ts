/**
 * The UI's static assets (./static/app.css and app.js), read once at start and served with a content
 * hash in their URLs: a new release changes the URL, so browsers may cache each version for long.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Hono } from 'hono';
import type { AppEnv } from '../env.ts';

interface Asset {
  body: string;
  type: string;
  /** The URL pages link to: /ui/static/<name>?v=<hash>. */
  href: string;
}

function load(name: string, type: string): Asset {
  const body = readFileSync(new URL(`./static/${name}`, import.meta.url), 'utf8');
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
  return { body, type, href: `/ui/static/${name}?v=${hash}` };
}

export const ASSETS = {
  'app.css': load('app.css', 'text/css; charset=utf-8'),
  'app.js': load('app.js', 'text/javascript; charset=utf-8'),
} as const satisfies Record<string, Asset>;

export function registerStatic(app: Hono<AppEnv>): void {
  app.get('/ui/static/:name', (c) => {
    const asset = (ASSETS as Record<string, Asset | undefined>)[c.req.param('name')];
    if (!asset) return c.text('not found', 404);
    // Versioned URLs may be cached for a year; an unversioned request gets a short lifetime.
    const immutable = c.req.query('v') === asset.href.split('v=')[1];
    return c.body(asset.body, 200, {
      'Content-Type': asset.type,
      'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'public, max-age=60',
    });
  });
}
