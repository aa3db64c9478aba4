/**
 * The merge's promises held by the whole system, not only the pure function (merge.property.test.ts):
 * random histories of concurrent local edits (the API) and remote edits (the fake's web UI), with
 * webhooks delivered late, reordered, duplicated or lost, while a worker runs. After the dust settles —
 * a poll, every held conflict resolved by choosing a side, another poll — the mirror and the provider
 * hold the same issue; every value either side ends with was written by someone; and a conflict was
 * only ever recorded for a field both sides edited.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { testBackends, type Backend } from '../helpers/backends.ts';
import { waitFor } from '../helpers/engine.ts';
import { PROVIDERS, startRig, type ProviderName, type TwoWayRig } from './forges.ts';

type Field = 'title' | 'body' | 'state';
type Command =
  | { kind: 'local'; field: Field | 'labels' }
  | { kind: 'remote'; field: Field | 'labels' }
  | { kind: 'deliver'; order: 'in_order' | 'reverse' | 'shuffle'; duplicates: number; drop: number }
  | { kind: 'pause' };

const fieldArb = fc.constantFrom<Field | 'labels'>('title', 'body', 'state', 'labels');
const commandArb: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ kind: fc.constant('local' as const), field: fieldArb }),
  fc.record({ kind: fc.constant('remote' as const), field: fieldArb }),
  fc.record({ kind: fc.constant('deliver' as const), order: fc.constantFrom('in_order' as const, 'reverse' as const, 'shuffle' as const), duplicates: fc.integer({ min: 0, max: 1 }), drop: fc.constantFrom(0, 0, 0.5) }),
  fc.record({ kind: fc.constant('pause' as const) }),
);

const sorted = (xs: readonly string[]) => [...xs].sort();

// Every provider on Postgres, one on the embedded backend. A fixed seed keeps CI repeatable;
// SYNCBRIDGE_PROPERTY_RUNS=200 with SYNCBRIDGE_PROPERTY_SEED unset explores new histories.
const cases: [ProviderName, Backend][] = testBackends().flatMap((b): [ProviderName, Backend][] => (b === 'pg' ? PROVIDERS.map((p) => [p, b]) : [['github', b]]));
const RUNS = Number(process.env.SYNCBRIDGE_PROPERTY_RUNS ?? 0);
const SEED = process.env.SYNCBRIDGE_PROPERTY_SEED ?? (RUNS ? undefined : '20261203');

describe.each(cases)('two-way convergence under random histories with %s (%s)', (provider, backend) => {
  let rig: TwoWayRig;
  beforeAll(async () => {
    rig = await startRig(provider, backend);
  });
  afterAll(() => rig.close());

  test('mirror and provider converge; every final value was written by someone; conflicts only on fields both sides edited', async () => {
    let round = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(commandArb, { minLength: 3, maxLength: 10 }), fc.boolean(), async (commands, preferLocal) => {
        const r = rig;
        const tag = `r${++round}`;
        const created = r.forge.store.remoteCreate(r.repo, { title: `${tag} title`, body: `${tag} body`, labels: ['base'] });
        await r.deliver();
        const row = await r.mirrorOf(created.number);
        const written: Record<Field, Set<string>> = { title: new Set([`${tag} title`]), body: new Set([`${tag} body`]), state: new Set(['open', 'closed']) };
        const edited = { local: new Set<string>(), remote: new Set<string>() };
        let n = 0;
        for (const c of commands) {
          if (c.kind === 'local' || c.kind === 'remote') {
            const value = `${tag} ${c.kind}${++n}`;
            edited[c.kind].add(c.field);
            if (c.kind === 'local') {
              const patch = c.field === 'labels' ? { labels: [...(await r.engine.twoway.getIssue(row.id)).issue.labels, value] } : c.field === 'state' ? { state: (await r.engine.twoway.getIssue(row.id)).issue.state === 'open' ? ('closed' as const) : ('open' as const) } : { [c.field]: value };
              if (c.field === 'title' || c.field === 'body') written[c.field].add(value);
              await r.engine.twoway.updateIssue(row.id, patch).catch((err: Error) => {
                // A deleted issue cannot be edited; nothing here deletes, so anything else is a failure.
                throw err;
              });
            } else {
              const current = r.remote(created.number);
              const patch = c.field === 'labels' ? { add_labels: [value] } : c.field === 'state' ? { state: current.state === 'open' ? ('closed' as const) : ('open' as const) } : { [c.field]: value };
              if (c.field === 'title' || c.field === 'body') written[c.field].add(value);
              r.remoteEdit(created.number, patch);
            }
          } else if (c.kind === 'deliver') {
            await r.deliver({ order: c.order, duplicates: c.duplicates, drop: c.drop });
          } else {
            await new Promise((resolve) => setTimeout(resolve, 30));
          }
        }

        // Settle: everything delivered, a poll for what was lost, conflicts resolved, a poll again.
        const settle = async () => {
          await r.deliver();
          await r.settle();
          const { job } = await r.engine.twoway.poll(r.connection.id);
          await waitFor('the poll', async () => ['succeeded', 'dead', 'failed'].includes((await r.engine.jobs.get(job.id))?.status ?? ''));
          expect((await r.engine.jobs.get(job.id))?.status).toBe('succeeded');
          await r.deliver();
          await r.settle();
        };
        await settle();
        const conflicts = await r.engine.twoway.listConflicts({ issueId: row.id });
        for (const conflict of conflicts) {
          // Only a field both sides edited can conflict.
          expect(edited.local.has(conflict.field) && edited.remote.has(conflict.field), `conflict on ${conflict.field}`).toBe(true);
        }
        for (const conflict of conflicts.filter((x) => x.status === 'open')) {
          await r.engine.twoway.resolveConflict(conflict.id, { choice: preferLocal ? 'local' : 'remote' });
        }
        await settle();

        const { issue, conflicts: after, outbox } = await r.engine.twoway.getIssue(row.id);
        const remote = r.remote(created.number);
        expect(after.filter((x) => x.status === 'open')).toEqual([]);
        expect(outbox.filter((e) => e.status !== 'sent')).toEqual([]);
        expect(issue.sync_status).toBe('synced');
        expect({ title: issue.title, body: issue.body, state: issue.state, labels: sorted(issue.labels) }).toEqual({
          title: remote.title,
          body: remote.body ?? '',
          state: remote.state,
          labels: sorted(remote.labels),
        });
        expect(written.title.has(issue.title)).toBe(true);
        expect(written.body.has(issue.body)).toBe(true);
        // Labels merge as sets: nobody removed one, so every label anyone added is there.
        expect(issue.labels).toContain('base');
      }),
      { numRuns: RUNS || (backend === 'pg' ? 8 : 4), ...(SEED === undefined ? {} : { seed: Number(SEED) }), endOnFailure: true },
    );
  });
});
