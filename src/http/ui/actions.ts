/**
 * POST /ui/jobs/{id}/cancel|retry|replay: the job controls behind the UI's buttons. Each calls the job
 * store and answers 303 to the job's page (for replay, the new job's), so a reload never repeats the
 * action. A refused control re-renders the job with the store's message and 409; no such job is 404.
 */
import type { Context, Hono } from 'hono';
import { JobNotFound, JobStateError } from '../../jobs/errors.ts';
import type { AppEnv } from '../env.ts';
import { jobHref } from './format.ts';
import type { UiOptions } from './index.ts';
import { JOB_ACTIONS, type JobAction } from './job-actions.ts';
import { notFoundPage } from './pages/error.ts';
import { renderJobDetail } from './pages/job-detail.ts';
import { parseJobId } from './params.ts';

async function perform(ui: UiOptions, id: number, action: JobAction): Promise<string> {
  switch (action) {
    case 'cancel':
      await ui.jobs.cancel(id, 'cancelled from the admin UI');
      return `${jobHref(id)}?done=cancelled`;
    case 'retry':
      await ui.jobs.retry(id);
      return `${jobHref(id)}?done=retried`;
    case 'replay': {
      const { job } = await ui.jobs.replay(id);
      return `${jobHref(job.id)}?done=replayed`;
    }
  }
}

export function registerActions(app: Hono<AppEnv>, ui: UiOptions): void {
  app.post('/ui/jobs/:id/:action', async (c: Context) => {
    const action = c.req.param('action') as JobAction;
    const id = parseJobId(c.req.param('id'));
    if (id === undefined || !JOB_ACTIONS.includes(action)) return notFoundPage(c, ui);
    try {
      return c.redirect(await perform(ui, id, action), 303);
    } catch (err) {
      if (err instanceof JobNotFound) return notFoundPage(c, ui, `There is no job ${id}.`);
      if (err instanceof JobStateError) return renderJobDetail(c, ui, id, { kind: 'error', message: err.message }, 409);
      throw err;
    }
  });
}
