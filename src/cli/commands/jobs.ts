import { defineCommand } from 'citty';
import { JOB_STATUSES, type JobStatus } from '../../jobs/types.ts';
import { jsonArg, parseId, print, UsageError, withEngine } from '../context.ts';
import { jobDetail, jobLine, jobTable } from '../format.ts';

const idArg = { id: { type: 'positional', description: 'Job id', required: true } } as const;

const list = defineCommand({
  meta: { name: 'list', description: 'List jobs, newest first' },
  args: {
    status: { type: 'string', description: `Filter by status (comma-separated: ${JOB_STATUSES.join(', ')})` },
    type: { type: 'string', description: 'Filter by job type (comma-separated)' },
    entity: { type: 'string', description: 'Filter by entity id' },
    limit: { type: 'string', description: 'At most this many (default 50, max 500)', default: '50' },
    before: { type: 'string', description: 'Only jobs with an id below this (next page)' },
    ...jsonArg,
  },
  async run({ args }) {
    const status = args.status?.split(',').map((s) => s.trim()).filter(Boolean);
    for (const s of status ?? []) if (!JOB_STATUSES.includes(s as JobStatus)) throw new UsageError(`unknown status ${JSON.stringify(s)}; use ${JOB_STATUSES.join(', ')}`);
    const limit = Number(args.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new UsageError('--limit must be an integer from 1 to 500');
    const jobs = await withEngine((e) =>
      e.jobs.list({
        ...(status ? { status: status as JobStatus[] } : {}),
        ...(args.type ? { jobType: args.type.split(',') } : {}),
        ...(args.entity ? { entityId: args.entity } : {}),
        ...(args.before ? { beforeId: parseId(args.before) } : {}),
        limit,
      }),
    );
    print(jobs, args.json, () => jobTable(jobs));
  },
});

const show = defineCommand({
  meta: { name: 'show', description: 'Show a job with its attempts' },
  args: { ...idArg, ...jsonArg },
  async run({ args }) {
    const id = parseId(args.id);
    const job = await withEngine((e) => e.jobs.getWithAttempts(id));
    print(job, args.json, () => jobDetail(job));
  },
});

const retry = defineCommand({
  meta: { name: 'retry', description: 'Retry a failed job (keeps its history, adds attempts)' },
  args: { ...idArg, ...jsonArg },
  async run({ args }) {
    const id = parseId(args.id);
    const job = await withEngine((e) => e.jobs.retry(id));
    print(job, args.json, () => `retrying: ${jobLine(job)}`);
  },
});

const cancel = defineCommand({
  meta: { name: 'cancel', description: 'Cancel a pending or running job' },
  args: { ...idArg, reason: { type: 'string', description: 'Why (recorded on the job)' }, ...jsonArg },
  async run({ args }) {
    const id = parseId(args.id);
    const job = await withEngine((e) => e.jobs.cancel(id, args.reason || 'cancelled from the CLI'));
    print(job, args.json, () => `cancelled: ${jobLine(job)}`);
  },
});

const replay = defineCommand({
  meta: { name: 'replay', description: 'Create a new job from a finished one, linked to it' },
  args: { ...idArg, ...jsonArg },
  async run({ args }) {
    const id = parseId(args.id);
    const { job } = await withEngine((e) => e.jobs.replay(id));
    print(job, args.json, () => `created job ${job.id}, a replay of job ${id}`);
  },
});

export default defineCommand({
  meta: { name: 'jobs', description: 'Inspect and control jobs' },
  subCommands: { list, show, retry, cancel, replay },
});
