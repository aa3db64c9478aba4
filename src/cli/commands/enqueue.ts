import { defineCommand } from 'citty';
import { jsonArg, print, UsageError, withEngine } from '../context.ts';

export default defineCommand({
  meta: { name: 'enqueue', description: 'Create a job (or get the active one for the same type and entity)' },
  args: {
    type: { type: 'positional', description: 'Job type, e.g. customer', required: true },
    entity: { type: 'positional', description: 'Entity id, e.g. c_1001', required: true },
    payload: { type: 'string', description: 'JSON payload' },
    priority: { type: 'string', description: 'Higher runs first (default 0)' },
    'max-retries': { type: 'string', description: 'Retries after the first attempt' },
    'correlation-id': { type: 'string', description: 'Correlation id (generated when absent)' },
    'idempotency-key': { type: 'string', description: 'Client idempotency key' },
    ...jsonArg,
  },
  async run({ args }) {
    let payload: unknown;
    if (args.payload !== undefined) {
      try {
        payload = JSON.parse(args.payload);
      } catch {
        throw new UsageError('--payload must be valid JSON');
      }
    }
    const int = (name: string, v: string | undefined) => {
      if (v === undefined) return undefined;
      if (!/^-?\d+$/.test(v)) throw new UsageError(`--${name} must be an integer, got ${JSON.stringify(v)}`);
      return Number(v);
    };
    const priority = int('priority', args.priority);
    const maxRetries = int('max-retries', args['max-retries']);
    const result = await withEngine((e) =>
      e.jobs.enqueue({
        jobType: args.type,
        entityId: args.entity,
        payload,
        ...(priority === undefined ? {} : { priority }),
        ...(maxRetries === undefined ? {} : { maxRetries }),
        ...(args['correlation-id'] ? { correlationId: args['correlation-id'] } : {}),
        ...(args['idempotency-key'] ? { idempotencyKey: args['idempotency-key'] } : {}),
      }),
    );
    print(result, args.json, () =>
      result.created ? `created job ${result.job.id} (${result.job.job_type} ${result.job.entity_id})` : `job ${result.job.id} is already ${result.job.status} for ${result.job.job_type} ${result.job.entity_id}`,
    );
  },
});
