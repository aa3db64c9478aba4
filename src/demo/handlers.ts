/**
 * The reference worker's demo jobs: `customer` and `invoice` read a customer (or its invoices) from the
 * demo CRM and upsert them into the demo Billing. Execution is at-least-once, so every write is an
 * upsert by id with an Idempotency-Key stable per (job, content): a re-run of the same job never writes twice.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { httpJson } from '../connectors/http.ts';
import type { JobContext, JobHandler } from '../jobs/worker.ts';
import type { Job } from '../jobs/types.ts';
import { ValidationError } from '../protocol/errors.ts';

export interface DemoHandlersOptions {
  crmUrl: string;
  billingUrl: string;
  /** Per upstream request. */
  timeoutMs: number;
}

const CrmCustomer = z.object({
  id: z.string(),
  name: z.string(),
  email: z.string(),
  plan: z.string(),
  updated_at: z.string(),
});

const CrmInvoice = z.object({
  id: z.string(),
  customer_id: z.string(),
  amount_cents: z.number(),
  currency: z.string(),
  status: z.string(),
  issued_at: z.string(),
});
const CrmInvoiceList = z.object({ data: z.array(CrmInvoice) });

const BillingRecord = z.object({ id: z.string(), version: z.number() });

export interface CustomerResult {
  billing_id: string;
  billing_version: number;
  /** True when Billing answered a stored response: this job had already written the same content. */
  replayed: boolean;
}

export interface InvoiceResult {
  customer_id: string;
  billing_ids: string[];
  synced: number;
}

/** The `customer` and `invoice` handlers over the given CRM and Billing. */
export function demoHandlers(options: DemoHandlersOptions): Record<'customer' | 'invoice', JobHandler> {
  const crm = options.crmUrl.replace(/\/+$/, '');
  const billing = options.billingUrl.replace(/\/+$/, '');

  const call = (ctx: JobContext, method: 'GET' | 'PUT', url: string, body?: unknown, idempotencyKey?: string) =>
    httpJson({
      method,
      url,
      body,
      timeoutMs: options.timeoutMs,
      signal: ctx.signal,
      correlationId: ctx.correlationId,
      ...(idempotencyKey ? { idempotencyKey } : {}),
    });

  async function customer(job: Job, ctx: JobContext): Promise<CustomerResult> {
    const id = job.entity_id;
    const url = `${crm}/customers/${encodeURIComponent(id)}`;
    const source = parse(CrmCustomer, (await call(ctx, 'GET', url)).body, `CRM customer ${id}`);
    const body = { name: source.name, email: source.email, plan: source.plan, source_updated_at: source.updated_at };
    const res = await call(ctx, 'PUT', `${billing}/customers/${encodeURIComponent(id)}`, body, idempotencyKey('customer', job, id, body));
    const written = parse(BillingRecord, res.body, `Billing customer ${id}`);
    const result = { billing_id: written.id, billing_version: written.version, replayed: res.headers.get('idempotent-replayed') === 'true' };
    ctx.logger.info({ event: 'demo.customer_synced', entity_id: id, ...result });
    return result;
  }

  async function invoice(job: Job, ctx: JobContext): Promise<InvoiceResult> {
    const customerId = job.entity_id;
    const url = `${crm}/customers/${encodeURIComponent(customerId)}/invoices`;
    const { data } = parse(CrmInvoiceList, (await call(ctx, 'GET', url)).body, `CRM invoices of ${customerId}`);
    const billingIds: string[] = [];
    // One at a time: a rate-limited Billing is not helped by a burst, and a retry resumes cheaply
    // because the invoices already written are answered from Billing's idempotency store.
    for (const inv of data) {
      const body = { customer_id: inv.customer_id, amount_cents: inv.amount_cents, currency: inv.currency, status: inv.status, issued_at: inv.issued_at };
      const res = await call(ctx, 'PUT', `${billing}/invoices/${encodeURIComponent(inv.id)}`, body, idempotencyKey('invoice', job, inv.id, body));
      billingIds.push(parse(BillingRecord, res.body, `Billing invoice ${inv.id}`).id);
    }
    ctx.logger.info({ event: 'demo.invoices_synced', entity_id: customerId, synced: billingIds.length });
    return { customer_id: customerId, billing_ids: billingIds, synced: billingIds.length };
  }

  return { customer, invoice };
}

/**
 * Same job and same content give the same key (a retried or re-run attempt is answered from Billing's
 * store); changed content or a replayed job (a new job id) writes again, which the upsert makes harmless.
 */
function idempotencyKey(kind: string, job: Job, id: string, body: unknown): string {
  const digest = createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 32);
  return `${kind}:${job.id}:${id}:${digest}`;
}

/** An upstream answer we cannot use is the upstream's invalid data: retrying returns the same. */
function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new ValidationError(`${what}: unexpected response shape at ${issue.path.join('.') || '(root)'}: ${issue.message}`, {
    detail: { path: issue.path.join('.'), issue: issue.message },
  });
}
