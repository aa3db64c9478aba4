/**
 * The demo Billing: a real HTTP server the demo handlers upsert customers and invoices into. PUT by id
 * is an upsert, so Billing holds one record per id however often a job runs; `Idempotency-Key` replays
 * a stored answer instead of writing twice; c_1002 is rate limited once per X-Correlation-ID (429, Retry-After: 1).
 */
import { listen } from './listen.ts';
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { RequestLogEntry } from './demo-crm.ts';

export interface BillingRequestLogEntry extends RequestLogEntry {
  idempotency_key: string | null;
  /** True when the answer was a stored idempotent response, not a new write. */
  replayed: boolean;
}

const CustomerBody = z.object({
  name: z.string().min(1),
  email: z.email(),
  plan: z.string().min(1),
  source_updated_at: z.iso.datetime().optional(),
});

const InvoiceBody = z.object({
  customer_id: z.string().min(1),
  amount_cents: z.number().int().nonnegative(),
  currency: z.string().regex(/^[a-z]{3}$/),
  status: z.enum(['draft', 'open', 'paid', 'void', 'uncollectible']),
  issued_at: z.iso.datetime(),
});

interface Stored {
  id: string;
  created_at: string;
  updated_at: string;
  /** Bumped by each write that changed something. */
  version: number;
}
export type BillingCustomer = z.infer<typeof CustomerBody> & Stored;
export type BillingInvoice = z.infer<typeof InvoiceBody> & Stored;

export interface DemoBillingOptions {
  /** Default 0: a free port. */
  port?: number;
  host?: string;
}

export interface DemoBilling {
  url: string;
  requests: BillingRequestLogEntry[];
  customers: Map<string, BillingCustomer>;
  invoices: Map<string, BillingInvoice>;
  close(): Promise<void>;
}

/** The customer Billing rate-limits: the first PUT about it per correlation id gets a 429. */
export const RATE_LIMITED_CUSTOMER = 'c_1002';
export const RETRY_AFTER_SECONDS = 1;

interface IdempotentAnswer {
  fingerprint: string;
  status: 200 | 201;
  body: unknown;
}

/** Starts the demo Billing on a real port. */
export async function startDemoBilling(options: DemoBillingOptions = {}): Promise<DemoBilling> {
  const requests: BillingRequestLogEntry[] = [];
  const customers = new Map<string, BillingCustomer>();
  const invoices = new Map<string, BillingInvoice>();
  const answers = new Map<string, IdempotentAnswer>();
  const rateLimitedFor = new Set<string>();

  const app = new Hono();
  app.use(async (c, next) => {
    const entry: BillingRequestLogEntry = {
      at: new Date(),
      method: c.req.method,
      path: c.req.path,
      correlation_id: c.req.header('x-correlation-id') ?? null,
      status: null,
      idempotency_key: c.req.header('idempotency-key') ?? null,
      replayed: false,
    };
    requests.push(entry);
    await next();
    entry.status = c.res.status;
    entry.replayed = c.res.headers.get('idempotent-replayed') === 'true';
  });
  app.get('/healthz', (c) => c.json({ ok: true }));
  app.get('/customers', (c) => c.json({ data: [...customers.values()] }));
  app.get('/customers/:id', (c) => {
    const found = customers.get(c.req.param('id'));
    return found ? c.json(found) : c.json({ error: { message: `customer ${c.req.param('id')} not found` } }, 404);
  });
  app.get('/invoices', (c) => {
    const customerId = c.req.query('customer_id');
    return c.json({ data: [...invoices.values()].filter((i) => !customerId || i.customer_id === customerId) });
  });
  app.put('/customers/:id', (c) => upsert(c, CustomerBody, customers));
  app.put('/invoices/:id', (c) => upsert(c, InvoiceBody, invoices));
  app.notFound((c) => c.json({ error: { message: 'not found' } }, 404));

  /** Parse, rate-limit, validate, replay or write: the order a real API applies them in. */
  async function upsert<S extends z.ZodObject>(
    c: Context,
    schema: S,
    table: Map<string, z.infer<S> & Stored>,
  ): Promise<Response> {
    const id = c.req.param('id')!;
    let raw: unknown;
    try {
      raw = await c.req.json();
    } catch {
      return c.json({ error: { message: 'the body is not valid JSON' } }, 400);
    }
    const customerId = c.req.path.startsWith('/customers/') ? id : (raw as { customer_id?: unknown } | null)?.customer_id;
    const correlationId = c.req.header('x-correlation-id') ?? '';
    if (customerId === RATE_LIMITED_CUSTOMER && !rateLimitedFor.has(correlationId)) {
      // A 429 is decided before the request runs, so it stores no idempotent answer (as Stripe does).
      rateLimitedFor.add(correlationId);
      c.header('Retry-After', String(RETRY_AFTER_SECONDS));
      return c.json({ error: { message: 'rate limited, retry later' } }, 429);
    }
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return c.json({ error: { field: issue.path.join('.') || null, message: issue.message } }, 422);
    }
    const key = c.req.header('idempotency-key');
    const fingerprint = `${c.req.method} ${c.req.path} ${canonicalJson(parsed.data)}`;
    if (key) {
      const previous = answers.get(key);
      if (previous && previous.fingerprint !== fingerprint) {
        return c.json({ error: { type: 'idempotency_conflict', message: 'this Idempotency-Key was used with a different request' } }, 409);
      }
      if (previous) {
        c.header('Idempotent-Replayed', 'true');
        return c.json(previous.body, previous.status);
      }
    }
    const now = new Date().toISOString();
    const existing = table.get(id);
    let record: z.infer<S> & Stored;
    let status: 200 | 201;
    if (!existing) {
      record = { ...parsed.data, id, created_at: now, updated_at: now, version: 1 } as z.infer<S> & Stored;
      status = 201;
    } else {
      const { id: _i, created_at: _c, updated_at: _u, version: _v, ...fields } = existing;
      // An unchanged upsert changes nothing, not even updated_at: re-running a job leaves the same state.
      const changed = canonicalJson(fields) !== canonicalJson(parsed.data);
      record = changed ? ({ ...parsed.data, id, created_at: existing.created_at, updated_at: now, version: existing.version + 1 } as z.infer<S> & Stored) : existing;
      status = 200;
    }
    table.set(id, record);
    const body = structuredClone(record);
    if (key) answers.set(key, { fingerprint, status, body });
    return c.json(body, status);
  }

  const { url, close } = await listen(app, options.port ?? 0, options.host ?? '127.0.0.1');
  return { url, requests, customers, invoices, close };
}

/** JSON with sorted keys, so two bodies that mean the same compare equal. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );
}
