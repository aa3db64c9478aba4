import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { ValidationError } from '../../src/protocol/errors.ts';
import { testBackends } from '../helpers/backends.ts';
import { testEngine, type TestEngine } from '../helpers/engine.ts';

describe.each(testBackends())('enqueue (%s)', (backend) => {
  let e: TestEngine;
  beforeEach(async () => {
    e = await testEngine(backend);
  });
  afterEach(() => e.close());

  test('a new job is pending with defaults filled in', async () => {
    const { job, created } = await e.jobs.enqueue({ jobType: 'customer', entityId: 'c_1001' });
    expect(created).toBe(true);
    expect(job).toMatchObject({ job_type: 'customer', entity_id: 'c_1001', status: 'pending', attempt_count: 0, max_retries: 3, priority: 0 });
    expect(job.correlation_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(job.run_at).toBeInstanceOf(Date);
    expect(typeof job.id).toBe('number');
  });

  test('a duplicate enqueue for an active (type, entity) returns the same job and says so', async () => {
    const first = await e.jobs.enqueue({ jobType: 'customer', entityId: 'c_1001' });
    const second = await e.jobs.enqueue({ jobType: 'customer', entityId: 'c_1001', payload: { other: true } });
    expect(second.created).toBe(false);
    expect(second.job.id).toBe(first.job.id);
    const other = await e.jobs.enqueue({ jobType: 'invoice', entityId: 'c_1001' });
    expect(other.created).toBe(true);
    expect(await e.jobs.list({ jobType: ['customer'] })).toHaveLength(1);
  });

  test('concurrent duplicate enqueues create exactly one job', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => e.jobs.enqueue({ jobType: 'customer', entityId: 'c_race' })));
    expect(new Set(results.map((r) => r.job.id)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
  });

  test('after the active job finishes, the same entity can be enqueued again', async () => {
    const first = await e.jobs.enqueue({ jobType: 'customer', entityId: 'c_1' });
    await e.jobs.cancel(first.job.id);
    const again = await e.jobs.enqueue({ jobType: 'customer', entityId: 'c_1' });
    expect(again.created).toBe(true);
    expect(again.job.id).not.toBe(first.job.id);
  });

  test('an idempotency key returns the first job even after it finished', async () => {
    const first = await e.jobs.enqueue({ jobType: 'customer', entityId: 'c_1', idempotencyKey: 'req-1' });
    await e.jobs.cancel(first.job.id);
    const again = await e.jobs.enqueue({ jobType: 'customer', entityId: 'c_1', idempotencyKey: 'req-1' });
    expect(again).toMatchObject({ created: false, job: { id: first.job.id, status: 'cancelled' } });
  });

  test('batch enqueue inserts many jobs in one call and reports duplicates in input order', async () => {
    const existing = await e.jobs.enqueue({ jobType: 't', entityId: 'e_5' });
    const inputs = Array.from({ length: 1000 }, (_, i) => ({ jobType: 't', entityId: `e_${i}`, payload: { i } }));
    inputs.push({ jobType: 't', entityId: 'e_7', payload: { i: -1 } });
    const results = await e.jobs.enqueueMany(inputs);
    expect(results).toHaveLength(1001);
    expect(results.filter((r) => r.created)).toHaveLength(999);
    expect(results[5]).toMatchObject({ created: false, job: { id: existing.job.id } });
    expect(results[1000]).toMatchObject({ created: false, job: { id: results[7]!.job.id } });
    results.forEach((r, i) => i < 1000 && expect(r.job.entity_id).toBe(`e_${i}`));
    expect((await e.jobs.metrics()).total_jobs).toBe(1000);
  });

  test('a bulk enqueue returns each job as stored: ids, generated and given correlation ids, mixed job types', async () => {
    // Large enough for the all-or-nothing fast path, which builds the jobs from what it sent plus the
    // ids and correlation ids Postgres answered with.
    const inputs = Array.from({ length: 300 }, (_, i) => ({
      jobType: i % 3 === 0 ? 'a' : 'b',
      entityId: `m_${(i * 7919) % 300}`,
      payload: { i },
      ...(i % 5 === 0 ? { correlationId: `given-${i}` } : {}),
      ...(i % 11 === 0 ? { priority: 4, maxRetries: 9 } : {}),
    }));
    const results = await e.jobs.enqueueMany(inputs);
    expect(results.every((r) => r.created)).toBe(true);
    expect(new Set(results.map((r) => r.job.correlation_id)).size).toBe(300);
    for (const [i, r] of results.entries()) {
      const stored = (await e.jobs.get(r.job.id))!;
      expect(stored).toMatchObject({ job_type: inputs[i]!.jobType, entity_id: inputs[i]!.entityId, payload: { i } });
      expect(r.job).toEqual(stored);
      if (i % 5 === 0) expect(stored.correlation_id).toBe(`given-${i}`);
      else expect(stored.correlation_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
  });

  test('bad input is rejected with the field named and nothing written', async () => {
    const bad = [
      { jobType: '', entityId: 'x' },
      { jobType: 't', entityId: '' },
      { jobType: 't', entityId: 'x', priority: 1.5 },
      { jobType: 't', entityId: 'x', maxRetries: -1 },
      { jobType: 't', entityId: 'x', runAt: new Date('nope') },
      { jobType: 't', entityId: 'x', dependsOn: [999_999] },
    ];
    for (const input of bad) await expect(e.jobs.enqueue(input)).rejects.toBeInstanceOf(ValidationError);
    await expect(e.jobs.enqueue({ jobType: 't', entityId: 'x', maxRetries: -1 })).rejects.toThrow(/max_retries/);
    expect((await e.jobs.metrics()).total_jobs).toBe(0);
  });

  test('payloads round-trip as JSON, metacharacters included', async () => {
    const payload = { quote: "it's", html: '<script>alert(1)</script>', sql: "'; drop table jobs; --", nested: [1, { a: null }] };
    const { job } = await e.jobs.enqueue({ jobType: 't', entityId: "x'); drop table jobs; --", payload });
    const read = await e.jobs.get(job.id);
    expect(read!.payload).toEqual(payload);
    expect(read!.entity_id).toBe("x'); drop table jobs; --");
  });
});
