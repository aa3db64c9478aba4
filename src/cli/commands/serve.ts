import { defineCommand } from 'citty';
import { createSyncBridge, engineOptionsFromConfig } from '../../syncbridge.ts';
import { builtinHandlers } from '../handlers.ts';
import { cliLogger, config } from '../context.ts';
import { runUntilSignal } from '../signals.ts';

export default defineCommand({
  meta: { name: 'serve', description: 'Run the engine: migrations, then a worker, until SIGTERM or SIGINT' },
  async run() {
    const cfg = config();
    const logger = cliLogger(cfg);
    const engine = await createSyncBridge(engineOptionsFromConfig(cfg, logger));
    const worker = engine.worker({ handlers: builtinHandlers(), concurrency: cfg.worker.concurrency, shutdownGraceMs: cfg.worker.shutdownGraceSeconds * 1000 });
    await worker.start();
    logger.info({ event: 'serve.ready', database: cfg.databaseUrl ? 'postgres' : `pglite:${cfg.dataDir}`, schema: cfg.schema });
    await runUntilSignal(logger, async () => {
      await worker.stop();
      await engine.close();
    });
  },
});
