/**
 * The job types a `syncbridge worker` or `serve` process runs out of the box. Applications embedding
 * SyncBridge register their own handlers through the library instead.
 */
import type { Config } from '../config.ts';
import type { JobHandler } from '../jobs/worker.ts';
import { demoHandlers } from '../demo/handlers.ts';

export function builtinHandlers(): Record<string, JobHandler> {
  return {
    /** Does nothing and succeeds: smoke tests and benchmarks. */
    noop: () => undefined,
  };
}

/**
 * Built-in handlers plus those the configuration enables: the demo's `customer` and `invoice` when the
 * demo CRM and Billing URLs are set (`syncbridge demo` sets them to the mocks it starts).
 */
export function deploymentHandlers(cfg: Config): Record<string, JobHandler> {
  const { crmUrl, billingUrl, timeoutMs } = cfg.demo;
  return {
    ...builtinHandlers(),
    ...(crmUrl && billingUrl ? demoHandlers({ crmUrl, billingUrl, timeoutMs }) : {}),
  };
}
