/**
 * A remote edit that lands between the push's read and its write: the provider's answer to our update
 * carries it. It must reach the mirror as the remote edit it is — not be taken for the echo of our own
 * write (which left the mirror behind the provider for good, found by the convergence property).
 */
import { afterEach, describe, expect, test } from 'vitest';
import { testBackends } from '../helpers/backends.ts';
import { waitFor } from '../helpers/engine.ts';
import { overrideProviders, PROVIDERS, startRig, type TwoWayRig } from './forges.ts';

let rig: TwoWayRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const backend = testBackends().includes('pg') ? 'pg' : 'pglite';

describe.each(PROVIDERS)('a remote edit between the push’s read and write (%s)', (provider) => {
  test('the answer’s other fields reach the mirror; both sides end equal; its webhook changes nothing more', async () => {
    const hooks: { beforeUpdate?: () => void } = {};
    rig = await startRig(provider, backend, {
      providers: overrideProviders((real) => ({
        async update(externalId, fields, signal) {
          hooks.beforeUpdate?.();
          hooks.beforeUpdate = undefined;
          return real.update(externalId, fields, signal);
        },
      })),
    });
    const r = rig;
    const created = r.forge.store.remoteCreate(r.repo, { title: 'Before', body: 'body' });
    await r.deliver();
    const row = await r.mirrorOf(created.number);
    await r.settle();

    hooks.beforeUpdate = () => r.remoteEdit(created.number, { title: 'Edited on the provider meanwhile' });
    await r.engine.twoway.updateIssue(row.id, { labels: ['local'] });
    await waitFor('the mirror to take the remote title', async () => (await r.engine.twoway.getIssue(row.id)).issue.title === 'Edited on the provider meanwhile');
    await r.settle();
    await r.deliver();
    await r.settle();

    const { issue, conflicts, outbox, log } = await r.engine.twoway.getIssue(row.id);
    const remote = r.remote(created.number);
    expect({ title: issue.title, body: issue.body, labels: issue.labels }).toEqual({ title: remote.title, body: remote.body ?? '', labels: [...remote.labels] });
    expect(issue).toMatchObject({ title: 'Edited on the provider meanwhile', labels: ['local'], sync_status: 'synced' });
    expect(conflicts).toEqual([]);
    expect(outbox.every((e) => e.status === 'sent')).toBe(true);
    expect(log.find((l) => l.direction === 'outbound' && l.action === 'pushed')?.detail).toMatchObject({ remote_edit_meanwhile: true });
    expect(log.find((l) => l.direction === 'inbound' && l.action === 'updated')?.detail).toMatchObject({ via: 'push_answer' });
  });
});
