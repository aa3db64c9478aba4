/**
 * The backfill in `created` windows, over real HTTP to the fake: each calendar month read on its own with
 * `created[gte]`/`created[lt]`, every object once, no page fetched twice; a read stopped mid-window resumes at
 * the next page of that window; `backfill_start` bounds the oldest window; an object created during the
 * backfill arrives through the events on the next incremental read; a state from before windows resumes
 * where it stopped (migrated in parseCursor).
 */
import { afterEach, describe, expect, test } from 'vitest';
import { parseCursor } from '../../../src/connectors/stripe/cursor.ts';
import { stripeSource } from '../../../src/connectors/stripe/index.ts';
import { StripeConfig } from '../../../src/connectors/stripe/spec.ts';
import { periodStart, windowLabel } from '../../../src/connectors/stripe/windows.ts';
import { startFakeStripe, type FakeStripe } from '../../../src/fakes/stripe/index.ts';
import type { Message } from '../../../src/protocol/messages.ts';
import { API_VERSION, catalogOf, collect, configFor, KEY, listRequests, monthlyPages, monthOf, pageRequests, recordIds } from './helpers.ts';

let fake: FakeStripe | undefined;
afterEach(() => fake?.close());

const nowSeconds = () => Math.floor(Date.now() / 1000);
const states = (ms: Message[]) => ms.flatMap((m) => (m.type === 'state' ? [m.state.data as Record<string, any>] : []));
const logs = (ms: Message[], message: string) => ms.flatMap((m) => (m.type === 'log' && m.log.message === message ? [m.log.fields!] : []));

/** The first second of the UTC month `back` months before the current one. */
function monthStart(back: number): number {
  const d = new Date();
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - back, 1) / 1000;
}

/** A fake with `n` customers spread evenly from the 15th of the month four months back until now: five calendar months. */
async function fiveMonths(n = 1_000): Promise<FakeStripe> {
  const f = await startFakeStripe();
  const from = monthStart(4) + 14 * 86_400;
  f.store.seed({ customers: n }, { spanDays: (nowSeconds() - from) / 86_400 });
  return f;
}

/** Reads until `stop` says so at a state; returns the messages so far and that state. */
async function readUntil(it: AsyncIterator<Message>, stop: (state: Record<string, any>, n: number) => boolean): Promise<{ messages: Message[]; state: Record<string, any> }> {
  const messages: Message[] = [];
  for (let n = 0; ; ) {
    const next = await it.next();
    if (next.done) throw new Error('the read ended first');
    messages.push(next.value);
    if (next.value.type === 'state' && stop(next.value.state.data as Record<string, any>, ++n)) {
      await it.return?.();
      return { messages, state: next.value.state.data as Record<string, any> };
    }
  }
}

describe('stripe backfill in created windows', () => {
  test('five months of customers: each month read as its own window, every object exactly once, no page fetched twice', async () => {
    fake = await fiveMonths();
    const all = fake.store.all('customers');
    expect(new Set(all.map((c) => monthOf(c.created))).size).toBe(5);
    const messages = await collect(stripeSource.read({ config: configFor(fake, { page_size: 50 }), catalog: catalogOf(['customers']) }));

    const ids = recordIds(messages);
    expect(ids).toHaveLength(all.length);
    expect(new Set(ids)).toEqual(new Set(all.map((c) => c.id)));

    const { pages, probes } = listRequests(fake, '/v1/customers');
    const expected = monthlyPages(all.map((c) => c.created), 50);
    expect(expected.windows).toBe(5);
    expect(pages).toHaveLength(expected.pages);
    // One probe before each window, one after the oldest (it finds nothing).
    expect(probes).toHaveLength(6);
    const requests = pageRequests(fake, '/v1/customers');
    expect(new Set(requests).size).toBe(requests.length);

    // Every page carries its month's bounds; the windows, newest first, are the five month starts.
    const windows = [...new Map(pages.map((q) => [`${q['created[gte]']}/${q['created[lt]']}`, q])).values()];
    expect(windows.map((q) => Number(q['created[gte]']))).toEqual([0, 1, 2, 3, 4].map(monthStart));
    for (let i = 1; i < windows.length; i++) expect(Number(windows[i]!['created[lt]'])).toBe(Number(windows[i - 1]!['created[gte]']));
    expect(Number(windows[0]!['created[lt]'])).toBeGreaterThan(all[0]!.created);
    for (const q of pages) expect(q.limit).toBe('50');

    // Records arrive newest window first; within a window, newest first.
    expect(ids.map((id) => all.findIndex((c) => c.id === id))).toEqual(all.map((_, i) => i));

    // Each window is announced in a log line a user can read, and every state names its window.
    const announced = logs(messages, 'stripe_backfill_window');
    expect(announced.map((f) => f.gte)).toEqual([0, 1, 2, 3, 4].map(monthStart));
    expect(announced[1]!.window).toBe(windowLabel({ gte: monthStart(1), lt: monthStart(0) }));
    const backfillStates = states(messages).filter((s) => s.phase === 'backfill');
    expect(backfillStates.length).toBe(expected.pages - 1);
    for (const s of backfillStates) expect(s.window).toEqual({ gte: expect.any(Number), lt: expect.any(Number) });
    expect(states(messages).at(-1)).toMatchObject({ phase: 'incremental' });
  });

  test('a read stopped mid-window resumes at the next page of the same window: same records, none twice', async () => {
    fake = await fiveMonths();
    const config = configFor(fake, { page_size: 40 });
    const catalog = catalogOf(['customers']);
    const all = fake.store.all('customers');
    // Stop at a state inside the second window, past its first page. (Early in a month the newest window holds
    // a single page and so emits no state of its own; the stop must not wait to have seen one.)
    const first = await readUntil(
      stripeSource.read({ config, catalog })[Symbol.asyncIterator](),
      (s) => s.phase === 'backfill' && s.window.gte === monthStart(1) && s.starting_after !== null,
    );
    expect(first.state).toMatchObject({ phase: 'backfill', pass: 0, window: { gte: monthStart(1), lt: monthStart(0) } });
    const before = fake.requests.length;

    const resumed = await collect(stripeSource.read({ config, catalog, state: { customers: first.state } }));
    // The first request of the resumed read is the next page of that window.
    const next = fake.requests[before]!;
    expect(next.query).toMatchObject({ limit: '40', 'created[gte]': String(monthStart(1)), 'created[lt]': String(monthStart(0)), starting_after: first.state.starting_after });
    expect(logs(resumed, 'stripe_backfill_window')[0]).toMatchObject({ gte: monthStart(1), resumed_after: first.state.starting_after });

    const ids = [...recordIds(first.messages), ...recordIds(resumed)];
    expect(ids).toHaveLength(all.length);
    expect(new Set(ids)).toEqual(new Set(all.map((c) => c.id)));
    // No page of either read fetched twice, and the newest window (finished before the stop) was not read again.
    const requests = pageRequests(fake, '/v1/customers');
    expect(new Set(requests).size).toBe(requests.length);
    const newest = fake.requests.slice(before).filter((r) => r.query['created[gte]'] === String(monthStart(0)));
    expect(newest).toEqual([]);
  });

  test('backfill_start bounds the oldest window; nothing older is read or probed', async () => {
    fake = await fiveMonths(600);
    const start = monthStart(2) + 9 * 86_400 + 43_200; // the 10th at noon, two months back
    const config = configFor(fake, { page_size: 50, backfill_start: new Date(start * 1000).toISOString() });
    const messages = await collect(stripeSource.read({ config, catalog: catalogOf(['customers']) }));
    const expected = fake.store.all('customers').filter((c) => c.created >= start);
    expect(recordIds(messages)).toEqual(expected.map((c) => c.id));
    const { pages, probes } = listRequests(fake, '/v1/customers');
    expect([...new Set(pages.map((q) => Number(q['created[gte]'])))]).toEqual([monthStart(0), monthStart(1), start]);
    for (const q of [...pages, ...probes]) expect(Number(q['created[gte]'])).toBeGreaterThanOrEqual(start);
    // A probe before each of the three windows; none below the oldest, which already starts at the bound.
    expect(probes).toHaveLength(3);
    expect(logs(messages, 'stripe_backfill')[0]).toMatchObject({ window_unit: 'month', backfill_start: config.backfill_start });
  });

  test('an object created during the backfill lands in a window already read and arrives through the events next time', async () => {
    fake = await fiveMonths(500);
    const config = configFor(fake, { page_size: 50 });
    const catalog = catalogOf(['customers']);
    // Stop once the newest window is done, create a customer (now: in that window) and change an old one.
    const first = await readUntil(stripeSource.read({ config, catalog })[Symbol.asyncIterator](), (s) => s.phase === 'backfill' && s.window.gte === monthStart(1));
    const late = fake.store.create('customers', { email: 'late@example.com' });
    const old = fake.store.all('customers').at(-1)!;
    fake.store.update('customers', old.id, { name: 'Changed during the backfill' });
    const rest = await collect(stripeSource.read({ config, catalog, state: { customers: first.state } }));
    const backfilled = [...recordIds(first.messages), ...recordIds(rest)];
    expect(backfilled).not.toContain(late.id);
    expect(backfilled).toHaveLength(500);
    const done = states(rest).at(-1)!;
    expect(done).toMatchObject({ phase: 'incremental' });

    const inc = await collect(stripeSource.read({ config, catalog, state: { customers: done } }));
    const records = inc.flatMap((m) => (m.type === 'record' ? [m.record.data] : []));
    expect(records.map((r) => r.id)).toEqual([late.id, old.id]);
    expect(records[1]!.name).toBe('Changed during the backfill');
  });

  test('a state from before windows ({phase, pass, starting_after, since}) finishes its walk without re-reading, then reads events', async () => {
    fake = await fiveMonths(300);
    const all = fake.store.all('customers');
    const since = { created: nowSeconds() - 300, seen: [] };
    const legacy = { phase: 'backfill', pass: 0, starting_after: all[119]!.id, since };
    expect(parseCursor(legacy)).toEqual({ phase: 'backfill', pass: 0, window: { gte: 0, lt: null }, starting_after: all[119]!.id, since });

    const config = configFor(fake, { page_size: 50 });
    const messages = await collect(stripeSource.read({ config, catalog: catalogOf(['customers']), state: { customers: legacy } }));
    // Exactly the objects after the old cursor, in the old order: nothing read twice, nothing skipped.
    expect(recordIds(messages)).toEqual(all.slice(120).map((c) => c.id));
    const { pages, probes } = listRequests(fake, '/v1/customers');
    expect(pages[0]).toMatchObject({ starting_after: all[119]!.id, 'created[gte]': '0' });
    expect(pages[0]).not.toHaveProperty('created[lt]');
    expect(pages).toHaveLength(Math.ceil(180 / 50));
    expect(probes).toEqual([]);
    expect(states(messages).at(-1)).toEqual({ phase: 'incremental', since });

    // Without a cursor the old state's pass starts over, windowed, keeping its events cursor.
    fake.requests.length = 0;
    const fresh = await collect(stripeSource.read({ config, catalog: catalogOf(['customers']), state: { customers: { phase: 'backfill', pass: 0, starting_after: null, since } } }));
    expect(new Set(recordIds(fresh))).toEqual(new Set(all.map((c) => c.id)));
    expect(listRequests(fake, '/v1/customers').pages.every((q) => q['created[lt]'] !== undefined)).toBe(true);
    expect(states(fresh).at(-1)).toEqual({ phase: 'incremental', since });
    // No events anchor was fetched: the old one is kept.
    expect(fake.requests.filter((r) => r.path === '/v1/events')).toEqual([]);
  });

  test('prices: both passes (active, inactive) are read in windows; a month with nothing is skipped, not read', async () => {
    fake = await startFakeStripe();
    const product = fake.store.create('products', { name: 'P' });
    const made = [4, 3, 2, 1].flatMap((back) =>
      [1, 2].map((day) => fake!.store.create('prices', { created: monthStart(back) + day * 86_400, product: product.id, currency: 'usd', unit_amount: 100 * day })),
    );
    // Inactive: one price of months 4, 3 and 1 back; none of month 2 back.
    for (const p of made.filter((_, i) => i % 3 === 0)) fake.store.update('prices', p.id, { active: false });
    fake.requests.length = 0;
    const messages = await collect(stripeSource.read({ config: configFor(fake, { page_size: 10 }), catalog: catalogOf(['prices']) }));
    expect(new Set(recordIds(messages))).toEqual(new Set(made.map((p) => p.id)));
    expect(recordIds(messages)).toHaveLength(made.length);
    const { pages } = listRequests(fake, '/v1/prices');
    expect(pages.map((q) => [q.active, Number(q['created[gte]']), Number(q['created[lt]'])])).toEqual([
      ['true', monthStart(1), expect.any(Number)],
      ...[2, 3, 4].map((back) => ['true', monthStart(back), monthStart(back - 1)]),
      ['false', monthStart(1), expect.any(Number)],
      // The probe below month 1 found month 3's price: the window runs on up to month 1, across the empty month.
      ['false', monthStart(3), monthStart(1)],
      ['false', monthStart(4), monthStart(3)],
    ]);
  });

  test('an account with nothing to backfill moves straight on to events, reading no list page', async () => {
    fake = await startFakeStripe();
    const messages = await collect(stripeSource.read({ config: configFor(fake), catalog: catalogOf(['customers']) }));
    expect(recordIds(messages)).toEqual([]);
    expect(states(messages)).toEqual([{ phase: 'incremental', since: expect.any(Object) }]);
    expect(listRequests(fake, '/v1/customers')).toEqual({ pages: [], probes: [expect.any(Object)] });
    expect(messages.at(-1)).toMatchObject({ type: 'stream_status', stream_status: { status: 'complete', counts: { records: 0, pages: 0 } } });
  });

  test('week and day windows; the option is validated and defaults to month', async () => {
    fake = await startFakeStripe();
    const monday = periodStart(nowSeconds(), 'week');
    const made = [1, 2, 3].flatMap((w) => [3_600, 2 * 86_400].map((off) => fake!.store.create('customers', { created: monday - w * 7 * 86_400 + off, email: `w${w}-${off}@example.com` })));
    fake.requests.length = 0;
    const weekly = await collect(stripeSource.read({ config: configFor(fake, { backfill_window: 'week' }), catalog: catalogOf(['customers']) }));
    expect(new Set(recordIds(weekly))).toEqual(new Set(made.map((c) => c.id)));
    expect(listRequests(fake, '/v1/customers').pages.map((q) => Number(q['created[gte]']))).toEqual([1, 2, 3].map((w) => monday - w * 7 * 86_400));

    fake.requests.length = 0;
    const daily = await collect(stripeSource.read({ config: configFor(fake, { backfill_window: 'day' }), catalog: catalogOf(['customers']) }));
    expect(new Set(recordIds(daily))).toEqual(new Set(made.map((c) => c.id)));
    expect(listRequests(fake, '/v1/customers').pages).toHaveLength(6);

    const base = { api_key: KEY, api_version: API_VERSION };
    expect(StripeConfig.parse(base).backfill_window).toBe('month');
    expect(StripeConfig.safeParse({ ...base, backfill_window: 'fortnight' }).success).toBe(false);
    expect(StripeConfig.safeParse({ ...base, backfill_window: 30 }).success).toBe(false);
  });
});

describe('calendar periods (UTC)', () => {
  const at = (iso: string) => Date.parse(iso) / 1000;
  test('a second maps to the start of its year, month, week (Monday) and day', () => {
    const t = at('2024-02-29T23:59:59Z'); // a Thursday, leap day
    expect(periodStart(t, 'year')).toBe(at('2024-01-01T00:00:00Z'));
    expect(periodStart(t, 'month')).toBe(at('2024-02-01T00:00:00Z'));
    expect(periodStart(t, 'week')).toBe(at('2024-02-26T00:00:00Z'));
    expect(periodStart(t, 'day')).toBe(at('2024-02-29T00:00:00Z'));
    // Boundaries belong to the period they start; a Sunday to the week begun the Monday before.
    expect(periodStart(at('2024-03-01T00:00:00Z'), 'month')).toBe(at('2024-03-01T00:00:00Z'));
    expect(periodStart(at('2024-03-03T12:00:00Z'), 'week')).toBe(at('2024-02-26T00:00:00Z'));
    expect(periodStart(at('2024-03-04T00:00:00Z'), 'week')).toBe(at('2024-03-04T00:00:00Z'));
    expect(periodStart(at('1969-12-31T23:00:00Z'), 'week')).toBe(at('1969-12-29T00:00:00Z'));
    expect(windowLabel({ gte: at('2024-02-01T00:00:00Z'), lt: at('2024-03-01T00:00:00Z') })).toBe('2024-02-01T00:00:00Z/2024-03-01T00:00:00Z');
    expect(windowLabel({ gte: 0, lt: null })).toBe('1970-01-01T00:00:00Z/..');
  });

  test('parseCursor: new states pass, old ones migrate, others are refused', () => {
    const since = { created: 1_700_000_000, seen: ['evt_1'] };
    const current = { phase: 'backfill', pass: 1, window: { gte: 1, lt: 2 }, starting_after: 'price_1', since };
    expect(parseCursor(current)).toEqual(current);
    expect(parseCursor({ phase: 'backfill', pass: 1, starting_after: null, since })).toEqual({ phase: 'backfill', pass: 1, window: null, starting_after: null, since });
    expect(parseCursor({ phase: 'incremental', since })).toEqual({ phase: 'incremental', since });
    expect(parseCursor({ phase: 'backfill', pass: -1, starting_after: null, since })).toBeUndefined();
    expect(parseCursor({ phase: 'backfill', pass: 0, window: { gte: 'x', lt: 2 }, starting_after: null, since })).toBeUndefined();
    expect(parseCursor('garbage')).toBeUndefined();
  });
});
