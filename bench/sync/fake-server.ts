/**
 * The fake Stripe for the sync benchmark, in a process of its own so its memory (every seeded object)
 * and its event loop are not the syncing process's: `node bench/sync/fake-server.ts <charges> [customers]`.
 * Seeds the charges (each pointing at one of the customers) with the fake's own deterministic seeder,
 * then prints "listening <url> <seed ms> <rss MB>" on stdout and serves until SIGTERM.
 */
import { startFakeStripe } from '../../src/fakes/stripe/index.ts';

const charges = Number(process.argv[2]);
const customers = Number(process.argv[3] ?? 1000);
if (!Number.isInteger(charges) || charges <= 0 || !Number.isInteger(customers) || customers < 0) {
  throw new Error('usage: node bench/sync/fake-server.ts <charges> [customers]');
}

const started = performance.now();
const fake = await startFakeStripe({ seed: 7 });
fake.store.seed({ customers, charges });
// The request log grows by one entry per page; nothing else grows while the sync reads.
const seedMs = performance.now() - started;
process.stdout.write(`listening ${fake.url} ${Math.round(seedMs)} ${Math.round(process.memoryUsage().rss / 2 ** 20)}\n`);

process.on('SIGTERM', () => {
  void fake.close().then(() => process.exit(0));
});
