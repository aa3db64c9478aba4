/**
 * `syncbridge pipelines …`: create a pipeline from a JSON file, list, show, its runs, and enqueue a run
 * for the workers (`syncbridge sync` runs one in the foreground instead). --json prints what the HTTP
 * API returns; secrets are "********" in every output.
 */
import { defineCommand } from 'citty';
import { jobJson } from '../../http/api/serialize.ts';
import { pipelineJson, pipelineSummaryJson, runJson } from '../../http/api/pipeline-schemas.ts';
import { jsonArg, print, UsageError, withEngine } from '../context.ts';
import { pipelineDetail, pipelineTable, runTable } from '../pipeline-format.ts';
import { readJsonFile } from '../read-json.ts';

const refArg = { ref: { type: 'positional', description: 'Pipeline id or name', required: true } } as const;

const create = defineCommand({
  meta: { name: 'create', description: 'Create a pipeline from a JSON file (name, source, destination, streams, mode, schedule)' },
  args: {
    file: { type: 'string', alias: 'f', description: 'Path to the pipeline JSON, or - to read stdin' },
    ...jsonArg,
  },
  async run({ args }) {
    const definition = await readJsonFile(args.file, 'the pipeline');
    const pipeline = await withEngine((e) => e.pipelines.create(definition));
    print(pipelineJson(pipeline), args.json, () => `created pipeline ${pipeline.id} "${pipeline.name}" (${pipeline.source.connector} → ${pipeline.destination.connector}: ${pipeline.streams.join(', ')})`);
  },
});

const list = defineCommand({
  meta: { name: 'list', description: 'List pipelines with their last run' },
  args: { ...jsonArg },
  async run({ args }) {
    const pipelines = await withEngine((e) => e.pipelines.list());
    print(pipelines.map(pipelineSummaryJson), args.json, () => pipelineTable(pipelines));
  },
});

const show = defineCommand({
  meta: { name: 'show', description: 'Show a pipeline (secrets redacted) and its recent runs' },
  args: { ...refArg, ...jsonArg },
  async run({ args }) {
    const [pipeline, runs] = await withEngine(async (e) => {
      const p = await e.pipelines.get(args.ref);
      return [p, await e.pipelines.runs(p.id, 5)] as const;
    });
    print(pipelineJson(pipeline), args.json, () => pipelineDetail(pipeline, runs));
  },
});

const runs = defineCommand({
  meta: { name: 'runs', description: 'List the runs of a pipeline, newest first' },
  args: {
    ...refArg,
    limit: { type: 'string', description: 'At most this many (default 20, max 500)', default: '20' },
    ...jsonArg,
  },
  async run({ args }) {
    const limit = Number(args.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new UsageError('--limit must be an integer from 1 to 500');
    const list = await withEngine((e) => e.pipelines.runs(args.ref, limit));
    print(list.map(runJson), args.json, () => runTable(list));
  },
});

const run = defineCommand({
  meta: { name: 'run', description: 'Enqueue a run for the workers (syncbridge worker / serve); prints its job id' },
  args: { ...refArg, ...jsonArg },
  async run({ args }) {
    const { job, created, pipeline } = await withEngine((e) => e.pipelines.start(args.ref, 'cli'));
    print({ job: jobJson(job), created }, args.json, () =>
      created
        ? `enqueued job ${job.id}: a run of pipeline "${pipeline.name}" (follow it with: syncbridge jobs show ${job.id})`
        : `pipeline "${pipeline.name}" already has an active run: job ${job.id} (${job.status})`,
    );
  },
});

export default defineCommand({
  meta: { name: 'pipelines', description: 'Create, inspect and run pipelines (source → destination)' },
  subCommands: { create, list, show, runs, run },
});
