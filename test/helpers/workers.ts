/** Starting workers in tests with fast polling, and stopping every one of them after each test. */
import { afterEach } from 'vitest';
import type { Worker, WorkerOptions } from '../../src/jobs/worker.ts';
import type { SyncBridge } from '../../src/syncbridge.ts';

const started: Worker[] = [];

afterEach(async () => {
  await Promise.all(started.splice(0).map((w) => w.stop(0)));
});

export async function startWorker(engine: SyncBridge, options: WorkerOptions): Promise<Worker> {
  const worker = engine.worker({ pollIntervalMs: 25, shutdownGraceMs: 0, ...options });
  started.push(worker);
  await worker.start();
  return worker;
}
