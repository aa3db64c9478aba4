/**
 * Runs the demo CRM and Billing alone: `node src/fakes/demo-main.ts`. Ports come from DEMO_CRM_PORT and
 * DEMO_BILLING_PORT (default 8001, 8002); this entry point reads them itself because the fakes are
 * not the engine and have no place in its config. Stops cleanly on SIGINT/SIGTERM.
 */
import { startDemoServices } from './demo.ts';

function port(name: string, fallback: number): number {
  const raw = process.env[name]?.trim();
  if (!raw) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    process.stderr.write(`${name} must be a port number (0–65535), got ${JSON.stringify(raw)}\n`);
    process.exit(2);
  }
  return n;
}

const services = await startDemoServices({ crmPort: port('DEMO_CRM_PORT', 8001), billingPort: port('DEMO_BILLING_PORT', 8002) }).catch(
  (err: unknown) => {
    // EADDRINUSE is the usual cause: say which, without a stack trace.
    process.stderr.write(`demo services could not start: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
process.stdout.write(`demo CRM      ${services.crm.url}\ndemo Billing  ${services.billing.url}\n`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    services.close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`demo services did not stop cleanly: ${String(err)}\n`);
        process.exit(1);
      },
    );
  });
}
