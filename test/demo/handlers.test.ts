/**
 * The demo jobs end to end: real workers on both backends run the `customer` and `invoice` handlers
 * against the demo CRM and Billing on loopback, and every failure id takes the path its error type
 * promises — retried with backoff or Retry-After, failed at once, timed out, cancelled — with no duplicates.
 */
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { demoHandlers, type CustomerResult } from '../../src/demo/handlers.ts';
import { startDemoServices, type DemoServices } from '../../src/fakes/demo.ts';
import type { JobContext } from '../../src/jobs/worker.ts';
import { silentLogger } from '../../src/log.ts';
import { testBackends } from '../helpers/backends.ts';
import { testEngine, waitFor, type TestEngine } from '../helpers/engine.ts';
import { startWorker } from '../helpers/workers.ts';

const TIMEOUT_MS = 400;
const SLOW_MS = 1500;

describe.each(testBackends())('demo handlers (%s)', (backend) => {
  let e: TestEngine;
  let demo: DemoServices;
  beforeEach(async () => {
    demo = await startDemoServices({ slowMs: SLOW_MS });
    e = await testEngine(backend, { defaults: { backoff: { baseSeconds: 0.05, capSeconds: 1, jitter: 0 } } });
  });
  afterEach(async () => {
    await e.close();
    await demo.close();
  });

  const handlers = (timeoutMs = TIMEOUT_MS) => demoHandlers({ crmUrl: demo.crm.url, billingUrl: demo.billing.url, timeoutMs });
  const startDemoWorker = (timeoutMs?: number, logger = silentLogger) => startWorker(e, { handlers: handlers(timeoutMs), logger });

  const settled = (id: number) =>
    waitFor(`job ${id} to finish`, async () => {
      const j = await e.jobs.getWithAttempts(id);
      return ['succeeded', 'failed', 'dead', 'cancelled'].includes(j.status) && j;
    });

  const billingPuts = (path: string) => demo.billing.requests.filter((r) => r.method === 'PUT' && r.path === path);

  test('c_1001 is synced in one attempt and Billing holds it, every call carrying the job correlation id', async () => {
    await startDemoWorker();
    const { job } = await e.jobs.enqueue({ jobType: 'customer', entityId: 'c_1001' });
    const done = await settled(job.id);
    expect(done.status).toBe('succeeded');
    expect(done.attempts.map((a) => a.outcome)).toEqual(['succeeded']);
    expect(done.result).toEqual({ billing_id: 'c_1001', billing_version: 1, replayed: false });
    const source = demo.crm.customers.get('c_1001')!;
    expect(demo.billing.customers.get('c_1001')).toMatchObject({ name: source.name, email: source.email, plan: source.plan, source_updated_at: source.updated_at });
    const calls = [...demo.crm.requests, ...demo.billing.requests];
    expect(calls).toHaveLength(2);
    expect(calls.every((r) => r.correlation_id === job.correlation_id)).toBe(true);
    expect(billingPuts('/customers/c_1001')[0]!.idempotency_key).toMatch(new RegExp(`^customer:${job.id}:c_1001:[0-9a-f]+$`));
  });

  test('c_flaky: two CRM 503s are retried with backoff and the third attempt succeeds', async () => {
    await startDemoWorker();
    const { job } = await e.jobs.enqueue({ jobType: 'customer', entityId: 'c_flaky' });
    const done = await settled(job.id);
    expect(done.status).toBe('succeeded');
    expect(done.attempts.map((a) => [a.outcome, a.error_class])).toEqual([
      ['retry', 'UpstreamUnavailable'],
      ['retry', 'UpstreamUnavailable'],
      ['succeeded', null],
    ]);
    expect(done.attempts[0]!.error_detail).toMatchObject({ status: 503, method: 'GET', url: `${demo.crm.url}/customers/c_flaky` });
    expect(demo.crm.requests.map((r) => [r.correlation_id, r.status])).toEqual([
      [job.correlation_id, 503],
      [job.correlation_id, 503],
      [job.correlation_id, 200],
    ]);
    expect(demo.billing.customers.has('c_flaky')).toBe(true);
  });

  test("c_1002: Billing's 429 is retried no earlier than its Retry-After, then succeeds", async () => {
    await startDemoWorker();
    const { job } = await e.jobs.enqueue({ jobType: 'customer', entityId: 'c_1002' });
    const done = await settled(job.id);
    expect(done.status).toBe('succeeded');
    expect(done.attempts.map((a) => [a.outcome, a.error_class])).toEqual([
      ['retry', 'UpstreamRateLimited'],
      ['succeeded', null],
    ]);
    const puts = billingPuts('/customers/c_1002');
    expect(puts.map((r) => r.status)).toEqual([429, 201]);
    // The backoff alone would retry after 50 ms: only Retry-After explains the wait.
    expect(puts[1]!.at.getTime() - puts[0]!.at.getTime()).toBeGreaterThanOrEqual(1000);
  });

  test('c_missing fails after exactly one attempt with NotFound and writes nothing', async () => {
    await startDemoWorker();
    const { job } = await e.jobs.enqueue({ jobType: 'customer', entityId: 'c_missing' });
    const done = await settled(job.id);
    expect(done).toMatchObject({ status: 'failed', attempt_count: 1, last_error: { class: 'NotFound', retryable: false } });
    expect(done.attempts).toHaveLength(1);
    expect(done.attempts[0]).toMatchObject({ outcome: 'failed', error_class: 'NotFound', error_detail: { status: 404 } });
    expect(demo.billing.requests).toEqual([]);
  });

  test("c_invalid fails after exactly one attempt with Billing's 422 as ValidationError", async () => {
    await startDemoWorker();
    const { job } = await e.jobs.enqueue({ jobType: 'customer', entityId: 'c_invalid' });
    const done = await settled(job.id);
    expect(done).toMatchObject({ status: 'failed', attempt_count: 1, last_error: { class: 'ValidationError', retryable: false } });
    expect(done.attempts[0]).toMatchObject({ outcome: 'failed', error_class: 'ValidationError', error_detail: { status: 422, method: 'PUT' } });
    expect(done.attempts[0]!.error_detail!.body).toContain('email');
    expect(demo.billing.customers.has('c_invalid')).toBe(false);
  });

  test('c_slow times out as UpstreamTimeout and is retried until its budget is spent', async () => {
    await startDemoWorker();
    const { job } = await e.jobs.enqueue({ jobType: 'customer', entityId: 'c_slow', maxRetries: 1 });
    const done = await settled(job.id);
    expect(done.status).toBe('dead');
    expect(done.attempts.map((a) => [a.outcome, a.error_class])).toEqual([
      ['retry', 'UpstreamTimeout'],
      ['dead', 'UpstreamTimeout'],
    ]);
    for (const a of done.attempts) {
      expect(a.error_detail).toMatchObject({ method: 'GET', timeout_ms: TIMEOUT_MS });
      // Given up at the client's timeout, not when the CRM finally answered.
      expect(a.duration_ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 20);
      expect(a.duration_ms).toBeLessThan(SLOW_MS);
    }
  });

  test('cancelling a job mid-call aborts the upstream request at once, and it is not reported as a timeout', async () => {
    const events: Record<string, unknown>[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void events.push(JSON.parse(line) as Record<string, unknown>) });
    await startDemoWorker(10_000, logger);
    const { job } = await e.jobs.enqueue({ jobType: 'customer', entityId: 'c_slow' });
    await waitFor('the CRM call to be in flight', () => demo.crm.requests.some((r) => r.path === '/customers/c_slow' && r.status === null));
    const cancelledAt = Date.now();
    await e.jobs.cancel(job.id);
    const refused = await waitFor('the handler to end', () => events.find((ev) => ev.event === 'job.outcome_refused' && ev.job_id === job.id));
    expect(Date.now() - cancelledAt).toBeLessThan(SLOW_MS - 300);
    expect(refused.error_class).toBe('JobCancelled');
    const done = await e.jobs.getWithAttempts(job.id);
    expect(done.status).toBe('cancelled');
    expect(done.attempts.map((a) => a.outcome)).toEqual(['cancelled']);
    expect(demo.billing.requests).toEqual([]);
  });

  test('a replayed customer job writes again but Billing still holds exactly one record', async () => {
    await startDemoWorker();
    const { job } = await e.jobs.enqueue({ jobType: 'customer', entityId: 'c_1001' });
    expect((await settled(job.id)).status).toBe('succeeded');
    const { job: replay } = await e.jobs.replay(job.id);
    expect(replay.replay_of_job_id).toBe(job.id);
    const again = await settled(replay.id);
    expect(again.status).toBe('succeeded');
    // Same content: the upsert changed nothing.
    expect(again.result).toMatchObject({ billing_id: 'c_1001', billing_version: 1 });
    const { data } = (await (await fetch(`${demo.billing.url}/customers`)).json()) as { data: { id: string }[] };
    expect(data.map((c) => c.id)).toEqual(['c_1001']);
    const keys = billingPuts('/customers/c_1001').map((r) => r.idempotency_key);
    expect(keys).toHaveLength(2);
    expect(new Set(keys).size).toBe(2);
  });

  test('running the same job again (at-least-once) sends the same Idempotency-Key and Billing does not write twice', async () => {
    await startDemoWorker();
    const { job } = await e.jobs.enqueue({ jobType: 'customer', entityId: 'c_1003' });
    expect((await settled(job.id)).status).toBe('succeeded');
    const stored = (await e.jobs.get(job.id))!;
    // As if the worker had crashed after Billing's write and before recording the success.
    const ctx = {
      job: stored,
      attempt: 2,
      correlationId: stored.correlation_id,
      signal: new AbortController().signal,
      logger: silentLogger,
      completeInTransaction: () => Promise.reject(new Error('not used by the demo handlers')),
    } satisfies JobContext;
    const rerun = (await handlers().customer(stored, ctx)) as CustomerResult;
    expect(rerun).toEqual({ billing_id: 'c_1003', billing_version: 1, replayed: true });
    const puts = billingPuts('/customers/c_1003');
    expect(puts.map((r) => r.replayed)).toEqual([false, true]);
    expect(puts[0]!.idempotency_key).toBe(puts[1]!.idempotency_key);
    expect(demo.billing.customers.get('c_1003')!.version).toBe(1);
  });

  test('the invoice job syncs every invoice of c_1001 into Billing', async () => {
    await startDemoWorker();
    const { job } = await e.jobs.enqueue({ jobType: 'invoice', entityId: 'c_1001' });
    const done = await settled(job.id);
    expect(done.status).toBe('succeeded');
    const source = demo.crm.invoices.get('c_1001')!;
    expect(source.length).toBeGreaterThan(1);
    expect(done.result).toEqual({ customer_id: 'c_1001', billing_ids: source.map((i) => i.id), synced: source.length });
    for (const inv of source) {
      const { id, ...fields } = inv;
      expect(demo.billing.invoices.get(id)).toMatchObject(fields);
    }
    expect(demo.billing.invoices.size).toBe(source.length);
  });

  test("the invoice job for c_1002 waits out Billing's 429 and then syncs all its invoices", async () => {
    await startDemoWorker();
    const { job } = await e.jobs.enqueue({ jobType: 'invoice', entityId: 'c_1002' });
    const done = await settled(job.id);
    expect(done.status).toBe('succeeded');
    expect(done.attempts.map((a) => a.error_class)).toEqual(['UpstreamRateLimited', null]);
    expect([...demo.billing.invoices.keys()]).toEqual(demo.crm.invoices.get('c_1002')!.map((i) => i.id));
  });
});
