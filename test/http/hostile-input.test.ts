/**
 * Bad and hostile input to the API: every case gets the documented 4xx with the one error shape,
 * never a 5xx, and nothing is written.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { testBackends } from '../helpers/backends.ts';
import { testApp, type TestApp } from '../helpers/http.ts';

describe.each(testBackends())('hostile input (%s)', (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp(backend);
  });
  afterAll(() => t.close());

  const cases: [string, string, RequestInit & { json?: unknown }, number, string][] = [
    ['malformed JSON', '/api/jobs/customer', { method: 'POST', body: '{"entity_id": "c_1', headers: { 'content-type': 'application/json' } }, 400, 'malformed_json'],
    ['a JSON array', '/api/jobs/customer', { method: 'POST', json: ['c_1'] }, 422, 'validation_error'],
    ['a wrong type', '/api/jobs/customer', { method: 'POST', json: { entity_id: 1001 } }, 422, 'validation_error'],
    ['a missing field', '/api/jobs/customer', { method: 'POST', json: {} }, 422, 'validation_error'],
    ['an empty entity id', '/api/jobs/customer', { method: 'POST', json: { entity_id: '' } }, 422, 'validation_error'],
    ['an unknown field', '/api/jobs/customer', { method: 'POST', json: { entity_id: 'c', surprise: true } }, 422, 'validation_error'],
    ['a bad priority', '/api/jobs', { method: 'POST', json: { job_type: 'customer', entity_id: 'c', priority: 'high' } }, 422, 'validation_error'],
    ['a bad run_at', '/api/jobs', { method: 'POST', json: { job_type: 'customer', entity_id: 'c', run_at: 'tomorrow' } }, 422, 'validation_error'],
    ['negative max_retries', '/api/jobs', { method: 'POST', json: { job_type: 'customer', entity_id: 'c', max_retries: -1 } }, 422, 'validation_error'],
    ['an unknown job type in the path', '/api/jobs/rm-rf', { method: 'POST', json: { entity_id: 'c' } }, 404, 'unknown_job_type'],
    ['an unknown job type in the body', '/api/jobs', { method: 'POST', json: { job_type: 'nope', entity_id: 'c' } }, 422, 'validation_error'],
    ['SQL in a job id', "/api/jobs/1';drop table jobs;--", {}, 422, 'validation_error'],
    ['SQL in a control id', '/api/jobs/1%20or%201=1/cancel', { method: 'POST' }, 422, 'validation_error'],
    ['a zero id', '/api/jobs/0', {}, 422, 'validation_error'],
    ['an id beyond 2^53', '/api/jobs/99999999999999999999', {}, 422, 'validation_error'],
    ['an unknown job id', '/api/jobs/123456789', {}, 404, 'not_found'],
    ['an unknown route', '/api/nothing-here', {}, 404, 'not_found'],
    ['a wrong method', '/api/jobs/1', { method: 'DELETE' }, 404, 'not_found'],
    ['a bad status filter', '/api/jobs?status=bogus', {}, 422, 'validation_error'],
    ['a bad limit', '/api/jobs?limit=0', {}, 422, 'validation_error'],
    ['a bad cursor', "/api/jobs?cursor=1'--", {}, 422, 'validation_error'],
    ['a text body', '/api/jobs/customer', { method: 'POST', body: 'entity_id=c_1', headers: { 'content-type': 'text/plain' } }, 415, 'unsupported_media_type'],
    ['a form body', '/api/jobs/customer', { method: 'POST', body: 'entity_id=c_1', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, 415, 'unsupported_media_type'],
    ['a cross-site form post to a control', '/api/jobs/1/cancel', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, 415, 'unsupported_media_type'],
    ['a huge body', '/api/jobs/customer', { method: 'POST', json: { entity_id: 'c', payload: 'x'.repeat(2 * 1024 * 1024) } }, 413, 'payload_too_large'],
    ['a huge entity id', '/api/jobs/customer', { method: 'POST', json: { entity_id: 'x'.repeat(10_000) } }, 422, 'validation_error'],
  ];

  test.each(cases)('%s → %s', async (_name, path, init, status, code) => {
    const before = (await t.engine.jobs.metrics()).total_jobs;
    const res = await t.request(path, init);
    expect(res.status).toBe(status);
    expect(res.body).toMatchObject({ error: { code, message: expect.any(String), request_id: expect.any(String) } });
    expect((await t.engine.jobs.metrics()).total_jobs).toBe(before);
  });

  test('a browser request from another site cannot drive the API', async () => {
    const created = await t.request('/api/jobs/customer', { method: 'POST', json: { entity_id: 'csrf-target' } });
    const res = await t.request(`/api/jobs/${created.body.id}/cancel`, { method: 'POST', headers: { 'sec-fetch-site': 'cross-site' } });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('cross_site_request');
    expect((await t.engine.jobs.get(created.body.id))!.status).toBe('pending');
    const same = await t.request(`/api/jobs/${created.body.id}/cancel`, { method: 'POST', headers: { 'sec-fetch-site': 'same-origin' } });
    expect(same.status).toBe(200);
  });

  test('validation errors name the field', async () => {
    const res = await t.request('/api/jobs/customer', { method: 'POST', json: { entity_id: 42 } });
    expect(res.body.error.details).toEqual([expect.objectContaining({ field: 'entity_id', location: 'json' })]);
    expect(res.body.error.message).toContain('entity_id');
    const typeRes = await t.request('/api/jobs', { method: 'POST', json: { job_type: 'nope', entity_id: 'c' } });
    expect(typeRes.body.error.details).toEqual([expect.objectContaining({ field: 'job_type' })]);
  });

  test('SQL and HTML metacharacters in an entity id are stored and returned verbatim', async () => {
    const entity = `c'; drop table jobs; -- <script>alert(1)</script>`;
    const res = await t.request('/api/jobs/customer', { method: 'POST', json: { entity_id: entity } });
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const read = await t.request(`/api/jobs/${res.body.id}`);
    expect(read.body.entity_id).toBe(entity);
    const listed = await t.request(`/api/jobs?entity_id=${encodeURIComponent(entity)}`);
    expect(listed.body.data).toHaveLength(1);
  });
});

describe.each(testBackends())('API token (%s)', (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp(backend, { apiToken: 's3cret-token' });
  });
  afterAll(() => t.close());

  test('the API requires the bearer token; health and the OpenAPI document stay open', async () => {
    const missing = await t.request('/api/jobs');
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(missing.body.error.code).toBe('unauthorized');
    const wrong = await t.request('/api/jobs', { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    expect(JSON.stringify(wrong.body)).not.toContain('s3cret-token');
    const right = await t.request('/api/jobs', { headers: { authorization: 'Bearer s3cret-token' } });
    expect(right.status).toBe(200);
    expect((await t.request('/metrics')).status).toBe(401);
    expect((await t.request('/healthz')).status).toBe(200);
    expect((await t.request('/openapi.json')).status).toBe(200);
    const post = await t.request('/api/jobs/customer', { method: 'POST', json: { entity_id: 'c' } });
    expect(post.status).toBe(401);
    expect((await t.engine.jobs.metrics()).total_jobs).toBe(0);
  });
});
