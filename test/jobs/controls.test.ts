import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { JobNotFound, JobStateError } from '../../src/jobs/errors.ts';
import { NotFound } from '../../src/protocol/errors.ts';
import { testBackends } from '../helpers/backends.ts';
import { testEngine, waitFor, type TestEngine } from '../helpers/engine.ts';
import { startWorker } from '../helpers/workers.ts';

describe.each(testBackends())('cancel, retry and replay (%s)', (backend) => {
  let e: TestEngine;
  beforeEach(async () => {
    e = await testEngine(backend);
  });
  afterEach(() => e.close());

  const finished = (id: number) =>
    waitFor(`job ${id} to finish`, async () => {
      const j = await e.jobs.getWithAttempts(id);
      return !['pending', 'running'].includes(j.status) && j;
    });

  test('cancel: a pending job is cancelled; a finished one is a state error', async () => {
    const { job } = await e.jobs.enqueue({ jobType: 't', entityId: 'x' });
    const c = await e.jobs.cancel(job.id);
    expect(c).toMatchObject({ status: 'cancelled' });
    expect(c.finished_at).toBeInstanceOf(Date);
    const err = await e.jobs.cancel(job.id).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(JobStateError);
    expect(err).toMatchObject({ code: 'invalid_state', status: 'cancelled' });
  });

  test('retry: only a failed job; it keeps its history and adds an attempt', async () => {
    let calls = 0;
    await startWorker(e, {
      handlers: {
        t: () => {
          if (++calls === 1) throw new NotFound('not yet');
          return 'second time lucky';
        },
      },
    });
    const { job } = await e.jobs.enqueue({ jobType: 't', entityId: 'x' });
    const failed = await finished(job.id);
    expect(failed.status).toBe('failed');

    const retried = await e.jobs.retry(job.id);
    expect(retried).toMatchObject({ id: job.id, status: 'pending', finished_at: null });
    const done = await finished(job.id);
    expect(done.status).toBe('succeeded');
    expect(done.attempts.map((a) => [a.number, a.outcome])).toEqual([
      [1, 'failed'],
      [2, 'succeeded'],
    ]);
    await expect(e.jobs.retry(job.id)).rejects.toBeInstanceOf(JobStateError);
  });

  test('retry and cancel refuse pending, running and unknown jobs with typed errors', async () => {
    const { job } = await e.jobs.enqueue({ jobType: 't', entityId: 'x' });
    await expect(e.jobs.retry(job.id)).rejects.toThrow(/only failed jobs can be retried/);
    await expect(e.jobs.retry(987654)).rejects.toBeInstanceOf(JobNotFound);
    await expect(e.jobs.cancel(987654)).rejects.toBeInstanceOf(JobNotFound);
    await expect(e.jobs.replay(job.id)).rejects.toThrow(/only finished jobs can be replayed/);
  });

  test('retry of a failed job is refused while another job for the entity is active', async () => {
    await startWorker(e, {
      handlers: {
        t: () => {
          throw new NotFound('gone');
        },
      },
    });
    const { job } = await e.jobs.enqueue({ jobType: 't', entityId: 'x' });
    await finished(job.id);
    await e.db.query(`update ${e.jobs.sql.s}.jobs set run_at = now() + interval '1 hour' where id = $1`, [job.id]);
    const other = await e.jobs.enqueue({ jobType: 't', entityId: 'x', runAt: new Date(Date.now() + 3_600_000) });
    expect(other.created).toBe(true);
    await expect(e.jobs.retry(job.id)).rejects.toThrow(/another job for the same type and entity is active/);
    expect((await e.jobs.get(job.id))!.status).toBe('failed');
  });

  test('replay: a new job linked to the old job and its last attempt; the old one is untouched', async () => {
    await startWorker(e, {
      handlers: {
        t: () => {
          throw new NotFound('nope');
        },
      },
    });
    const { job } = await e.jobs.enqueue({ jobType: 't', entityId: 'x', payload: { a: 1 }, maxRetries: 5 });
    const old = await finished(job.id);
    const { job: replay, created } = await e.jobs.replay(job.id);
    expect(created).toBe(true);
    expect(replay).toMatchObject({
      job_type: 't',
      entity_id: 'x',
      payload: { a: 1 },
      max_retries: 5,
      status: 'pending',
      attempt_count: 0,
      replay_of_job_id: job.id,
      replay_of_attempt_id: old.attempts[0]!.id,
    });
    expect(replay.id).not.toBe(job.id);
    const after = await e.jobs.getWithAttempts(job.id);
    expect(after).toEqual(old);
  });

  test('replay of a job cancelled before any attempt links no attempt', async () => {
    const { job } = await e.jobs.enqueue({ jobType: 't', entityId: 'x' });
    await e.jobs.cancel(job.id);
    const { job: replay } = await e.jobs.replay(job.id);
    expect(replay).toMatchObject({ replay_of_job_id: job.id, replay_of_attempt_id: null });
  });

  test('replay is refused while another job for the same entity is active', async () => {
    const { job } = await e.jobs.enqueue({ jobType: 't', entityId: 'x' });
    await e.jobs.cancel(job.id);
    await e.jobs.enqueue({ jobType: 't', entityId: 'x' });
    await expect(e.jobs.replay(job.id)).rejects.toThrow(/still pending/);
  });
});
