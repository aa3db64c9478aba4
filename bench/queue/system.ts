/**
 * What the queue benchmark needs from each system under test, so every system is measured by the same
 * code (measure.ts): enqueue no-op jobs one at a time or in batches, run workers at a concurrency, and
 * count completions as the database records them. Each system works in a schema of its own.
 */

/** Tag carried by jobs that are not latency samples. */
export const NO_TAG = -1;

export interface QueueSystem {
  /** Row label, e.g. 'graphile-worker (best)'. */
  readonly name: string;
  readonly backend: 'Postgres' | 'PGlite';
  /** How it was configured, for the notes under the table. */
  readonly settings: string;
  /** Polling systems may take fewer latency samples (their latency is the poll interval). */
  readonly latencySamples?: number;
  /** Polling systems get a shorter time cap on processing; their rate is then measured over the cap. */
  readonly processCapMs?: number;
  /** Fresh schema (dropped first), migrations applied; not timed. */
  setup(): Promise<void>;
  /** One no-op job carrying `tag`, in one call. */
  enqueueOne(tag: number): Promise<void>;
  /** `count` no-op jobs in one batch call. */
  enqueueBatch(count: number): Promise<void>;
  /** Starts the worker(s); every handler calls `onStart(tag)` first and then returns. */
  startWorker(concurrency: number, onStart: (tag: number) => void): Promise<void>;
  stopWorker(): Promise<void>;
  /** Jobs durably completed since the last setup/reset, according to the database. */
  countDone(): Promise<number>;
  /** Drops and recreates the schema: no jobs left. Not timed. */
  reset(): Promise<void>;
  /** Drops the schema and closes connections. */
  teardown(): Promise<void>;
}
