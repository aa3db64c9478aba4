/** The Stripe source passes the source conformance suite in-process and as a subprocess, against a seeded fake. */
import { resolve } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { stripeSource } from '../../../src/connectors/stripe/index.ts';
import { startFakeStripe, type FakeStripe } from '../../../src/fakes/stripe/index.ts';
import { spawnSource } from '../../../src/sync/subprocess/spawn-source.ts';
import { describeSourceConformance } from '../../protocol/conformance.ts';
import { configFor, KEY } from './helpers.ts';

const BIN = resolve(import.meta.dirname, '../../../src/connectors/stripe/bin.ts');
let fake: FakeStripe;

beforeAll(async () => {
  fake = await startFakeStripe();
  fake.store.seed({ products: 40, customers: 300 });
});
afterAll(() => fake.close());

describeSourceConformance(
  'stripe source',
  () => stripeSource,
  ({ onSpawn }) => spawnSource([process.execPath, BIN], { onSpawn, idleTimeoutMs: 20_000, killGraceMs: 1_000 }),
  {
    // Getters: the fake's port is known only once beforeAll ran.
    get good() {
      return configFor(fake, { page_size: 50, streams: ['products', 'customers'] });
    },
    bad: { api_key: KEY, api_version: 'yesterday', page_size: 500 },
    pageSize: 50,
  },
);
