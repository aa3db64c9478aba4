/**
 * The pipelines API's wire format: zod schemas (requests are validated with them, the OpenAPI document
 * is generated from them) and the functions that turn stored pipelines and runs into it. snake_case,
 * times as ISO-8601 UTC with Z. Pipelines arrive here already redacted by the service: nothing in this
 * file ever sees a secret.
 */
import { z } from '@hono/zod-openapi';
import { JOB_STATUSES, type JobStatus } from '../../jobs/types.ts';
import { PipelineInput } from '../../sync/pipeline-input.ts';
import { RUN_STATUSES, RUN_TRIGGERS, type Pipeline, type PipelineRun, type PipelineSummary } from '../../sync/pipeline-store.ts';
import type { RunDetail } from '../../sync/pipelines.ts';
import type { StreamProgressStatus } from '../../sync/progress-store.ts';
import { JobSchema } from './schemas.ts';

const STREAM_STATUSES = ['pending', 'running', 'succeeded', 'failed', 'cancelled'] as const satisfies readonly StreamProgressStatus[];

const time = z.string().openapi({ format: 'date-time', example: '2026-01-01T00:00:00.000Z' });
const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

// Strict, as every API body is: a misspelt field ("shedule") is refused rather than silently dropped.
export const CreatePipelineBody = PipelineInput.strict().openapi('PipelineInput', {
  example: {
    name: 'stripe-to-warehouse',
    source: { connector: 'stripe', config: { api_key: 'sk_test_…', api_version: '2026-07-29.dahlia' } },
    destination: { connector: 'postgres', config: { schema: 'stripe' } },
    streams: ['customers', 'invoices'],
    mode: 'incremental',
    schedule: 'every 15m',
  },
});

const ConnectorRefSchema = z.object({
  connector: z.string().openapi({ example: 'stripe' }),
  config: z.unknown().openapi({ description: 'The connector’s config, every secret field replaced by "********".' }),
});

export const PipelineSchema = z
  .object({
    id: z.number().int(),
    name: z.string().openapi({ example: 'stripe-to-warehouse' }),
    source: ConnectorRefSchema,
    destination: ConnectorRefSchema,
    streams: z.array(z.string()),
    mode: z.enum(['full_refresh', 'incremental', 'reconcile']),
    schedule: z.string().nullable(),
    created_at: time,
    updated_at: time,
  })
  .openapi('Pipeline');

const LastRunSchema = z.object({ id: z.number().int(), status: z.enum(RUN_STATUSES), started_at: time, finished_at: time.nullable() });

export const PipelineSummarySchema = PipelineSchema.extend({ last_run: LastRunSchema.nullable() }).openapi('PipelineSummary');
export const PipelineListSchema = z.object({ data: z.array(PipelineSummarySchema) }).openapi('PipelineList');

const RunCountsSchema = z.object({
  records: z.number().int(),
  pages: z.number().int(),
  streams: z.record(z.string(), z.number().int()).openapi({ description: 'How many streams are in each status', example: { succeeded: 2 } }),
});

export const RunSchema = z
  .object({
    id: z.number().int(),
    pipeline_id: z.number().int(),
    job_id: z.number().int().nullable().openapi({ description: 'The pipeline_run job carrying the run' }),
    status: z.enum(RUN_STATUSES),
    trigger: z.enum(RUN_TRIGGERS),
    started_at: time,
    finished_at: time.nullable(),
    counts: RunCountsSchema,
    error: z.record(z.string(), z.unknown()).nullable(),
  })
  .openapi('Run');

export const StreamProgressSchema = z
  .object({
    stream: z.string().openapi({ example: 'customers' }),
    status: z.enum(STREAM_STATUSES),
    records: z.number().int(),
    pages: z.number().int(),
    job_id: z.number().int().nullable(),
    job_status: z.enum(JOB_STATUSES).nullable().openapi({ description: 'Status of the pipeline_stream job syncing the stream' }),
    updated_at: time,
  })
  .openapi('StreamProgress');

export const RunDetailSchema = RunSchema.extend({ streams: z.array(StreamProgressSchema) }).openapi('RunDetail');
export const RunListSchema = z.object({ data: z.array(RunSchema) }).openapi('RunList');
export const StartRunSchema = z
  .object({
    job: JobSchema,
    created: z.boolean().openapi({ description: 'false: a run of this pipeline was already active, and `job` is its job' }),
  })
  .openapi('StartRun');

export const PipelineRefParam = z.object({
  ref: z
    .string()
    // All digits is an id (16 at most, like job ids, so it never overflows bigint), anything else a name.
    .regex(/^(?!\d{17,}$)[A-Za-z0-9_.-]{1,100}$/, 'must be a pipeline id or name')
    .openapi({ param: { name: 'ref', in: 'path' }, example: 'stripe-to-warehouse', description: 'Pipeline id or name' }),
});

export const RunIdParam = z.object({
  id: z
    .string()
    .regex(/^[1-9]\d{0,15}$/, 'must be a positive integer run id')
    .openapi({ param: { name: 'id', in: 'path' }, example: '7' }),
});

export const RunsQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) });

export function pipelineJson(p: Pipeline): z.infer<typeof PipelineSchema> {
  return {
    id: p.id,
    name: p.name,
    source: { connector: p.source.connector, config: p.source.config },
    destination: { connector: p.destination.connector, config: p.destination.config },
    streams: p.streams,
    mode: p.mode,
    schedule: p.schedule,
    created_at: iso(p.created_at)!,
    updated_at: iso(p.updated_at)!,
  };
}

export function pipelineSummaryJson(p: PipelineSummary): z.infer<typeof PipelineSummarySchema> {
  const last = p.last_run;
  return { ...pipelineJson(p), last_run: last ? { id: last.id, status: last.status, started_at: iso(last.started_at)!, finished_at: iso(last.finished_at) } : null };
}

export function runJson(r: PipelineRun): z.infer<typeof RunSchema> {
  // A run's counts are `{}` until its job first looks at its streams.
  const counts = r.counts as Partial<z.infer<typeof RunCountsSchema>>;
  return {
    id: r.id,
    pipeline_id: r.pipeline_id,
    job_id: r.job_id,
    status: r.status,
    trigger: r.trigger,
    started_at: iso(r.started_at)!,
    finished_at: iso(r.finished_at),
    counts: { records: Number(counts.records ?? 0), pages: Number(counts.pages ?? 0), streams: counts.streams ?? {} },
    error: r.error,
  };
}

export function runDetailJson(r: RunDetail): z.infer<typeof RunDetailSchema> {
  const streams = r.streams.map((s) => ({
    stream: s.stream,
    status: s.status,
    records: Number(s.records),
    pages: Number(s.pages),
    job_id: s.job_id,
    job_status: s.job_status as JobStatus | null,
    updated_at: iso(s.updated_at)!,
  }));
  const run = runJson(r);
  // The stored totals are refreshed only when the run's job wakes; while it is active, the streams are fresher.
  if (r.status === 'running' || r.status === 'pending') {
    const byStatus: Record<string, number> = {};
    for (const s of streams) byStatus[s.status] = (byStatus[s.status] ?? 0) + 1;
    run.counts = { records: streams.reduce((n, s) => n + s.records, 0), pages: streams.reduce((n, s) => n + s.pages, 0), streams: byStatus };
  }
  return { ...run, streams };
}
