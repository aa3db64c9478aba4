/**
 * pg-boss under the queue benchmark: `send` / `insert` and one `work()` worker whose batch size is the
 * concurrency (the batch's handlers run at once). pg-boss polls (no LISTEN): "default" polls every 2 s,
 * "tuned" at its minimum of 0.5 s. Done means state 'completed' (getQueueSize before 'completed' = 0).
 */
import PgBoss from 'pg-boss';
import { dropSchema } from '../lib/pg.ts';
import type { QueueSystem } from './system.ts';

const SCHEMA = 'pgbossbench';
const QUEUE = 'noop';

export function pgBossSystem(url: string, tuned: boolean): QueueSystem {
  let boss: PgBoss | undefined;
  let enqueued = 0;
  let errors = 0;
  const b = () => {
    if (!boss) throw new Error('setup() first');
    return boss;
  };
  const stopBoss = async () => {
    await boss?.stop({ graceful: false, close: true, wait: true });
    boss = undefined;
  };
  const fresh = async () => {
    await stopBoss();
    await dropSchema(url, SCHEMA);
    boss = new PgBoss({ connectionString: url, schema: SCHEMA, ...(tuned ? { pollingIntervalSeconds: 0.5 } : {}) });
    boss.on('error', () => void errors++);
    await boss.start();
    await boss.createQueue(QUEUE);
    enqueued = 0;
  };

  return {
    name: `pg-boss (${tuned ? 'tuned' : 'default'})`,
    backend: 'Postgres',
    settings: tuned
      ? 'pollingIntervalSeconds 0.5 (its minimum), work({ batchSize: concurrency }), otherwise defaults'
      : 'defaults (polling every 2 s, pool 10), work({ batchSize: concurrency })',
    latencySamples: tuned ? 60 : 30,
    processCapMs: 15_000,
    setup: fresh,
    async enqueueOne(tag) {
      await b().send(QUEUE, { t: tag });
      enqueued++;
    },
    async enqueueBatch(count) {
      await b().insert(Array.from({ length: count }, () => ({ name: QUEUE, data: { t: -1 } })));
      enqueued += count;
    },
    async startWorker(concurrency, onStart) {
      await b().work<{ t: number }>(QUEUE, { batchSize: concurrency }, async (jobs) => {
        await Promise.all(jobs.map(async (job) => onStart(job.data.t)));
      });
    },
    async stopWorker() {
      await b().offWork(QUEUE);
    },
    async countDone() {
      return enqueued - (await b().getQueueSize(QUEUE, { before: 'completed' }));
    },
    reset: fresh,
    async teardown() {
      await stopBoss();
      await dropSchema(url, SCHEMA);
    },
  };
}
