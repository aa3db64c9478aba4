/**
 * Runs the fake Stripe alone: `node src/fakes/stripe/main.ts --port 12111 --seed-customers 1000` (any resource:
 * `--seed-<resource> N`, e.g. `--seed-payment-intents 500`). Prints its URL on stdout, one line, then serves until
 * SIGINT/SIGTERM. Reads its flags itself: the fakes are not the engine and have no place in its config.
 */
import { parseArgs } from 'node:util';
import { RESOURCE_NAMES, startFakeStripe, type SeedCounts } from './index.ts';

const seedFlags = Object.fromEntries(RESOURCE_NAMES.map((r) => [`seed-${r.replaceAll('_', '-')}`, { type: 'string' as const }]));
let values: Record<string, string | boolean | undefined>;
try {
  ({ values } = parseArgs({
    options: {
      port: { type: 'string', default: '12111' },
      host: { type: 'string', default: '127.0.0.1' },
      seed: { type: 'string', default: '1' },
      help: { type: 'boolean', default: false },
      ...seedFlags,
    },
    strict: true,
  }));
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(2);
}

if (values.help) {
  process.stdout.write(`usage: node src/fakes/stripe/main.ts [--port 12111] [--host 127.0.0.1] [--seed 1] ${Object.keys(seedFlags).map((f) => `[--${f} N]`).join(' ')}\n`);
  process.exit(0);
}

function int(name: string): number {
  const raw = String(values[name]);
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) {
    process.stderr.write(`--${name} must be a non-negative integer, got ${JSON.stringify(raw)}\n`);
    process.exit(2);
  }
  return n;
}

const port = int('port');
if (port > 65535) {
  process.stderr.write(`--port must be 0–65535, got ${port}\n`);
  process.exit(2);
}
const counts: SeedCounts = {};
for (const r of RESOURCE_NAMES) if (values[`seed-${r.replaceAll('_', '-')}`] !== undefined) counts[r] = int(`seed-${r.replaceAll('_', '-')}`);

const fake = await startFakeStripe({ port, host: String(values.host), seed: int('seed') }).catch((err: unknown) => {
  // EADDRINUSE is the usual cause: say which, without a stack trace.
  process.stderr.write(`fake Stripe could not start: ${(err as Error).message}\n`);
  process.exit(1);
});
fake.store.seed(counts);
process.stdout.write(`${fake.url}\n`);
const seeded = Object.entries(counts).map(([r, n]) => `${r}=${n}`).join(' ');
process.stderr.write(`fake Stripe listening on ${fake.url}${seeded ? ` (seeded ${seeded})` : ''}; any sk_test_… key\n`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    fake.close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`fake Stripe did not stop cleanly: ${String(err)}\n`);
        process.exit(1);
      },
    );
  });
}
