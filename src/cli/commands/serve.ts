import { defineCommand } from 'citty';
import { deploymentHandlers } from '../handlers.ts';
import { cliLogger, config } from '../context.ts';
import { startService } from '../run-server.ts';
import { runUntilSignal } from '../signals.ts';

export default defineCommand({
  meta: { name: 'serve', description: 'Run the HTTP API, the admin UI and a worker until SIGTERM or SIGINT' },
  args: {
    'no-worker': { type: 'boolean', description: 'Serve the API and UI only (run workers elsewhere)', default: false },
  },
  async run({ args }) {
    const cfg = config();
    const logger = cliLogger(cfg);
    const service = await startService(cfg, deploymentHandlers(cfg), logger, { worker: !args['no-worker'] });
    process.stderr.write(`SyncBridge is listening on ${service.server.url} (UI ${service.server.url}/ui, API docs ${service.server.url}/docs)\n`);
    await runUntilSignal(logger, () => service.stop());
  },
});
