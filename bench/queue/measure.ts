/**
 * The four measurements, identical for every system: enqueue one call per job, enqueue in batches,
 * drain a preloaded queue at a given concurrency (timed from the first handler start until the
 * database shows every job done), and enqueue-to-handler-start latency against an idle worker.
 */
import { performance } from 'node:perf_hooks';
import { perSecond } from '../lib/stats.ts';
import { sleep, withTimeout } from '../lib/time.ts';
import { NO_TAG, type QueueSystem } from './system.ts';

export async function enqueueSingle(sys: QueueSystem, count: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < count; i++) await sys.enqueueOne(NO_TAG);
  return perSecond(count, performance.now() - t0);
}

export async function enqueueBatches(sys: QueueSystem, count: number, batchSize: number): Promise<number> {
  const t0 = performance.now();
  for (let left = count; left > 0; left -= batchSize) await sys.enqueueBatch(Math.min(batchSize, left));
  return perSecond(count, performance.now() - t0);
}

export interface ProcessResult {
  jobsPerSec: number;
  /** Jobs the database shows done when the clock stopped. */
  done: number;
  ms: number;
  /** True when the time cap ended the run before all `n` jobs were done. */
  capped: boolean;
}

/**
 * With `n` jobs queued, starts the worker and waits until the database shows all `n` done (or `capMs`
 * passes). The clock starts at the first handler start, so worker start-up (migrations, pools, LISTEN)
 * is not counted; it stops when the database confirms, so buffered completions are counted.
 */
export async function processQueued(sys: QueueSystem, n: number, concurrency: number, capMs: number): Promise<ProcessResult> {
  let started = 0;
  let t0 = Number.NaN;
  const deadline = performance.now() + capMs;
  await sys.startWorker(concurrency, () => {
    if (started++ === 0) t0 = performance.now();
  });
  try {
    // Cheap in-process wait first, so our polling does not load the database while it works.
    while (started < n && performance.now() < deadline) await sleep(5);
    if (started === 0) throw new Error(`${sys.name}: no job started within ${capMs} ms`);
    let done = await sys.countDone();
    // Every 20 ms: often enough for a precise end, rare enough not to compete with the system measured.
    while (done < n && performance.now() < deadline) {
      await sleep(20);
      done = await sys.countDone();
    }
    const ms = performance.now() - t0;
    return { jobsPerSec: perSecond(done, ms), done, ms, capped: done < n };
  } finally {
    await sys.stopWorker();
  }
}

/**
 * Enqueue-to-start latency: the worker runs idle; one job at a time is enqueued and the time from just
 * before the enqueue call to its handler's start is recorded (same process, performance.now()).
 */
export async function startLatency(sys: QueueSystem, samples: number, timeoutMs: number): Promise<number[]> {
  const waiting = new Map<number, (at: number) => void>();
  await sys.startWorker(10, (tag) => waiting.get(tag)?.(performance.now()));
  try {
    await sleep(1000); // let start-up work (first polls, LISTEN) settle: the worker is idle
    const out: number[] = [];
    for (let i = 0; i < samples; i++) {
      const startedAt = new Promise<number>((resolve) => waiting.set(i, resolve));
      const t0 = performance.now();
      await sys.enqueueOne(i);
      out.push((await withTimeout(startedAt, timeoutMs, `${sys.name} latency sample ${i}`)) - t0);
      waiting.delete(i);
      await sleep(10 + Math.random() * 10);
    }
    return out;
  } finally {
    await sys.stopWorker();
  }
}
