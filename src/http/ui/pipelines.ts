/**
 * The pipeline pages and their controls: GET /ui/pipelines, /ui/pipelines/{id or name} and /ui/runs/{id};
 * POST /ui/pipelines/{ref}/run (Run now) and /ui/runs/{id}/cancel. Each control answers 303 to the page
 * that shows its effect, so a reload never repeats it; the POSTs pass the same same-origin guard as the
 * job controls (security.ts covers all of /ui). Everything shown comes from the PipelineService, whose
 * pipelines are already redacted.
 */
import type { Context, Hono } from 'hono';
import { NotFound } from '../../protocol/errors.ts';
import type { PipelineService } from '../../sync/pipelines.ts';
import type { AppEnv } from '../env.ts';
import { pipelineHref, runHref } from './format.ts';
import type { UiOptions } from './index.ts';
import { notFoundPage } from './pages/error.ts';
import { pipelineDetailPage } from './pages/pipeline-detail.ts';
import { pipelinesListPage } from './pages/pipelines-list.ts';
import { renderRunDetail, runDetailPage } from './pages/run-detail.ts';
import { parsePipelineRef, parseRunId } from './params.ts';
import { isActive } from './run-table.ts';

export type PipelineUiOptions = UiOptions & { pipelines: PipelineService };

export function registerPipelineUi(app: Hono<AppEnv>, ui: PipelineUiOptions): void {
  app.get('/ui/pipelines', pipelinesListPage(ui));
  app.get('/ui/pipelines/:ref', pipelineDetailPage(ui));
  app.get('/ui/runs/:id', runDetailPage(ui));

  app.post('/ui/pipelines/:ref/run', async (c: Context) => {
    const ref = parsePipelineRef(c.req.param('ref'));
    if (ref === undefined) return notFoundPage(c, ui);
    try {
      const { created, pipeline } = await ui.pipelines.start(ref, 'manual');
      return c.redirect(`${pipelineHref(pipeline.id)}?done=${created ? 'started' : 'active'}`, 303);
    } catch (err) {
      if (err instanceof NotFound) return notFoundPage(c, ui, `There is no pipeline ${ref}.`);
      throw err;
    }
  });

  app.post('/ui/runs/:id/cancel', async (c: Context) => {
    const id = parseRunId(c.req.param('id'));
    if (id === undefined) return notFoundPage(c, ui);
    let status: string;
    try {
      status = (await ui.pipelines.run(id)).status;
    } catch (err) {
      if (err instanceof NotFound) return notFoundPage(c, ui, `There is no run ${id}.`);
      throw err;
    }
    if (!isActive(status)) {
      return renderRunDetail(c, ui, id, { kind: 'error', message: `This run is ${status}: only a pending or running run can be cancelled.` }, 409);
    }
    await ui.pipelines.cancelRun(id);
    return c.redirect(`${runHref(id)}?done=cancelled`, 303);
  });
}
