/**
 * The admin UI, mounted at /ui. (Placeholder until the server-rendered views land: it only redirects
 * to the API's job list so the route exists.)
 */
import type { Hono } from 'hono';
import type { JobStore } from '../../jobs/store.ts';
import type { AppEnv } from '../env.ts';

export interface UiOptions {
  jobs: JobStore;
  jobTypes: readonly string[];
  apiToken: string | undefined;
}

export function registerUi(app: Hono<AppEnv>, _options: UiOptions): void {
  app.get('/ui', (c) => c.redirect('/api/jobs', 302));
}
