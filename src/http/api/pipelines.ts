/**
 * The pipelines API: create (validated, secrets stored but only ever returned as "********"), list,
 * show, start a run (the pipeline's `pipeline_run` job; one active per pipeline), list runs, a run with
 * its per-stream progress, cancel a run. Every rule lives in PipelineService; this file maps HTTP onto it.
 */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { PipelineService } from '../../sync/pipelines.ts';
import type { AppEnv } from '../env.ts';
import { asBodyError } from './body-error.ts';
import {
  CreatePipelineBody,
  PipelineListSchema,
  PipelineRefParam,
  PipelineSchema,
  RunDetailSchema,
  RunIdParam,
  RunListSchema,
  RunsQuery,
  StartRunSchema,
  pipelineJson,
  pipelineSummaryJson,
  runDetailJson,
  runJson,
} from './pipeline-schemas.ts';
import { ErrorSchema } from './schemas.ts';
import { jobJson } from './serialize.ts';

const json = <T>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });
const errors = {
  401: json(ErrorSchema, 'Missing or wrong API token'),
  404: json(ErrorSchema, 'No such pipeline or run'),
  422: json(ErrorSchema, 'Invalid field (named in details)'),
};

const create = createRoute({
  method: 'post',
  path: '/api/pipelines',
  tags: ['pipelines'],
  summary: 'Create a pipeline (each connector config is validated against that connector’s schema)',
  request: { body: { content: { 'application/json': { schema: CreatePipelineBody } }, required: true } },
  responses: {
    201: json(PipelineSchema, 'Created; secrets redacted'),
    400: json(ErrorSchema, 'Malformed JSON'),
    409: json(ErrorSchema, 'A pipeline with this name exists'),
    413: json(ErrorSchema, 'Body too large'),
    415: json(ErrorSchema, 'Body is not JSON'),
    ...errors,
  },
});

const list = createRoute({
  method: 'get',
  path: '/api/pipelines',
  tags: ['pipelines'],
  summary: 'List pipelines with their last run',
  responses: { 200: json(PipelineListSchema, 'Every pipeline, oldest first'), ...errors },
});

const get = createRoute({
  method: 'get',
  path: '/api/pipelines/{ref}',
  tags: ['pipelines'],
  summary: 'A pipeline, by id or name',
  request: { params: PipelineRefParam },
  responses: { 200: json(PipelineSchema, 'The pipeline; secrets redacted'), ...errors },
});

const start = createRoute({
  method: 'post',
  path: '/api/pipelines/{ref}/runs',
  tags: ['runs'],
  summary: 'Start a run: enqueues the pipeline’s run job (poll GET /api/jobs/{id}; its run appears once a worker starts it)',
  request: { params: PipelineRefParam },
  responses: {
    202: json(StartRunSchema, 'Enqueued'),
    200: json(StartRunSchema, 'A run of this pipeline is already active: its job'),
    415: json(ErrorSchema, 'Body is not JSON'),
    ...errors,
  },
});

const runs = createRoute({
  method: 'get',
  path: '/api/pipelines/{ref}/runs',
  tags: ['runs'],
  summary: 'Runs of a pipeline, newest first',
  request: { params: PipelineRefParam, query: RunsQuery },
  responses: { 200: json(RunListSchema, 'The runs'), ...errors },
});

const run = createRoute({
  method: 'get',
  path: '/api/runs/{id}',
  tags: ['runs'],
  summary: 'A run with the progress of each stream',
  request: { params: RunIdParam },
  responses: { 200: json(RunDetailSchema, 'The run'), ...errors },
});

const cancel = createRoute({
  method: 'post',
  path: '/api/runs/{id}/cancel',
  tags: ['runs'],
  summary: 'Cancel a run: its active stream jobs and its own job (a finished run is returned as it is)',
  request: { params: RunIdParam },
  responses: { 200: json(RunDetailSchema, 'The run'), 415: json(ErrorSchema, 'Body is not JSON'), ...errors },
});

export function registerPipelineRoutes(app: OpenAPIHono<AppEnv>, pipelines: PipelineService): void {
  app.openapi(create, async (c) => {
    const pipeline = await pipelines.create(c.req.valid('json')).catch((err: unknown) => {
      throw asBodyError(err);
    });
    c.header('Location', `/api/pipelines/${pipeline.id}`);
    return c.json(pipelineJson(pipeline), 201);
  });

  app.openapi(list, async (c) => c.json({ data: (await pipelines.list()).map(pipelineSummaryJson) }, 200));

  app.openapi(get, async (c) => c.json(pipelineJson(await pipelines.get(c.req.valid('param').ref)), 200));

  app.openapi(start, async (c) => {
    const { job, created } = await pipelines.start(c.req.valid('param').ref, 'api');
    c.header('Location', `/api/jobs/${job.id}`);
    return c.json({ job: jobJson(job), created }, created ? 202 : 200);
  });

  app.openapi(runs, async (c) => {
    const list = await pipelines.runs(c.req.valid('param').ref, c.req.valid('query').limit);
    return c.json({ data: list.map(runJson) }, 200);
  });

  app.openapi(run, async (c) => c.json(runDetailJson(await pipelines.run(Number(c.req.valid('param').id))), 200));

  app.openapi(cancel, async (c) => c.json(runDetailJson(await pipelines.cancelRun(Number(c.req.valid('param').id))), 200));
}
