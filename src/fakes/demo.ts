/**
 * Both demo services at once — the CRM the demo handlers read and the Billing they write — for tests,
 * benchmarks and `demo-main.ts`. If the second fails to start, the first is closed again.
 */
import { startDemoBilling, type DemoBilling } from './demo-billing.ts';
import { startDemoCrm, type DemoCrm } from './demo-crm.ts';

export interface DemoServicesOptions {
  /** Default 0: a free port. */
  crmPort?: number;
  /** Default 0: a free port. */
  billingPort?: number;
  host?: string;
  /** How long the CRM's c_slow takes to answer. Default 3000. */
  slowMs?: number;
}

export interface DemoServices {
  crm: DemoCrm;
  billing: DemoBilling;
  close(): Promise<void>;
}

/** Starts the demo CRM and Billing on real ports. */
export async function startDemoServices(options: DemoServicesOptions = {}): Promise<DemoServices> {
  const host = options.host ?? '127.0.0.1';
  const crm = await startDemoCrm({ port: options.crmPort ?? 0, host, ...(options.slowMs === undefined ? {} : { slowMs: options.slowMs }) });
  let billing: DemoBilling;
  try {
    billing = await startDemoBilling({ port: options.billingPort ?? 0, host });
  } catch (err) {
    await crm.close();
    throw err;
  }
  return {
    crm,
    billing,
    async close() {
      await Promise.all([crm.close(), billing.close()]);
    },
  };
}
