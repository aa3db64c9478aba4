/**
 * After a backfill, an incremental read walks the Events API from the saved state and yields exactly the changes
 * made since (deleted: true on deletes); a state older than Stripe's 30-day event window falls back to a backfill.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { stripeSource } from '../../../src/connectors/stripe/index.ts';
import { startFakeStripe, type FakeStripe } from '../../../src/fakes/stripe/index.ts';
import type { Message } from '../../../src/protocol/messages.ts';
import { catalogOf, collect, configFor, recordIds } from './helpers.ts';

let fake: FakeStripe;
beforeAll(async () => {
  fake = await startFakeStripe();
  fake.store.seed({ customers: 250 });
});
afterAll(() => fake.close());

const lastState = (ms: Message[]) => ms.filter((m) => m.type === 'state').at(-1)!.state.data;

describe('stripe source incremental reads', () => {
  test('an incremental read after a backfill yields exactly the creates, updates and deletes since', async () => {
    const config = configFor(fake, { page_size: 2 });
    const catalog = catalogOf(['customers']);
    const backfill = await collect(stripeSource.read({ config: configFor(fake), catalog }));
    expect(recordIds(backfill)).toHaveLength(250);
    const state = lastState(backfill);
    expect(state).toMatchObject({ phase: 'incremental' });

    const a = fake.store.create('customers', { email: 'a@example.com' });
    const b = fake.store.create('customers', { email: 'b@example.com' });
    const old = fake.store.all('customers').at(-1)!;
    fake.store.update('customers', old.id, { name: 'Renamed' });
    fake.store.update('customers', a.id, { name: 'Ada' });
    fake.store.delete('customers', b.id);

    const inc = await collect(stripeSource.read({ config, catalog, state: { customers: state } }));
    const records = inc.flatMap((m) => (m.type === 'record' ? [m.record] : []));
    expect(records.map((r) => [r.data.id, r.deleted ?? false])).toEqual([
      [a.id, false],
      [b.id, false],
      [old.id, false],
      [a.id, false],
      [b.id, true],
    ]);
    expect(records[2]!.data.name).toBe('Renamed');
    expect(records[3]!.data.name).toBe('Ada');

    // Resuming from the incremental state reached yields nothing new; from the middle, only the rest.
    expect(recordIds(await collect(stripeSource.read({ config, catalog, state: { customers: lastState(inc) } })))).toEqual([]);
    const mid = inc.filter((m) => m.type === 'state')[1]!;
    const rest = await collect(stripeSource.read({ config, catalog, state: { customers: mid.type === 'state' ? mid.state.data : null } }));
    expect(recordIds(rest)).toEqual([b.id]);
  });

  test('a cursor older than the 30-day event window logs and falls back to a full backfill', async () => {
    const stale = { phase: 'incremental', since: { created: Math.floor(Date.now() / 1000) - 31 * 86_400, seen: [] } };
    const messages = await collect(stripeSource.read({ config: configFor(fake), catalog: catalogOf(['customers']), state: { customers: stale } }));
    expect(messages.some((m) => m.type === 'log' && m.log.message === 'stripe_events_window_expired')).toBe(true);
    expect(new Set(recordIds(messages))).toEqual(new Set(fake.store.all('customers').map((c) => c.id)));
    expect(lastState(messages)).toMatchObject({ phase: 'incremental' });
  });
});
