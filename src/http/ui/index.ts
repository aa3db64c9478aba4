/**
 * The admin UI, mounted at /ui: server-rendered HTML (hono/html, every value escaped), plain forms
 * for the job and run controls, one stylesheet and one optional script under /ui/static. Auth is the
 * app's middleware (it sends signed-out visitors to /ui/login); this adds same-origin POSTs and a strict
 * CSP. The pipeline pages exist only when the app is given a PipelineService, the two-way sync pages
 * (issues, conflicts, connections) only when it is given a TwoWayService.
 */
import type { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { JobStore } from '../../jobs/store.ts';
import type { PipelineService } from '../../sync/pipelines.ts';
import type { TwoWayService } from '../../twoway/service.ts';
import type { AppEnv } from '../env.ts';
import { registerActions } from './actions.ts';
import { notFoundPage } from './pages/error.ts';
import { deadLettersPage } from './pages/dead.ts';
import { jobDetailPage } from './pages/job-detail.ts';
import { jobsListPage } from './pages/jobs-list.ts';
import { registerPipelineUi } from './pipelines.ts';
import { sameOriginPosts, uiHeaders } from './security.ts';
import { registerSession } from './session.ts';
import { registerStatic } from './static.ts';
import { registerTwoWayUi } from './twoway.ts';

export interface UiOptions {
  jobs: JobStore;
  jobTypes: readonly string[];
  apiToken: string | undefined;
  /** Pipelines, runs and their progress under /ui/pipelines and /ui/runs when given. */
  pipelines?: PipelineService | undefined;
  /** Mirrored issues, conflicts and connections under /ui/issues, /ui/conflicts and /ui/connections when given. */
  twoway?: TwoWayService | undefined;
}

export function registerUi(app: Hono<AppEnv>, options: UiOptions): void {
  // '/ui/*' covers '/ui' itself too.
  app.use('/ui/*', uiHeaders(), sameOriginPosts(), bodyLimit({ maxSize: 64 * 1024, onError: (c) => c.text('request body too large', 413) }));
  registerStatic(app);
  registerSession(app, options.apiToken);

  app.get('/ui', (c) => c.redirect('/ui/jobs', 302));
  app.get('/ui/', (c) => c.redirect('/ui/jobs', 302));
  app.get('/ui/jobs', jobsListPage(options));
  app.get('/ui/jobs/:id', jobDetailPage(options));
  app.get('/ui/dead', deadLettersPage(options));
  registerActions(app, options);
  if (options.pipelines) registerPipelineUi(app, { ...options, pipelines: options.pipelines });
  if (options.twoway) registerTwoWayUi(app, { ...options, twoway: options.twoway });

  // Registered last: UI routes added after registerUi would be shadowed by this.
  app.all('/ui/*', (c) => notFoundPage(c, options));
}
