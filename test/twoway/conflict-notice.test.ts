/**
 * Each new conflict is announced: a `twoway.conflict` log event, and — when the connection has a
 * notify_url — a JSON POST there, sent by a job enqueued with the conflict (so exactly once per conflict,
 * retried if the receiver fails). The same conflict found again by a later delivery is not announced
 * twice. Last-writer-wins connections record no conflict at all.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { startWebhookReceiver, type WebhookReceiver } from '../../src/fakes/git/index.ts';
import { createLogger } from '../../src/log.ts';
import { testBackends } from '../helpers/backends.ts';
import { waitFor } from '../helpers/engine.ts';
import { startWorker } from '../helpers/workers.ts';
import { startRig, type TwoWayRig } from './forges.ts';

let rig: TwoWayRig | undefined;
let receiver: WebhookReceiver | undefined;
afterEach(async () => {
  await rig?.close();
  await receiver?.close();
  rig = receiver = undefined;
});

/** Both sides change the title before either hears of the other; returns the mirror id and issue number. */
async function concurrentTitleEdits(r: TwoWayRig, gapMs = 0) {
  const worker = await startWorker(r.engine, { concurrency: 4, handlers: {} });
  const created = r.forge.store.remoteCreate(r.repo, { title: 'Base title' });
  await r.deliver();
  const row = await r.mirrorOf(created.number);
  await r.settle();
  await worker.stop(0);
  await r.engine.twoway.updateIssue(row.id, { title: 'Local title' });
  await new Promise((resolve) => setTimeout(resolve, gapMs));
  r.remoteEdit(created.number, { title: 'Remote title' });
  await r.deliver();
  await startWorker(r.engine, { concurrency: 4, handlers: {} });
  return { id: row.id, number: created.number };
}

describe.each(testBackends())('conflict announcements (%s)', (backend) => {
  test('a new conflict is logged and POSTed to the notify_url once, with both values and no secret', async () => {
    receiver = await startWebhookReceiver();
    const lines: string[] = [];
    const logger = createLogger('info', { write: (line: string) => void lines.push(line) });
    rig = await startRig('github', backend, { worker: false, notifyUrl: receiver.url, logger });
    const { id, number } = await concurrentTitleEdits(rig);

    const [notice] = await receiver.waitFor(1, 10_000);
    const body = JSON.parse(notice!.text) as Record<string, any>;
    expect(body).toMatchObject({
      event: 'issue.conflict',
      connection: { id: rig.connection.id, provider: 'github' },
      issue: { id, external_id: String(number) },
      conflict: { field: 'title', base: 'Base title', local: 'Local title', remote: 'Remote title' },
    });
    expect(notice!.text).not.toContain('whsec');
    const events = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.event === 'twoway.conflict');
    expect(events).toEqual([expect.objectContaining({ issue_id: id, field: 'title', conflict_id: body.conflict.id })]);

    // The same conflict seen again (a redelivery, a poll) is not announced again.
    const { job } = await rig.engine.twoway.poll(rig.connection.id, { full: true });
    await waitFor('the poll', async () => (await rig!.engine.jobs.get(job.id))?.status === 'succeeded');
    await rig.settle();
    expect(receiver.received).toHaveLength(1);
    expect((await rig.engine.twoway.listConflicts({ status: 'open' })).length).toBe(1);
  });

  test('under last_writer_wins the later edit takes the field and no conflict is recorded', async () => {
    rig = await startRig('github', backend, { worker: false, policy: { same_field: 'last_writer_wins' } });
    const r = rig;
    // GitHub's updated_at has whole seconds: edits in one second cannot be ordered by it, so the remote
    // edit comes more than a second after the local one.
    const { id, number } = await concurrentTitleEdits(r, 1_100);
    // The remote edit came after the local one: it wins on both sides.
    await waitFor('the mirror to take the later title', async () => (await r.engine.twoway.getIssue(id)).issue.title === 'Remote title');
    await r.settle();
    expect(r.remote(number).title).toBe('Remote title');
    expect(await r.engine.twoway.listConflicts()).toEqual([]);
    const log = await r.engine.twoway.syncLog({ issueId: id });
    expect(log.some((l) => JSON.stringify(l.detail ?? {}).includes('overridden'))).toBe(true);
  });
});
