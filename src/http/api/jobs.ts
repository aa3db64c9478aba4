/**
 * The jobs API: enqueue (typed shorthand and generic), list with keyset pagination, one job with its
 * attempts, and the controls cancel / retry / replay. Wrong states come back as 409 from the typed
 * JobStateError; nothing here decides state rules itself.
 */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { JobStore } from '../../jobs/store.ts';
import type { EnqueueInput } from '../../jobs/types.ts';
import { HttpError } from '../errors.ts';
import type { AppEnv } from '../env.ts';
import {
  CancelBody,
  EnqueueSchema,
  ErrorSchema,
  IdParam,
  JobListSchema,
  JobSchema,
  JobTypeParam,
  JobWithAttemptsSchema,
  ListQuery,
  ReplayBody,
  TypedEnqueueSchema,
} from './schemas.ts';
import { jobJson, jobWithAttemptsJson } from './serialize.ts';

const json = <T>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });
const errors = {
  400: json(ErrorSchema, 'Malformed request'),
  401: json(ErrorSchema, 'Missing or wrong API token'),
  404: json(ErrorSchema, 'No such job or job type'),
  409: json(ErrorSchema, 'The job is in a state that does not allow this'),
  413: json(ErrorSchema, 'Body too large'),
  415: json(ErrorSchema, 'Body is not JSON'),
  422: json(ErrorSchema, 'Invalid field'),
};

const enqueueTyped = createRoute({
  method: 'post',
  path: '/api/jobs/{job_type}',
  tags: ['jobs'],
  summary: 'Enqueue a job of this type (e.g. customer, invoice)',
  request: { params: JobTypeParam, body: { content: { 'application/json': { schema: TypedEnqueueSchema } }, required: true } },
  responses: { 201: json(JobSchema, 'Created'), 200: json(JobSchema, 'An active job for this entity already exists: that job'), ...errors },
});

const enqueueGeneric = createRoute({
  method: 'post',
  path: '/api/jobs',
  tags: ['jobs'],
  summary: 'Enqueue a job',
  request: { body: { content: { 'application/json': { schema: EnqueueSchema } }, required: true } },
  responses: { 201: json(JobSchema, 'Created'), 200: json(JobSchema, 'An active job for this entity already exists: that job'), ...errors },
});

const list = createRoute({
  method: 'get',
  path: '/api/jobs',
  tags: ['jobs'],
  summary: 'List jobs, newest first (keyset pagination: pass next_cursor as cursor)',
  request: { query: ListQuery },
  responses: { 200: json(JobListSchema, 'A page of jobs'), ...errors },
});

const get = createRoute({
  method: 'get',
  path: '/api/jobs/{id}',
  tags: ['jobs'],
  summary: 'A job with its attempts',
  request: { params: IdParam },
  responses: { 200: json(JobWithAttemptsSchema, 'The job'), ...errors },
});

const idRoute = (action: string, summary: string) => ({
  method: 'post' as const,
  path: `/api/jobs/{id}/${action}`,
  tags: ['jobs'],
  summary,
});

const cancel = createRoute({
  ...idRoute('cancel', 'Cancel a pending or running job'),
  request: { params: IdParam, body: { content: { 'application/json': { schema: CancelBody } }, required: false } },
  responses: { 200: json(JobSchema, 'The cancelled job'), ...errors },
});

const retry = createRoute({
  ...idRoute('retry', 'Retry a failed job (keeps its attempts, adds new ones)'),
  request: { params: IdParam },
  responses: { 200: json(JobSchema, 'The job, pending again'), ...errors },
});

const replay = createRoute({
  ...idRoute('replay', 'Create a new job from a finished one, linked to it and its last attempt'),
  request: { params: IdParam, body: { content: { 'application/json': { schema: ReplayBody } }, required: false } },
  responses: { 201: json(JobSchema, 'The new job'), ...errors },
});

export interface JobsApiOptions {
  jobs: JobStore;
  /** Job types a worker of this deployment runs; enqueueing any other is refused. */
  jobTypes: readonly string[];
}

function toInput(jobType: string, body: Record<string, unknown>): EnqueueInput {
  return {
    jobType,
    entityId: body.entity_id as string,
    ...(body.payload !== undefined ? { payload: body.payload } : {}),
    ...(body.priority !== undefined ? { priority: body.priority as number } : {}),
    ...(body.run_at !== undefined ? { runAt: new Date(body.run_at as string) } : {}),
    ...(body.max_retries !== undefined ? { maxRetries: body.max_retries as number } : {}),
    ...(body.correlation_id !== undefined ? { correlationId: body.correlation_id as string } : {}),
    ...(body.idempotency_key !== undefined ? { idempotencyKey: body.idempotency_key as string } : {}),
  };
}

export function registerJobRoutes(app: OpenAPIHono<AppEnv>, { jobs, jobTypes }: JobsApiOptions): void {
  const known = new Set(jobTypes);
  const enqueue = async (jobType: string, body: Record<string, unknown>, where: 'path' | 'body') => {
    if (!known.has(jobType)) {
      const message = `unknown job type ${JSON.stringify(jobType)}; known types: ${[...known].join(', ') || 'none'}`;
      if (where === 'path') throw new HttpError(404, 'unknown_job_type', message);
      throw new HttpError(422, 'validation_error', message, [{ field: 'job_type', location: 'body', message }]);
    }
    return jobs.enqueue(toInput(jobType, body));
  };

  app.openapi(enqueueTyped, async (c) => {
    const { job, created } = await enqueue(c.req.valid('param').job_type, c.req.valid('json'), 'path');
    c.header('Location', `/api/jobs/${job.id}`);
    return c.json(jobJson(job), created ? 201 : 200);
  });

  app.openapi(enqueueGeneric, async (c) => {
    const body = c.req.valid('json');
    const { job, created } = await enqueue(body.job_type, body, 'body');
    c.header('Location', `/api/jobs/${job.id}`);
    return c.json(jobJson(job), created ? 201 : 200);
  });

  app.openapi(list, async (c) => {
    const q = c.req.valid('query');
    const page = await jobs.list({
      ...(q.status ? { status: q.status } : {}),
      ...(q.job_type ? { jobType: q.job_type } : {}),
      ...(q.entity_id ? { entityId: q.entity_id } : {}),
      ...(q.cursor ? { beforeId: Number(q.cursor) } : {}),
      limit: q.limit,
    });
    const next = page.length === q.limit ? String(page.at(-1)!.id) : null;
    return c.json({ data: page.map(jobJson), next_cursor: next }, 200);
  });

  app.openapi(get, async (c) => c.json(jobWithAttemptsJson(await jobs.getWithAttempts(Number(c.req.valid('param').id))), 200));

  app.openapi(cancel, async (c) => {
    const reason = c.req.valid('json')?.reason ?? 'cancelled through the API';
    return c.json(jobJson(await jobs.cancel(Number(c.req.valid('param').id), reason)), 200);
  });

  app.openapi(retry, async (c) => c.json(jobJson(await jobs.retry(Number(c.req.valid('param').id))), 200));

  app.openapi(replay, async (c) => {
    const { job } = await jobs.replay(Number(c.req.valid('param').id), c.req.valid('json')?.correlation_id);
    c.header('Location', `/api/jobs/${job.id}`);
    return c.json(jobJson(job), 201);
  });
}
