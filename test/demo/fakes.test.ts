/**
 * The demo CRM and Billing on real ports, spoken to with plain fetch: the seed, each failure id, the
 * idempotency rules and the upsert-by-id that keeps one Billing record per customer.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { startDemoServices, type DemoServices } from '../../src/fakes/demo.ts';

let demo: DemoServices;
beforeEach(async () => {
  demo = await startDemoServices({ slowMs: 300 });
});
afterEach(() => demo.close());

const crm = (path: string, correlationId?: string) =>
  fetch(`${demo.crm.url}${path}`, { headers: correlationId ? { 'x-correlation-id': correlationId } : {} });

const put = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${demo.billing.url}${path}`, { method: 'PUT', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

const ada = { name: 'Ada Lovelace', email: 'ada.lovelace@example.com', plan: 'free' };

describe('demo CRM', () => {
  test('serves the seed: c_1001…c_1010 with 1–3 invoices each, the same on every start', async () => {
    const res = await crm('/customers/c_1001');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: 'c_1001', ...ada, updated_at: '2026-01-01T12:00:00.000Z' });
    for (let n = 1001; n <= 1010; n++) {
      const { data } = (await (await crm(`/customers/c_${n}/invoices`)).json()) as { data: { id: string; customer_id: string }[] };
      expect(data.length).toBeGreaterThanOrEqual(1);
      expect(data.length).toBeLessThanOrEqual(3);
      expect(data.map((i) => i.id)).toEqual(data.map((_, k) => `inv_c_${n}_${k + 1}`));
      expect(data.every((i) => i.customer_id === `c_${n}`)).toBe(true);
    }
    expect((await crm('/healthz')).status).toBe(200);
  });

  test('c_flaky answers 503 twice, then 200, counted per correlation id', async () => {
    const statuses = async (corr: string) => [
      (await crm('/customers/c_flaky', corr)).status,
      (await crm('/customers/c_flaky', corr)).status,
      (await crm('/customers/c_flaky', corr)).status,
    ];
    expect(await statuses('job-a')).toEqual([503, 503, 200]);
    expect(await statuses('job-b')).toEqual([503, 503, 200]);
    expect((await crm('/customers/c_flaky', 'job-a')).status).toBe(200);
  });

  test('c_missing and unknown ids are 404 with an error body', async () => {
    for (const path of ['/customers/c_missing', '/customers/c_nobody', '/customers/c_missing/invoices']) {
      const res = await crm(path);
      expect(res.status).toBe(404);
      expect(await res.json()).toHaveProperty('error');
    }
  });

  test('c_invalid is a customer whose email is not an email', async () => {
    const body = (await (await crm('/customers/c_invalid')).json()) as { email: string };
    expect(body.email).not.toMatch(/@/);
  });

  test('c_slow answers only after slowMs', async () => {
    const started = Date.now();
    const res = await crm('/customers/c_slow');
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  test('every request is logged with its arrival time, method, path, correlation id and status', async () => {
    const before = new Date();
    await crm('/customers/c_1001', 'corr-log');
    expect(demo.crm.requests).toEqual([{ at: expect.any(Date), method: 'GET', path: '/customers/c_1001', correlation_id: 'corr-log', status: 200 }]);
    expect(demo.crm.requests[0]!.at.getTime()).toBeGreaterThanOrEqual(before.getTime());
  });
});

describe('demo Billing', () => {
  test('c_1002: the first PUT per correlation id is 429 with Retry-After: 1, the next is 200', async () => {
    const first = await put('/customers/c_1002', ada, { 'x-correlation-id': 'job-1' });
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('1');
    expect(demo.billing.customers.has('c_1002')).toBe(false);
    expect((await put('/customers/c_1002', ada, { 'x-correlation-id': 'job-1' })).status).toBe(201);
    expect((await put('/customers/c_1002', ada, { 'x-correlation-id': 'job-2' })).status).toBe(429);
    expect(demo.billing.requests.map((r) => [r.correlation_id, r.status])).toEqual([
      ['job-1', 429],
      ['job-1', 201],
      ['job-2', 429],
    ]);
  });

  test('a customer without a valid email is 422 naming the field, and nothing is stored', async () => {
    const res = await put('/customers/c_invalid', { ...ada, email: 'not-an-email' });
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ error: { field: 'email' } });
    expect(demo.billing.customers.size).toBe(0);
  });

  test('the same Idempotency-Key with the same body replays the stored answer without a second write', async () => {
    const key = { 'idempotency-key': 'customer:1:abc' };
    const first = await put('/customers/c_1001', ada, key);
    const again = await put('/customers/c_1001', ada, key);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.json()).toEqual(await first.json());
    expect(demo.billing.customers.get('c_1001')!.version).toBe(1);
    expect(demo.billing.requests.map((r) => r.replayed)).toEqual([false, true]);
  });

  test('a replayed Idempotency-Key with a different body is 409 and changes nothing', async () => {
    const key = { 'idempotency-key': 'customer:1:abc' };
    await put('/customers/c_1001', ada, key);
    const res = await put('/customers/c_1001', { ...ada, plan: 'pro' }, key);
    expect(res.status).toBe(409);
    expect(demo.billing.customers.get('c_1001')!.plan).toBe('free');
  });

  test('PUT by id is an upsert: one record per customer however often it is written', async () => {
    expect((await put('/customers/c_1001', ada)).status).toBe(201);
    expect((await put('/customers/c_1001', ada)).status).toBe(200);
    expect((await put('/customers/c_1001', { ...ada, plan: 'pro' })).status).toBe(200);
    const { data } = (await (await fetch(`${demo.billing.url}/customers`)).json()) as { data: { id: string; plan: string; version: number }[] };
    expect(data).toHaveLength(1);
    // The unchanged second write changed nothing; the third changed the plan.
    expect(data[0]).toMatchObject({ id: 'c_1001', plan: 'pro', version: 2 });
    expect((await fetch(`${demo.billing.url}/customers/c_1001`)).status).toBe(200);
    expect((await fetch(`${demo.billing.url}/customers/c_nobody`)).status).toBe(404);
  });

  test('invoices upsert by id and list by customer', async () => {
    const invoice = { customer_id: 'c_1001', amount_cents: 1000, currency: 'usd', status: 'paid', issued_at: '2026-01-01T09:00:00.000Z' };
    expect((await put('/invoices/inv_c_1001_1', invoice)).status).toBe(201);
    expect((await put('/invoices/inv_c_1001_1', { ...invoice, status: 'void' })).status).toBe(200);
    expect((await put('/invoices/inv_c_1001_2', { ...invoice, amount_cents: -5 })).status).toBe(422);
    const { data } = (await (await fetch(`${demo.billing.url}/invoices?customer_id=c_1001`)).json()) as { data: unknown[] };
    expect(data).toEqual([expect.objectContaining({ id: 'inv_c_1001_1', status: 'void' })]);
    expect((await fetch(`${demo.billing.url}/healthz`)).status).toBe(200);
  });

  test('a body that is not JSON is 400', async () => {
    const res = await fetch(`${demo.billing.url}/customers/c_1001`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{' });
    expect(res.status).toBe(400);
  });
});
