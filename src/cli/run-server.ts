/**
 * What `serve` and `demo` share: the engine, a worker with the deployment's handlers, and the HTTP
 * server in one process, stopped together (server first, so no new work arrives while workers drain).
 */
import type { Config } from '../config.ts';
import { createHttpApp } from '../http/app.ts';
import { startHttpServer, type RunningServer } from '../http/server.ts';
import type { JobHandler } from '../jobs/worker.ts';
import type { Logger } from '../log.ts';
import { createSyncBridge, engineOptionsFromConfig, type SyncBridge } from '../syncbridge.ts';

export interface RunningService {
  engine: SyncBridge;
  server: RunningServer;
  stop(): Promise<void>;
}

export async function startService(cfg: Config, handlers: Record<string, JobHandler>, logger: Logger, options: { worker?: boolean } = {}): Promise<RunningService> {
  const engine = await createSyncBridge(engineOptionsFromConfig(cfg, logger));
  try {
    const app = createHttpApp({ db: engine.db, jobs: engine.jobs, pipelines: engine.pipelines, twoway: engine.twoway, jobTypes: Object.keys(engine.handlers(handlers)), apiToken: cfg.apiToken, logger });
    const server = await startHttpServer(app, { host: cfg.host, port: cfg.port, apiToken: cfg.apiToken });
    const worker = options.worker === false ? undefined : engine.worker({ handlers, concurrency: cfg.worker.concurrency, shutdownGraceMs: cfg.worker.shutdownGraceSeconds * 1000 });
    await worker?.start();
    logger.info({
      event: 'serve.ready',
      url: server.url,
      ui: `${server.url}/ui`,
      docs: `${server.url}/docs`,
      database: cfg.databaseUrl ? 'postgres' : `pglite:${cfg.dataDir}`,
      job_types: Object.keys(engine.handlers(handlers)),
    });
    return {
      engine,
      server,
      async stop() {
        await server.close();
        await worker?.stop();
        await engine.close();
      },
    };
  } catch (err) {
    await engine.close();
    throw err;
  }
}
