/**
 * GET /metrics: the queue's numbers from the database — a JSON summary by default, the Prometheus text
 * format (prom-client) when the client asks for text/plain or OpenMetrics.
 */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { Gauge, Registry, openMetricsContentType } from 'prom-client';
import type { JobStore } from '../../jobs/store.ts';
import type { JobMetrics } from '../../jobs/sql/metrics.ts';
import type { AppEnv } from '../env.ts';

const MetricsSchema = z
  .object({
    total_jobs: z.number(),
    finished_jobs: z.number(),
    succeeded_jobs: z.number(),
    success_rate: z.number().nullable(),
    retry_count: z.number(),
    attempt_count: z.number(),
    avg_attempt_duration_ms: z.number().nullable(),
    by_status: z.record(z.string(), z.number()),
    by_type: z.record(z.string(), z.record(z.string(), z.number())),
    queue_lag_seconds: z.number(),
    oldest_pending_job: z.object({ id: z.number(), job_type: z.string(), created_at: z.string(), run_at: z.string() }).nullable(),
  })
  .openapi('Metrics');

const route = createRoute({
  method: 'get',
  path: '/metrics',
  tags: ['operations'],
  summary: 'Queue metrics (JSON; Prometheus text with Accept: text/plain or application/openmetrics-text)',
  responses: {
    200: {
      description: 'Metrics',
      content: { 'application/json': { schema: MetricsSchema }, 'text/plain': { schema: z.string() } },
    },
  },
});

function prometheusRegistry() {
  const registry = new Registry();
  const g = (name: string, help: string, labelNames: string[] = []) => new Gauge({ name, help, labelNames, registers: [registry] });
  const gauges = {
    jobs: g('syncbridge_jobs', 'Jobs by status and type', ['status', 'job_type']),
    finished: g('syncbridge_jobs_finished', 'Jobs in an end state (succeeded, failed, dead, cancelled)'),
    successRate: g('syncbridge_job_success_ratio', 'succeeded / (succeeded + failed + dead)'),
    retries: g('syncbridge_job_retries', 'Attempts beyond each job\u2019s first'),
    attempts: g('syncbridge_job_attempts', 'Attempts recorded'),
    avgDuration: g('syncbridge_job_attempt_duration_avg_seconds', 'Average attempt duration'),
    lag: g('syncbridge_queue_lag_seconds', 'How long the oldest due job has waited past its run_at'),
    oldest: g('syncbridge_oldest_pending_job_age_seconds', 'Age of the oldest pending job'),
  };
  return {
    registry,
    set(m: JobMetrics, now: Date) {
      gauges.jobs.reset();
      for (const [type, statuses] of Object.entries(m.by_type)) {
        for (const [status, n] of Object.entries(statuses)) gauges.jobs.set({ status, job_type: type }, n);
      }
      gauges.finished.set(m.finished_jobs);
      gauges.successRate.set(m.success_rate ?? 0);
      gauges.retries.set(m.retry_count);
      gauges.attempts.set(m.attempt_count);
      gauges.avgDuration.set((m.avg_attempt_duration_ms ?? 0) / 1000);
      gauges.lag.set(m.queue_lag_seconds);
      gauges.oldest.set(m.oldest_pending_job ? (now.getTime() - m.oldest_pending_job.created_at.getTime()) / 1000 : 0);
    },
  };
}

export function registerMetricsRoute(app: OpenAPIHono<AppEnv>, jobs: JobStore): void {
  const prom = prometheusRegistry();
  app.openAPIRegistry.registerPath(route);
  app.get('/metrics', async (c) => {
    const m = await jobs.metrics();
    const accept = c.req.header('accept') ?? '';
    if (/application\/openmetrics-text/i.test(accept) || /text\/plain/i.test(accept)) {
      prom.set(m, jobs.clock.now());
      const openMetrics = /application\/openmetrics-text/i.test(accept);
      prom.registry.setContentType((openMetrics ? openMetricsContentType : Registry.PROMETHEUS_CONTENT_TYPE) as typeof Registry.PROMETHEUS_CONTENT_TYPE);
      return c.body(await prom.registry.metrics(), 200, { 'Content-Type': prom.registry.contentType });
    }
    return c.json(
      {
        ...m,
        oldest_pending_job: m.oldest_pending_job && {
          ...m.oldest_pending_job,
          created_at: m.oldest_pending_job.created_at.toISOString(),
          run_at: m.oldest_pending_job.run_at.toISOString(),
        },
      },
    );
  });
}
