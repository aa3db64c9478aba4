import { defineCommand } from 'citty';
import { startDemoServices } from '../../fakes/demo.ts';
import { deploymentHandlers } from '../handlers.ts';
import { cliLogger, config } from '../context.ts';
import { startService } from '../run-server.ts';
import { runUntilSignal } from '../signals.ts';

export default defineCommand({
  meta: {
    name: 'demo',
    description: 'The CRM → Billing demo: mock CRM and Billing on loopback, plus the API, UI and a worker syncing between them',
  },
  args: {
    'mocks-only': { type: 'boolean', description: 'Start only the mock CRM and Billing (DEMO_CRM_PORT, DEMO_BILLING_PORT)', default: false },
  },
  async run({ args }) {
    const cfg = config();
    const logger = cliLogger(cfg);
    const mocks = await startDemoServices({ crmPort: cfg.demo.crmPort, billingPort: cfg.demo.billingPort, host: '127.0.0.1' });
    logger.info({ event: 'demo.mocks_ready', crm: mocks.crm.url, billing: mocks.billing.url });
    process.stderr.write(`mock CRM on ${mocks.crm.url}, mock Billing on ${mocks.billing.url}\n`);
    if (args['mocks-only']) {
      await runUntilSignal(logger, () => mocks.close());
      return;
    }
    const demoCfg = { ...cfg, demo: { ...cfg.demo, crmUrl: mocks.crm.url, billingUrl: mocks.billing.url } };
    let service;
    try {
      service = await startService(demoCfg, deploymentHandlers(demoCfg), logger);
    } catch (err) {
      await mocks.close();
      throw err;
    }
    process.stderr.write(`SyncBridge is listening on ${service.server.url} (UI ${service.server.url}/ui, API docs ${service.server.url}/docs)\n`);
    const running = service;
    await runUntilSignal(logger, async () => {
      await running.stop();
      await mocks.close();
    });
  },
});
