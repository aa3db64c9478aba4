import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { NotFound } from '../../src/protocol/errors.ts';
import { testBackends } from '../helpers/backends.ts';
import { waitFor } from '../helpers/engine.ts';
import { testApp, type TestApp } from '../helpers/http.ts';
import { startWorker } from '../helpers/workers.ts';

describe.each(testBackends())('jobs API (%s)', (backend) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await testApp(backend);
  });
  afterEach(() => t.close());

  test('POST /api/jobs/customer creates a job (201), a duplicate returns it (200)', async () => {
    const first = await t.request('/api/jobs/customer', { method: 'POST', json: { entity_id: 'c_1001' } });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ job_type: 'customer', entity_id: 'c_1001', status: 'pending', attempt_count: 0, max_retries: 3, replay_of_job_id: null, finished_at: null });
    expect(first.body.created_at).toMatch(/Z$/);
    expect(first.headers.get('location')).toBe(`/api/jobs/${first.body.id}`);
    expect(first.headers.get('x-request-id')).toBeTruthy();
    const dup = await t.request('/api/jobs/customer', { method: 'POST', json: { entity_id: 'c_1001' } });
    expect(dup.status).toBe(200);
    expect(dup.body.id).toBe(first.body.id);
  });

  test('POST /api/jobs takes every field', async () => {
    const res = await t.request('/api/jobs', {
      method: 'POST',
      json: { job_type: 'invoice', entity_id: 'c_1001', payload: { x: 1 }, priority: 5, run_at: '2030-01-01T00:00:00Z', correlation_id: 'corr-9', max_retries: 1 },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ job_type: 'invoice', payload: { x: 1 }, priority: 5, run_at: '2030-01-01T00:00:00.000Z', correlation_id: 'corr-9', max_retries: 1 });
  });

  test('GET /api/jobs filters and pages with a cursor', async () => {
    for (let i = 0; i < 5; i++) await t.request('/api/jobs/customer', { method: 'POST', json: { entity_id: `c_${i}` } });
    await t.request('/api/jobs/invoice', { method: 'POST', json: { entity_id: 'c_0' } });
    const page1 = await t.request('/api/jobs?job_type=customer&limit=3');
    expect(page1.status).toBe(200);
    expect(page1.body.data.map((j: { entity_id: string }) => j.entity_id)).toEqual(['c_4', 'c_3', 'c_2']);
    const page2 = await t.request(`/api/jobs?job_type=customer&limit=3&cursor=${page1.body.next_cursor}`);
    expect(page2.body.data.map((j: { entity_id: string }) => j.entity_id)).toEqual(['c_1', 'c_0']);
    expect(page2.body.next_cursor).toBeNull();
    const byEntity = await t.request('/api/jobs?entity_id=c_0&status=pending,running');
    expect(byEntity.body.data).toHaveLength(2);
  });

  test('a job with its attempts; cancel, retry and replay follow the state rules with 409s', async () => {
    await startWorker(t.engine, {
      handlers: {
        customer: (job) => {
          if (job.entity_id === 'c_missing') throw new NotFound('no such customer in CRM');
        },
      },
    });
    const created = await t.request('/api/jobs/customer', { method: 'POST', json: { entity_id: 'c_missing' } });
    const id = created.body.id as number;
    const failed = await waitFor('failure', async () => {
      const r = await t.request(`/api/jobs/${id}`);
      return r.body.status === 'failed' && r;
    });
    expect(failed.body.attempts).toEqual([
      expect.objectContaining({ number: 1, outcome: 'failed', error_class: 'NotFound', error_message: 'no such customer in CRM', worker: expect.any(String) }),
    ]);
    expect(failed.body.attempts[0].duration_ms).toBeGreaterThanOrEqual(0);

    const cancel = await t.request(`/api/jobs/${id}/cancel`, { method: 'POST' });
    expect(cancel.status).toBe(409);
    expect(cancel.body.error).toMatchObject({ code: 'invalid_state', details: { status: 'failed' } });

    const replay = await t.request(`/api/jobs/${id}/replay`, { method: 'POST' });
    expect(replay.status).toBe(201);
    expect(replay.body).toMatchObject({ replay_of_job_id: id, replay_of_attempt_id: failed.body.attempts[0].id });
    await waitFor('replay to fail too', async () => (await t.request(`/api/jobs/${replay.body.id}`)).body.status === 'failed');

    const retry = await t.request(`/api/jobs/${id}/retry`, { method: 'POST' });
    expect(retry.status).toBe(200);
    expect(retry.body.status).toBe('pending');
    const retried = await waitFor('retry to end', async () => {
      const r = await t.request(`/api/jobs/${id}`);
      return r.body.status === 'failed' && r.body.attempts.length === 2 && r;
    });
    expect(retried.body.attempt_count).toBe(2);

    const pending = await t.request('/api/jobs/customer', { method: 'POST', json: { entity_id: 'later', run_at: '2099-01-01T00:00:00Z' } });
    expect((await t.request(`/api/jobs/${pending.body.id}/retry`, { method: 'POST' })).status).toBe(409);
    expect((await t.request(`/api/jobs/${pending.body.id}/replay`, { method: 'POST' })).status).toBe(409);
    const cancelled = await t.request(`/api/jobs/${pending.body.id}/cancel`, { method: 'POST', json: { reason: 'not needed' } });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', last_error: { message: 'not needed' } });
  });

  test('GET /metrics agrees with the jobs, as JSON and as Prometheus text', async () => {
    await t.request('/api/jobs/customer', { method: 'POST', json: { entity_id: 'a' } });
    await t.request('/api/jobs/invoice', { method: 'POST', json: { entity_id: 'a' } });
    const json = await t.request('/metrics');
    expect(json.status).toBe(200);
    expect(json.body).toMatchObject({ total_jobs: 2, finished_jobs: 0, by_status: { pending: 2 }, by_type: { customer: { pending: 1 } } });
    const prom = await t.request('/metrics', { headers: { accept: 'text/plain' } });
    expect(prom.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(prom.text).toContain('syncbridge_jobs{status="pending",job_type="customer"} 1');
    const om = await t.request('/metrics', { headers: { accept: 'application/openmetrics-text' } });
    expect(om.headers.get('content-type')).toMatch(/^application\/openmetrics-text/);
    expect(om.text).toContain('# EOF');
  });

  test('GET /healthz checks the database; /openapi.json describes the routes; /docs serves the viewer', async () => {
    const health = await t.request('/healthz');
    expect(health).toMatchObject({ status: 200, body: { status: 'ok' } });
    const doc = await t.request('/openapi.json');
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/api/jobs', '/api/jobs/{job_type}', '/api/jobs/{id}', '/api/jobs/{id}/cancel', '/api/jobs/{id}/retry', '/api/jobs/{id}/replay', '/metrics', '/healthz']));
    const docs = await t.request('/docs');
    expect(docs.text).toContain('/docs/assets/swagger-ui-bundle.js');
    const asset = await t.request('/docs/assets/swagger-ui-bundle.js');
    expect(asset.status).toBe(200);
    expect(asset.text.length).toBeGreaterThan(100_000);
  });
});
