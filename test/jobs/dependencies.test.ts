import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { NotFound } from '../../src/protocol/errors.ts';
import { testBackends } from '../helpers/backends.ts';
import { testEngine, waitFor, type TestEngine } from '../helpers/engine.ts';
import { startWorker } from '../helpers/workers.ts';

describe.each(testBackends())('job dependencies (%s)', (backend) => {
  let e: TestEngine;
  beforeEach(async () => {
    e = await testEngine(backend);
  });
  afterEach(() => e.close());

  test('a job runs only after every job it depends on has succeeded', async () => {
    const order: string[] = [];
    const a = (await e.jobs.enqueue({ jobType: 't', entityId: 'a', priority: -1 })).job;
    const b = (await e.jobs.enqueue({ jobType: 't', entityId: 'b', priority: -1 })).job;
    const c = (await e.jobs.enqueue({ jobType: 't', entityId: 'c', priority: 100, dependsOn: [a.id, b.id] })).job;
    const d = (await e.jobs.enqueue({ jobType: 't', entityId: 'd', priority: 100, dependsOn: [c.id] })).job;
    expect(c.pending_dependencies).toBe(2);
    await startWorker(e, {
      concurrency: 4,
      handlers: {
        t: async (job) => {
          order.push(job.entity_id);
          await new Promise((r) => setTimeout(r, 10));
        },
      },
    });
    await waitFor('all four', async () => (await e.jobs.get(d.id))!.status === 'succeeded');
    expect(order.slice(0, 2).sort()).toEqual(['a', 'b']);
    expect(order.slice(2)).toEqual(['c', 'd']);
    expect((await e.jobs.getWithAttempts(c.id)).depends_on.map((x) => x.id)).toEqual([a.id, b.id]);
  });

  test('when a dependency fails, its dependents are cancelled with the reason, transitively', async () => {
    const ran: string[] = [];
    const a = (await e.jobs.enqueue({ jobType: 't', entityId: 'a' })).job;
    const b = (await e.jobs.enqueue({ jobType: 't', entityId: 'b', dependsOn: [a.id] })).job;
    const c = (await e.jobs.enqueue({ jobType: 't', entityId: 'c', dependsOn: [b.id] })).job;
    const free = (await e.jobs.enqueue({ jobType: 't', entityId: 'free' })).job;
    await startWorker(e, {
      handlers: {
        t: (job) => {
          ran.push(job.entity_id);
          if (job.entity_id === 'a') throw new NotFound('a is missing');
        },
      },
    });
    await waitFor('c cancelled', async () => (await e.jobs.get(c.id))!.status === 'cancelled');
    for (const id of [b.id, c.id]) {
      const j = await e.jobs.get(id);
      expect(j!.last_error).toMatchObject({ class: 'DependencyFailed' });
    }
    expect((await e.jobs.get(b.id))!.last_error!.message).toBe(`dependency job ${a.id} ended failed`);
    await waitFor('free to succeed', async () => (await e.jobs.get(free.id))!.status === 'succeeded');
    expect(ran.sort()).toEqual(['a', 'free']);
  });

  test('cancelling a dependency cancels its dependents', async () => {
    const a = (await e.jobs.enqueue({ jobType: 't', entityId: 'a', runAt: new Date(Date.now() + 3_600_000) })).job;
    const b = (await e.jobs.enqueue({ jobType: 't', entityId: 'b', dependsOn: [a.id] })).job;
    await e.jobs.cancel(a.id);
    expect(await e.jobs.get(b.id)).toMatchObject({ status: 'cancelled', last_error: { message: `dependency job ${a.id} ended cancelled` } });
  });

  test('depending on an already-succeeded job is no wait; on an already-failed job, cancelled at once', async () => {
    await startWorker(e, {
      handlers: {
        ok: () => undefined,
        bad: () => {
          throw new NotFound('x');
        },
      },
    });
    const ok = (await e.jobs.enqueue({ jobType: 'ok', entityId: '1' })).job;
    const bad = (await e.jobs.enqueue({ jobType: 'bad', entityId: '1' })).job;
    await waitFor('both done', async () => (await e.jobs.metrics()).finished_jobs === 2);
    const after = (await e.jobs.enqueue({ jobType: 'ok', entityId: '2', dependsOn: [ok.id] })).job;
    expect(after.pending_dependencies).toBe(0);
    const doomed = await e.jobs.enqueue({ jobType: 'ok', entityId: '3', dependsOn: [bad.id] });
    expect(doomed.job).toMatchObject({ status: 'cancelled', last_error: { class: 'DependencyFailed' } });
  });

  test('an unknown dependency is rejected and nothing is written', async () => {
    await expect(e.jobs.enqueue({ jobType: 't', entityId: 'x', dependsOn: [424242] })).rejects.toThrow(/unknown job id\(s\) 424242/);
    expect((await e.jobs.metrics()).total_jobs).toBe(0);
  });
});
