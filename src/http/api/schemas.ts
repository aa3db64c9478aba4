/**
 * The API's wire format (snake_case), as zod schemas: requests are validated with them and the OpenAPI
 * document is generated from them. Times are ISO-8601 UTC strings ending in Z.
 */
import { z } from '@hono/zod-openapi';
import { ATTEMPT_OUTCOMES, JOB_STATUSES } from '../../jobs/types.ts';

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'invalid_state' }),
      message: z.string(),
      details: z.unknown(),
      request_id: z.string().optional(),
    }),
  })
  .openapi('Error');

const time = z.string().openapi({ format: 'date-time', example: '2026-01-01T00:00:00.000Z' });

export const JobSchema = z
  .object({
    id: z.number().int(),
    job_type: z.string(),
    entity_id: z.string(),
    status: z.enum(JOB_STATUSES),
    payload: z.unknown(),
    priority: z.number().int(),
    attempt_count: z.number().int(),
    max_retries: z.number().int(),
    run_at: time,
    correlation_id: z.string(),
    idempotency_key: z.string().nullable(),
    concurrency_key: z.string().nullable(),
    replay_of_job_id: z.number().int().nullable(),
    replay_of_attempt_id: z.number().int().nullable(),
    pending_dependencies: z.number().int(),
    lease_owner: z.string().nullable(),
    lease_expires_at: time.nullable(),
    result: z.unknown(),
    last_error: z.record(z.string(), z.unknown()).nullable(),
    created_at: time,
    updated_at: time,
    finished_at: time.nullable(),
  })
  .openapi('Job');

export const AttemptSchema = z
  .object({
    id: z.number().int(),
    number: z.number().int(),
    worker: z.string(),
    outcome: z.enum(ATTEMPT_OUTCOMES),
    started_at: time,
    finished_at: time,
    duration_ms: z.number(),
    error_class: z.string().nullable(),
    error_message: z.string().nullable(),
    error_detail: z.unknown(),
  })
  .openapi('Attempt');

export const JobWithAttemptsSchema = JobSchema.extend({
  attempts: z.array(AttemptSchema),
  depends_on: z.array(z.object({ id: z.number().int(), status: z.enum(JOB_STATUSES) })),
}).openapi('JobWithAttempts');

export const JobListSchema = z
  .object({ data: z.array(JobSchema), next_cursor: z.string().nullable() })
  .openapi('JobList');

const entityId = z.string().min(1).max(500).openapi({ example: 'c_1001' });

export const TypedEnqueueSchema = z
  .object({
    entity_id: entityId,
    payload: z.unknown().optional(),
    priority: z.number().int().min(-2147483648).max(2147483647).optional(),
    run_at: z.iso.datetime({ offset: true }).optional(),
    max_retries: z.number().int().min(0).max(1000).optional(),
    correlation_id: z.string().min(1).max(200).optional(),
    idempotency_key: z.string().min(1).max(200).optional(),
  })
  .strict()
  .openapi('EnqueueTyped');

export const EnqueueSchema = TypedEnqueueSchema.extend({ job_type: z.string().min(1).max(200).openapi({ example: 'customer' }) })
  .strict()
  .openapi('Enqueue');

export const IdParam = z.object({
  id: z
    .string()
    .regex(/^[1-9]\d{0,15}$/, 'must be a positive integer job id')
    .openapi({ param: { name: 'id', in: 'path' }, example: '42' }),
});

export const JobTypeParam = z.object({
  job_type: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,200}$/, 'must be a job type name')
    .openapi({ param: { name: 'job_type', in: 'path' }, example: 'customer' }),
});

const csv = <T extends string>(values: readonly [T, ...T[]]) =>
  z
    .string()
    .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
    .pipe(z.array(z.enum(values)));

export const ListQuery = z.object({
  status: csv(JOB_STATUSES).optional().openapi({ example: 'failed,dead', description: 'Comma-separated statuses' }),
  job_type: z
    .string()
    .max(1000)
    .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
    .optional()
    .openapi({ description: 'Comma-separated job types' }),
  entity_id: z.string().min(1).max(500).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().regex(/^[1-9]\d{0,15}$/, 'must be the next_cursor of a previous page').optional(),
});

export const ReplayBody = z.object({ correlation_id: z.string().min(1).max(200).optional() }).strict().optional();
export const CancelBody = z.object({ reason: z.string().min(1).max(500).optional() }).strict().optional();
