/**
 * A create is not idempotent on any of the three APIs. When the provider made the issue but its answer
 * was lost (here: the real HTTP create ran against the fake, then the answer is dropped as a timeout
 * would drop it), the retried push finds the issue it made and adopts it — one issue on the provider,
 * linked to the mirror. A webhook announcing that issue while our create is unsettled waits for it
 * rather than mirroring the issue a second time.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { UpstreamTimeout } from '../../src/protocol/errors.ts';
import { testBackends } from '../helpers/backends.ts';
import { waitFor } from '../helpers/engine.ts';
import { overrideProviders, PROVIDERS, startRig, type TwoWayRig } from './forges.ts';

let rig: TwoWayRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const backends = testBackends();

describe.each(PROVIDERS)('a create whose answer is lost (%s)', (provider) => {
  test('the retry adopts the issue the first attempt made: exactly one on the provider; the early webhook waits and then changes nothing', async () => {
    let creates = 0;
    // Before the first answer is "lost", the provider's webhook for the new issue is delivered and its
    // job runs: it must wait (snooze) for our create rather than mirror the issue a second time.
    const hooks: { whileUnsettled?: () => Promise<void> } = {};
    rig = await startRig(provider, backends.includes('pg') ? 'pg' : 'pglite', {
      providers: overrideProviders((real) => ({
        async create(fields, signal) {
          const made = await real.create(fields, signal);
          // The first answer never arrives.
          if (++creates === 1) {
            await hooks.whileUnsettled?.();
            throw new UpstreamTimeout('the answer to the create was lost');
          }
          return made;
        },
      })),
    });
    const r = rig;
    hooks.whileUnsettled = async () => {
      await r.deliver();
      await waitFor('the early webhook to wait for our create', async () => {
        const { rows } = await r.engine.db.query(
          `select 1 from "${r.engine.schema}".job_attempts a join "${r.engine.schema}".jobs j on j.id = a.job_id where j.job_type = 'issue_webhook' and a.outcome = 'snoozed'`,
        );
        return rows.length > 0;
      });
    };
    const row = await r.engine.twoway.createIssue(r.connection.id, { title: 'Made here', body: 'once', labels: ['new'] });
    await waitFor('the mirror row to be linked', async () => (await r.engine.twoway.getIssue(row.id)).issue.external_id !== null);
    await r.settle();
    await r.deliver();
    await r.settle();

    expect(r.forge.store.list(r.repo)).toHaveLength(1);
    expect(creates).toBe(1);
    const detail = await r.engine.twoway.getIssue(row.id);
    expect(detail.issue).toMatchObject({ title: 'Made here', sync_status: 'synced', external_id: String(r.forge.store.list(r.repo)[0]!.number) });
    expect(detail.log.find((l) => l.action === 'pushed')?.detail).toMatchObject({ op: 'create', adopted: true });
    const mirrored = await r.engine.twoway.listIssues({ connectionId: r.connection.id, includeDeleted: true });
    expect(mirrored).toHaveLength(1);
  });
});
