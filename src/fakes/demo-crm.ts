/**
 * The demo CRM: a real HTTP server the demo handlers read customers and invoices from, with the
 * reference worker's failure ids (c_flaky 503s, c_missing 404, c_invalid bad email, c_slow hangs).
 * Faults are counted per X-Correlation-ID, so every job sees the same story however many jobs run.
 */
import { listen } from './listen.ts';
import { Hono } from 'hono';

export interface RequestLogEntry {
  /** When the request arrived. */
  at: Date;
  method: string;
  path: string;
  correlation_id: string | null;
  /** The status answered; null while the request is still being served. */
  status: number | null;
}

export interface CrmCustomer {
  id: string;
  name: string;
  email: string;
  plan: string;
  updated_at: string;
}

export interface CrmInvoice {
  id: string;
  customer_id: string;
  amount_cents: number;
  currency: string;
  status: string;
  issued_at: string;
}

export interface DemoCrmOptions {
  /** Default 0: a free port. */
  port?: number;
  host?: string;
  /** How long c_slow takes to answer. Default 3000. */
  slowMs?: number;
}

export interface DemoCrm {
  url: string;
  requests: RequestLogEntry[];
  customers: ReadonlyMap<string, CrmCustomer>;
  invoices: ReadonlyMap<string, CrmInvoice[]>;
  close(): Promise<void>;
}

/** c_flaky answers 503 this many times per correlation id before it answers 200. */
export const FLAKY_FAILURES = 2;

const FIRST = ['Ada', 'Grace', 'Alan', 'Barbara', 'Edsger', 'Frances', 'Donald', 'Margaret', 'Ken', 'Radia'];
const LAST = ['Lovelace', 'Hopper', 'Turing', 'Liskov', 'Dijkstra', 'Allen', 'Knuth', 'Hamilton', 'Thompson', 'Perlman'];
const PLANS = ['free', 'pro', 'enterprise'];
const INVOICE_STATUSES = ['paid', 'open', 'void'];

/** The fixed data set: the same on every start, so tests and the demo can name exact values. */
export function demoCrmSeed(): { customers: Map<string, CrmCustomer>; invoices: Map<string, CrmInvoice[]> } {
  const customers = new Map<string, CrmCustomer>();
  const invoices = new Map<string, CrmInvoice[]>();
  const add = (c: CrmCustomer, invoiceCount: number, n: number) => {
    customers.set(c.id, c);
    invoices.set(
      c.id,
      Array.from({ length: invoiceCount }, (_, k) => ({
        id: `inv_${c.id}_${k + 1}`,
        customer_id: c.id,
        amount_cents: 1000 * (n + 1) + 250 * k,
        currency: n % 4 === 3 ? 'eur' : 'usd',
        status: INVOICE_STATUSES[k % INVOICE_STATUSES.length]!,
        issued_at: `2026-0${(k % 9) + 1}-${String((n % 28) + 1).padStart(2, '0')}T09:00:00.000Z`,
      })),
    );
  };
  for (let n = 0; n < 10; n++) {
    const id = `c_${1001 + n}`;
    const name = `${FIRST[n]} ${LAST[n]}`;
    const email = `${FIRST[n]!.toLowerCase()}.${LAST[n]!.toLowerCase()}@example.com`;
    add({ id, name, email, plan: PLANS[n % PLANS.length]!, updated_at: `2026-01-${String(n + 1).padStart(2, '0')}T12:00:00.000Z` }, ((n + 1) % 3) + 1, n);
  }
  const odd = (id: string, name: string, email: string, n: number) =>
    add({ id, name, email, plan: 'pro', updated_at: '2026-01-15T12:00:00.000Z' }, 1, n);
  odd('c_flaky', 'Flaky Customer', 'flaky@example.com', 10);
  odd('c_slow', 'Slow Customer', 'slow@example.com', 11);
  odd('c_invalid', 'Invalid Customer', 'not-an-email', 12);
  return { customers, invoices };
}

/** Starts the demo CRM on a real port. */
export async function startDemoCrm(options: DemoCrmOptions = {}): Promise<DemoCrm> {
  const { customers, invoices } = demoCrmSeed();
  const slowMs = options.slowMs ?? 3000;
  const requests: RequestLogEntry[] = [];
  const flakyCalls = new Map<string, number>();
  // Ends c_slow's wait at close, so close() never waits for a slow answer nobody will read.
  const closing = new AbortController();

  const app = new Hono();
  app.use(async (c, next) => {
    const entry: RequestLogEntry = { at: new Date(), method: c.req.method, path: c.req.path, correlation_id: c.req.header('x-correlation-id') ?? null, status: null };
    requests.push(entry);
    await next();
    entry.status = c.res.status;
  });
  app.get('/healthz', (c) => c.json({ ok: true }));

  // Every customer route goes through the same faults, so the invoice job meets them too.
  app.get('/customers/:id', async (c) => {
    const id = c.req.param('id');
    const failed = await fault(id, c.req.header('x-correlation-id'), c.req.raw.signal);
    if (failed) return failed;
    const customer = customers.get(id);
    return customer ? c.json(customer) : c.json({ error: `customer ${id} not found` }, 404);
  });
  app.get('/customers/:id/invoices', async (c) => {
    const id = c.req.param('id');
    const failed = await fault(id, c.req.header('x-correlation-id'), c.req.raw.signal);
    if (failed) return failed;
    const list = invoices.get(id);
    return list ? c.json({ data: list }) : c.json({ error: `customer ${id} not found` }, 404);
  });
  app.notFound((c) => c.json({ error: 'not found' }, 404));

  /** The failure a fault id causes, or undefined to answer normally (after c_slow's wait). */
  async function fault(id: string, correlationId: string | undefined, signal: AbortSignal): Promise<Response | undefined> {
    if (id === 'c_flaky') {
      const key = correlationId ?? '';
      const calls = (flakyCalls.get(key) ?? 0) + 1;
      flakyCalls.set(key, calls);
      if (calls <= FLAKY_FAILURES) return Response.json({ error: 'CRM temporarily unavailable' }, { status: 503 });
    }
    if (id === 'c_slow') await delay(slowMs, AbortSignal.any([signal, closing.signal]));
    return undefined;
  }

  const { url, close } = await listen(app, options.port ?? 0, options.host ?? '127.0.0.1');
  return {
    url,
    requests,
    customers,
    invoices,
    close: () => {
      closing.abort();
      return close();
    },
  };
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
