/**
 * graphile-worker under the queue benchmark: `addJob` / `addJobs` (WorkerUtils) and `run()` with a
 * task list. "default" leaves batching off; "best" is the configuration of its own performance page:
 * local queue of 500 plus batched completion/failure (delay 0). Done means deleted from its jobs table.
 */
import { Logger, makeWorkerUtils, run, type Runner, type WorkerUtils } from 'graphile-worker';
import { dropSchema } from '../lib/pg.ts';
import type { QueueSystem } from './system.ts';

const SCHEMA = 'gwbench';
const silent = new Logger(() => () => {});

export function graphileSystem(url: string, best: boolean): QueueSystem {
  let utils: WorkerUtils | undefined;
  let runner: Runner | undefined;
  let enqueued = 0;
  const preset = best ? { worker: { localQueue: { size: 500 }, completeJobBatchDelay: 0, failJobBatchDelay: 0 } } : {};
  const u = () => {
    if (!utils) throw new Error('setup() first');
    return utils;
  };
  const fresh = async () => {
    await utils?.release();
    await dropSchema(url, SCHEMA);
    utils = await makeWorkerUtils({ connectionString: url, schema: SCHEMA, logger: silent });
    await utils.migrate();
    enqueued = 0;
  };

  return {
    name: `graphile-worker (${best ? 'best' : 'default'})`,
    backend: 'Postgres',
    settings: best
      ? 'run() with maxPoolSize = concurrency + 10, preset.worker { localQueue: { size: 500 }, completeJobBatchDelay: 0, failJobBatchDelay: 0 }'
      : 'run() with maxPoolSize = concurrency + 10, otherwise defaults (no local queue, no batched completion)',
    setup: fresh,
    async enqueueOne(tag) {
      await u().addJob('noop', { t: tag });
      enqueued++;
    },
    async enqueueBatch(count) {
      await u().addJobs(Array.from({ length: count }, () => ({ identifier: 'noop', payload: { t: -1 } })));
      enqueued += count;
    },
    async startWorker(concurrency, onStart) {
      runner = await run({
        connectionString: url,
        schema: SCHEMA,
        concurrency,
        maxPoolSize: concurrency + 10,
        noHandleSignals: true,
        logger: silent,
        preset,
        taskList: {
          noop: async (payload) => {
            onStart((payload as { t: number }).t);
          },
        },
      });
    },
    async stopWorker() {
      await runner?.stop();
      runner = undefined;
    },
    async countDone() {
      const left = await u().withPgClient((c) => c.query<{ n: number }>(`select count(*)::integer as n from ${SCHEMA}._private_jobs`));
      return enqueued - left.rows[0]!.n;
    },
    reset: fresh,
    async teardown() {
      await runner?.stop();
      await utils?.release();
      utils = undefined;
      await dropSchema(url, SCHEMA);
    },
  };
}
