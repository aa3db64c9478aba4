import { defineCommand } from 'citty';
import { createSyncBridge, engineOptionsFromConfig } from '../../syncbridge.ts';
import { deploymentHandlers } from '../handlers.ts';
import { cliLogger, config, UsageError } from '../context.ts';
import { runUntilSignal } from '../signals.ts';

export default defineCommand({
  meta: { name: 'worker', description: 'Run a worker (no HTTP server) until SIGTERM or SIGINT' },
  args: {
    concurrency: { type: 'string', description: 'Jobs run at once (default SYNCBRIDGE_WORKER_CONCURRENCY, 10)' },
  },
  async run({ args }) {
    const cfg = config();
    const concurrency = args.concurrency === undefined ? cfg.worker.concurrency : Number(args.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new UsageError(`--concurrency must be a positive integer, got ${JSON.stringify(args.concurrency)}`);
    const logger = cliLogger(cfg);
    const engine = await createSyncBridge(engineOptionsFromConfig(cfg, logger));
    const worker = engine.worker({ handlers: deploymentHandlers(cfg), concurrency, shutdownGraceMs: cfg.worker.shutdownGraceSeconds * 1000 });
    await worker.start();
    await runUntilSignal(logger, async () => {
      await worker.stop();
      await engine.close();
    });
  },
});
