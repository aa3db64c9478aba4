/**
 * Pipelines as a service: create (validated against each connector's own config schema), list, show
 * (secrets redacted), start a run (a `pipeline_run` job, one active per pipeline), cancel a run, and
 * the job handlers that carry runs out. The HTTP API, the CLI and an embedding application all use
 * this one object.
 */
import type { Db } from '../db/db.ts';
import type { JobStore } from '../jobs/store.ts';
import { Scheduler } from '../jobs/scheduler.ts';
import type { EnqueueResult, Job } from '../jobs/types.ts';
import type { JobHandler } from '../jobs/worker.ts';
import { ValidationError } from '../protocol/errors.ts';
import { describeIssues } from '../protocol/messages.ts';
import { parseSchedule, PipelineInput } from './pipeline-input.ts';
import {
  createPipeline,
  findPipeline,
  findRunByJob,
  getRun,
  listPipelines,
  listRuns,
  runStreams,
  finishRun,
  type Pipeline,
  type PipelineRun,
  type PipelineSummary,
  type RunTrigger,
} from './pipeline-store.ts';
import { createRunJobHandler, PIPELINE_RUN_JOB, runEntity, type StreamPlan } from './run-job.ts';
import { CANONICAL_DESTINATION } from './engine-sink.ts';
import { manifestGraph, manifestPlan } from './manifest/plan.ts';
import { isManifestSource } from './manifest/source.ts';
import { redactConfig } from './secrets.ts';
import { connector, createStreamJobHandler, PIPELINE_STREAM_JOB, type ConnectorRegistry } from './stream-job.ts';
import { listDeliveries, PIPELINE_WEBHOOK_JOB, pipelineEndpoint, storeDelivery, type Received, type StoredDelivery } from './webhook-inbox.ts';
import { createWebhookJobHandler } from './webhook-job.ts';
import type { Source } from '../protocol/connector.ts';

export interface PipelineServiceOptions {
  db: Db;
  schema: string;
  jobs: JobStore;
  connectors: ConnectorRegistry;
  /** How often a waiting run looks at its streams when nothing wakes it. Default 2000. */
  runPollMs?: number;
  /** Entities of one manifest run syncing at once. Default 4. */
  entityConcurrency?: number;
}

export type RunDetail = PipelineRun & { streams: Awaited<ReturnType<typeof runStreams>> };

export class PipelineService {
  readonly connectors: ConnectorRegistry;
  private readonly o: PipelineServiceOptions;

  constructor(options: PipelineServiceOptions) {
    this.o = options;
    this.connectors = options.connectors;
  }

  /** The job handlers that run pipelines; register them with every worker. */
  handlers(): Record<string, JobHandler> {
    const { db, schema, jobs, connectors } = this.o;
    return {
      [PIPELINE_RUN_JOB]: createRunJobHandler({
        db,
        schema,
        jobs,
        planOf: (pipeline) => this.planOf(pipeline),
        ...(this.o.runPollMs === undefined ? {} : { pollMs: this.o.runPollMs }),
      }),
      [PIPELINE_STREAM_JOB]: createStreamJobHandler({ db, schema, connectors, jobs }),
      [PIPELINE_WEBHOOK_JOB]: createWebhookJobHandler({ db, schema, connectors }),
    };
  }

  /**
   * A webhook for the pipeline: verified by its source (AuthError on a bad signature or a stale
   * timestamp), then stored with its processing job before this returns. A redelivery returns the
   * first copy with `duplicate: true`.
   */
  async receiveWebhook(ref: string | number, body: Buffer, headers: Record<string, string | undefined>): Promise<Received> {
    const pipeline = await findPipeline(this.o.db, this.o.schema, String(ref));
    const source = connector(this.connectors, pipeline.source.connector, 'read') as Source;
    if (!source.webhooks) throw new ValidationError(`pipeline "${pipeline.name}": its source "${pipeline.source.connector}" does not receive webhooks`, { detail: { field: 'source.connector' } });
    const delivery = source.webhooks.verify({ config: pipeline.source.config, body, headers });
    const endpoint = pipelineEndpoint(pipeline.id);
    // Serialised per object (the first touched; sources touch one per event): see webhook-inbox.ts.
    const first = source.webhooks.touched({ config: pipeline.source.config, delivery }).find((t) => pipeline.streams.includes(t.stream));
    return storeDelivery(this.o.db, this.o.schema, this.o.jobs, endpoint, delivery, {
      payload: (id) => ({ pipeline_id: pipeline.id, delivery_id: id }),
      concurrencyKey: first ? `${endpoint}:${first.stream}:${first.key}` : undefined,
    });
  }

  async webhookDeliveries(ref: string | number, limit = 50): Promise<StoredDelivery[]> {
    const pipeline = await findPipeline(this.o.db, this.o.schema, String(ref));
    return listDeliveries(this.o.db, this.o.schema, pipelineEndpoint(pipeline.id), limit);
  }

  /** Validates and stores a pipeline (and its schedule); returns it redacted. */
  async create(input: unknown): Promise<Pipeline> {
    const parsed = PipelineInput.safeParse(input);
    if (!parsed.success) {
      throw new ValidationError(`invalid pipeline: ${describeIssues(parsed.error.issues)}`, {
        detail: { issues: parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })) },
      });
    }
    const p = parsed.data;
    this.validateConnector('source', p.source, 'read');
    const source = this.connectors[p.source.connector];
    if (p.destination.connector === CANONICAL_DESTINATION) {
      if (!isManifestSource(source)) throw new ValidationError(`destination.connector: "${CANONICAL_DESTINATION}" takes a manifest source; "${p.source.connector}" is not one`, { detail: { field: 'destination.connector' } });
    } else this.validateConnector('destination', p.destination, 'write');
    // A manifest's entities and their relationships are checked now, not at the first run.
    if (isManifestSource(source)) manifestGraph(source, p.streams);
    if (p.mode === 'reconcile' && !isManifestSource(source)) throw new ValidationError('mode: reconcile needs a manifest source', { detail: { field: 'mode' } });
    const schedule = p.schedule === null ? null : parseSchedule(p.schedule);
    const pipeline = await createPipeline(this.o.db, this.o.schema, {
      name: p.name,
      source: p.source,
      destination: p.destination,
      streams: [...new Set(p.streams)],
      mode: p.mode,
      schedule: p.schedule,
    });
    if (schedule) {
      try {
        await Scheduler.upsert(this.o.jobs, {
          name: `pipeline:${pipeline.id}`,
          jobType: PIPELINE_RUN_JOB,
          entityId: runEntity(pipeline.id),
          payload: { pipeline_id: pipeline.id, trigger: 'schedule' },
          ...schedule,
        });
      } catch (err) {
        // A schedule the scheduler refuses leaves no pipeline behind: creating is all or nothing.
        await this.o.db.query(`delete from ${this.o.jobs.sql.s}.pipelines where id = $1`, [pipeline.id]);
        if (err instanceof ValidationError) throw new ValidationError(`schedule: ${err.message}`, { detail: { field: 'schedule' } });
        throw err;
      }
    }
    return this.redact(pipeline);
  }

  async list(): Promise<PipelineSummary[]> {
    return (await listPipelines(this.o.db, this.o.schema)).map((p) => this.redact(p));
  }

  /** By id or name, redacted. */
  async get(ref: string | number): Promise<Pipeline> {
    return this.redact(await findPipeline(this.o.db, this.o.schema, String(ref)));
  }

  /**
   * Starts a run: enqueues the pipeline's `pipeline_run` job. While one is active, returns it with
   * `created: false` instead (one run of a pipeline at a time).
   */
  async start(ref: string | number, trigger: RunTrigger = 'api'): Promise<EnqueueResult & { pipeline: Pipeline }> {
    const pipeline = await findPipeline(this.o.db, this.o.schema, String(ref));
    const result = await this.o.jobs.enqueue({ jobType: PIPELINE_RUN_JOB, entityId: runEntity(pipeline.id), payload: { pipeline_id: pipeline.id, trigger } });
    return { ...result, pipeline: this.redact(pipeline) };
  }

  async runs(ref: string | number, limit = 50): Promise<PipelineRun[]> {
    const pipeline = await findPipeline(this.o.db, this.o.schema, String(ref));
    return listRuns(this.o.db, this.o.schema, pipeline.id, limit);
  }

  async run(runId: number): Promise<RunDetail> {
    const run = await getRun(this.o.db, this.o.schema, runId);
    return { ...run, streams: await runStreams(this.o.db, this.o.schema, runId) };
  }

  /** The run a `pipeline_run` job started, once its first attempt got that far. */
  runOfJob(jobId: number): Promise<PipelineRun | undefined> {
    return findRunByJob(this.o.db, this.o.schema, jobId);
  }

  /** Cancels a run: its active stream jobs, its own job, and marks it cancelled. */
  async cancelRun(runId: number): Promise<RunDetail> {
    const run = await getRun(this.o.db, this.o.schema, runId);
    if (run.status !== 'running' && run.status !== 'pending') return this.run(runId);
    const streams = await runStreams(this.o.db, this.o.schema, runId);
    for (const s of streams) {
      if (s.job_id !== null && (s.job_status === 'pending' || s.job_status === 'running')) await this.cancelQuietly(s.job_id);
    }
    if (run.job_id !== null) await this.cancelQuietly(run.job_id);
    await finishRun(this.o.db, this.o.schema, runId, 'cancelled', {
      records: streams.reduce((n, s) => n + Number(s.records), 0),
      pages: streams.reduce((n, s) => n + Number(s.pages), 0),
      streams: {},
    });
    return this.run(runId);
  }

  private async cancelQuietly(jobId: number): Promise<Job | undefined> {
    // It may have finished since we looked: a finished job stays as it is.
    return this.o.jobs.cancel(jobId, 'run cancelled').catch(() => undefined);
  }

  private validateConnector(side: 'source' | 'destination', ref: { connector: string; config: unknown }, method: 'read' | 'write'): void {
    const connector = Object.hasOwn(this.connectors, ref.connector) ? this.connectors[ref.connector] : undefined;
    const known = Object.keys(this.connectors).join(', ') || 'none';
    if (!connector) throw new ValidationError(`${side}.connector: "${ref.connector}" is not a registered connector (known: ${known})`, { detail: { field: `${side}.connector` } });
    if (!(method in connector)) throw new ValidationError(`${side}.connector: "${ref.connector}" is not a ${side}`, { detail: { field: `${side}.connector` } });
    const result = connector.configSchema.safeParse(ref.config);
    if (!result.success) {
      const issues = result.error.issues.map((i) => ({ field: [side, 'config', ...i.path.map(String)].join('.'), message: i.message }));
      throw new ValidationError(`invalid ${side}.config: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`, { detail: { issues } });
    }
  }

  /** The run plan of a pipeline whose source is a manifest (undefined otherwise). */
  planOf(pipeline: Pipeline): StreamPlan | undefined {
    const source = Object.hasOwn(this.connectors, pipeline.source.connector) ? this.connectors[pipeline.source.connector] : undefined;
    return isManifestSource(source) ? manifestPlan(source, pipeline.streams, this.o.entityConcurrency ?? 4) : undefined;
  }

  /** The pipeline with every secret of its configs replaced; the only form that leaves this service. */
  redact<P extends Pipeline>(p: P): P {
    const schemaOf = (name: string) => (Object.hasOwn(this.connectors, name) ? this.connectors[name]!.configSchema : undefined);
    return {
      ...p,
      source: { connector: p.source.connector, config: redactConfig(p.source.config, schemaOf(p.source.connector)) },
      destination: { connector: p.destination.connector, config: redactConfig(p.destination.config, schemaOf(p.destination.connector)) },
    };
  }
}
