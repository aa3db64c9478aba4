/**
 * Backfill over real HTTP to the fake: every object exactly once with each page fetched once (monthly `created`
 * windows over a year of seeded objects); a read stopped after N pages resumes from its last state without
 * refetching; the API key appears in no yielded message.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { stripeSource } from '../../../src/connectors/stripe/index.ts';
import { startFakeStripe, type FakeStripe } from '../../../src/fakes/stripe/index.ts';
import type { Message } from '../../../src/protocol/messages.ts';
import { catalogOf, collect, configFor, KEY, listRequests, monthlyPages, pageRequests, recordIds } from './helpers.ts';

let fake: FakeStripe;
let seeded: { customers: string[]; products: string[] };

beforeAll(async () => {
  fake = await startFakeStripe();
  const ids = fake.store.seed({ products: 1_000, customers: 5_000 });
  seeded = { customers: ids.customers, products: ids.products };
});
afterAll(() => fake.close());

describe('stripe source backfill', () => {
  test('a full refresh of 5,000 customers and 1,000 products yields every object exactly once, each page fetched once', async () => {
    fake.requests.length = 0;
    const messages = await collect(stripeSource.read({ config: configFor(fake), catalog: catalogOf(['customers', 'products'], 'full_refresh') }));
    const customers = recordIds(messages, 'customers');
    const products = recordIds(messages, 'products');
    expect(customers).toHaveLength(5_000);
    expect(new Set(customers)).toEqual(new Set(seeded.customers));
    expect(products).toHaveLength(1_000);
    expect(new Set(products)).toEqual(new Set(seeded.products));
    for (const path of ['/v1/customers', '/v1/products']) {
      const pages = pageRequests(fake, path);
      expect(new Set(pages).size, `${path} pages fetched twice`).toBe(pages.length);
    }
    // The seed spans a year: about 13 monthly windows, each paged on its own, plus one probe per window and a last one.
    const customerWindows = monthlyPages(fake.store.all('customers').map((c) => c.created), 100);
    const productWindows = monthlyPages(fake.store.all('products').map((c) => c.created), 100);
    expect(customerWindows.windows).toBeGreaterThanOrEqual(12);
    const { pages, probes } = listRequests(fake, '/v1/customers');
    expect(pages).toHaveLength(customerWindows.pages);
    expect(probes).toHaveLength(customerWindows.windows + 1);
    const complete = messages.filter((m) => m.type === 'stream_status' && m.stream_status.status === 'complete');
    expect(complete.map((m) => m.type === 'stream_status' && m.stream_status.counts)).toEqual([
      { records: 5_000, pages: customerWindows.pages, deleted: 0 },
      { records: 1_000, pages: productWindows.pages, deleted: 0 },
    ]);
  });

  test('a read stopped after N pages resumes from its last state: no page refetched, every object once', async () => {
    fake.requests.length = 0;
    const config = configFor(fake, { page_size: 100 });
    const catalog = catalogOf(['customers']);
    const first: Message[] = [];
    let lastState: unknown;
    const iterator = stripeSource.read({ config, catalog })[Symbol.asyncIterator]();
    for (let states = 0; states < 7; ) {
      const next = await iterator.next();
      if (next.done) throw new Error('the read ended before 7 pages');
      first.push(next.value);
      if (next.value.type === 'state') {
        states++;
        lastState = next.value.state.data;
      }
    }
    await iterator.return?.();
    expect(listRequests(fake, '/v1/customers').pages).toHaveLength(7);

    const resumed = await collect(stripeSource.read({ config, catalog, state: { customers: lastState } }));
    const all = [...recordIds(first), ...recordIds(resumed)];
    expect(all).toHaveLength(5_000);
    expect(new Set(all)).toEqual(new Set(seeded.customers));
    const expected = monthlyPages(fake.store.all('customers').map((c) => c.created), 100);
    expect(listRequests(fake, '/v1/customers').pages).toHaveLength(expected.pages);
    // No request repeated across the two reads, probes included.
    const requests = pageRequests(fake, '/v1/customers');
    expect(new Set(requests).size).toBe(requests.length);
  });

  test('the api_key appears in no message the source yields, nor in an error it throws', async () => {
    const messages = await collect(stripeSource.read({ config: configFor(fake), catalog: catalogOf(['products']) }));
    const checked = await collect(stripeSource.check({ config: configFor(fake) }));
    for (const m of [...messages, ...checked]) expect(JSON.stringify(m)).not.toContain(KEY);

    // A key the fake refuses: check fails, read throws AuthError; neither may echo it.
    const wrong = 'sk_live_wrong_key_that_must_not_leak';
    const refusing = await startFakeStripe({ apiKeys: [KEY] });
    try {
      const failed = await collect(stripeSource.check({ config: configFor(refusing, { api_key: wrong }) }));
      expect(failed.at(-1)).toMatchObject({ type: 'connection_status', connection_status: { status: 'failed' } });
      expect(JSON.stringify(failed)).not.toContain(wrong);
      const yielded: Message[] = [];
      const error = await (async () => {
        for await (const m of stripeSource.read({ config: configFor(refusing, { api_key: wrong }), catalog: catalogOf(['customers']) })) yielded.push(m);
      })().catch((e: unknown) => e);
      expect((error as Error).name).toBe('AuthError');
      expect(JSON.stringify(yielded)).not.toContain(wrong);
      expect(JSON.stringify({ message: (error as Error).message, detail: (error as { detail?: unknown }).detail })).not.toContain(wrong);
    } finally {
      await refusing.close();
    }
  });
});
