import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { nextFireTime, Scheduler } from '../../src/jobs/scheduler.ts';
import { ValidationError } from '../../src/protocol/errors.ts';
import { silentLogger } from '../../src/log.ts';
import { testBackends } from '../helpers/backends.ts';
import { ManualClock, testEngine, type TestEngine } from '../helpers/engine.ts';

describe('nextFireTime', () => {
  test('cron in UTC', () => {
    expect(nextFireTime({ cron: '*/15 * * * *', every_seconds: null }, new Date('2026-01-01T10:07:00Z'))).toEqual(new Date('2026-01-01T10:15:00Z'));
    expect(nextFireTime({ cron: '*/15 * * * *', every_seconds: null }, new Date('2026-01-01T10:15:00Z'))).toEqual(new Date('2026-01-01T10:30:00Z'));
  });
  test('fixed interval', () => {
    expect(nextFireTime({ cron: null, every_seconds: 90 }, new Date('2026-01-01T10:00:00Z'))).toEqual(new Date('2026-01-01T10:01:30Z'));
  });
});

describe.each(testBackends())('recurring jobs (%s)', (backend) => {
  let e: TestEngine;
  let clock: ManualClock;
  let scheduler: Scheduler;
  beforeEach(async () => {
    clock = new ManualClock(Date.parse('2026-01-01T10:07:00Z'));
    e = await testEngine(backend, { clock });
    scheduler = new Scheduler(e.jobs, silentLogger);
  });
  afterEach(() => e.close());

  test('a cron schedule enqueues its job at each fire time, once, even with several schedulers', async () => {
    const s = await Scheduler.upsert(e.jobs, { name: 'poll-github', jobType: 'poll', entityId: 'conn-1', cron: '*/15 * * * *' });
    expect(s.next_run_at).toEqual(new Date('2026-01-01T10:15:00Z'));
    expect(await scheduler.tick()).toBe(0);

    clock.set(new Date('2026-01-01T10:15:01Z'));
    const other = new Scheduler(e.jobs, silentLogger);
    const fired = await Promise.all([scheduler.tick(), other.tick()]);
    expect(fired[0]! + fired[1]!).toBe(1);
    const jobs = await e.jobs.list({ jobType: ['poll'] });
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ entity_id: 'conn-1', schedule_name: 'poll-github', idempotency_key: 'schedule:poll-github:2026-01-01T10:15:00.000Z' });
    expect((await Scheduler.list(e.jobs))[0]!.next_run_at).toEqual(new Date('2026-01-01T10:30:00Z'));
  });

  test('a run still active is not doubled, and missed fire times are skipped, not replayed', async () => {
    await Scheduler.upsert(e.jobs, { name: 'every-minute', jobType: 'poll', entityId: 'c', everySeconds: 60 });
    clock.advance(60_000);
    await scheduler.tick();
    clock.advance(60_000);
    await scheduler.tick();
    expect(await e.jobs.list({ jobType: ['poll'] })).toHaveLength(1);
    clock.advance(3_600_000);
    expect(await scheduler.tick()).toBe(1);
    expect(await scheduler.tick()).toBe(0);
    expect((await Scheduler.list(e.jobs))[0]!.next_run_at).toEqual(new Date(clock.now().getTime() + 60_000));
  });

  test('invalid schedules are rejected', async () => {
    await expect(Scheduler.upsert(e.jobs, { name: 'x', jobType: 't', entityId: 'e', cron: 'not a cron' })).rejects.toBeInstanceOf(ValidationError);
    await expect(Scheduler.upsert(e.jobs, { name: 'x', jobType: 't', entityId: 'e' })).rejects.toThrow(/exactly one of cron and every_seconds/);
    await expect(Scheduler.upsert(e.jobs, { name: 'x', jobType: 't', entityId: 'e', everySeconds: -1 })).rejects.toThrow(/every_seconds/);
    expect(await Scheduler.list(e.jobs)).toEqual([]);
  });
});
