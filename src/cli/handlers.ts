/**
 * The job types a `syncbridge worker` or `serve` process runs out of the box. Applications embedding
 * SyncBridge register their own handlers through the library instead.
 */
import type { JobHandler } from '../jobs/worker.ts';

export function builtinHandlers(): Record<string, JobHandler> {
  return {
    /** Does nothing and succeeds: smoke tests and benchmarks. */
    noop: () => undefined,
  };
}
