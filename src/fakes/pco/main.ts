/**
 * Runs the fake PCO alone: `node src/fakes/pco/main.ts --port 12112 --people 5000 --campuses 3`. Prints its URL on
 * stdout, one line, then serves until SIGINT/SIGTERM. `--webhook URL` subscribes that URL to every People event and
 * delivers as changes happen. Reads its flags itself: the fakes are not the engine and have no place in its config.
 */
import { parseArgs } from 'node:util';
import { startFakePco, type FakePcoOptions } from './index.ts';

const usage = `usage: node src/fakes/pco/main.ts [--port 12112] [--host 127.0.0.1] [--seed 1]
  [--people N] [--campuses 3] [--households-ratio 0.4] [--addresses-per-person 1] [--emails-per-person 1] [--phones-per-person 1]
  [--app-id ID --secret SECRET]... [--token TOKEN]... [--rate-limit 100] [--rate-period 20] [--no-rate-limit]
  [--version 2018-08-01] [--webhook URL]\n`;

let values: Record<string, string | boolean | string[] | undefined>;
try {
  ({ values } = parseArgs({
    options: {
      port: { type: 'string', default: '12112' },
      host: { type: 'string', default: '127.0.0.1' },
      seed: { type: 'string', default: '1' },
      people: { type: 'string', default: '0' },
      campuses: { type: 'string' },
      'households-ratio': { type: 'string' },
      'addresses-per-person': { type: 'string' },
      'emails-per-person': { type: 'string' },
      'phones-per-person': { type: 'string' },
      'app-id': { type: 'string', multiple: true },
      secret: { type: 'string', multiple: true },
      token: { type: 'string', multiple: true },
      'rate-limit': { type: 'string' },
      'rate-period': { type: 'string' },
      'no-rate-limit': { type: 'boolean', default: false },
      version: { type: 'string' },
      webhook: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  }));
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n${usage}`);
  process.exit(2);
}
if (values.help) {
  process.stdout.write(usage);
  process.exit(0);
}

function num(name: string, integer = true): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) {
    process.stderr.write(`--${name} must be a non-negative ${integer ? 'integer' : 'number'}, got ${JSON.stringify(raw)}\n`);
    process.exit(2);
  }
  return n;
}

const port = num('port')!;
if (port > 65535) {
  process.stderr.write(`--port must be 0–65535, got ${port}\n`);
  process.exit(2);
}
const ids = (values['app-id'] as string[] | undefined) ?? [];
const secrets = (values.secret as string[] | undefined) ?? [];
if (ids.length !== secrets.length) {
  process.stderr.write('--app-id and --secret come in pairs\n');
  process.exit(2);
}
const rateLimit = values['no-rate-limit'] ? null : { ...(num('rate-limit') !== undefined ? { limit: num('rate-limit')! } : {}), ...(num('rate-period') !== undefined ? { periodSeconds: num('rate-period')! } : {}) };
const options: FakePcoOptions = {
  port,
  host: String(values.host),
  seed: num('seed')!,
  rateLimit,
  ...(ids.length ? { apps: ids.map((id, i) => ({ id, secret: secrets[i]! })) } : {}),
  ...(values.token ? { tokens: values.token as string[] } : {}),
  ...(values.version ? { defaultVersions: { people: String(values.version) } } : {}),
  autoDeliverWebhooks: values.webhook !== undefined,
};

const fake = await startFakePco(options).catch((err: unknown) => {
  // EADDRINUSE is the usual cause: say which, without a stack trace.
  process.stderr.write(`fake PCO could not start: ${(err as Error).message}\n`);
  process.exit(1);
});
const people = num('people')!;
if (people > 0) {
  fake.store.seed({
    people,
    ...(num('campuses') !== undefined ? { campuses: num('campuses')! } : {}),
    ...(num('households-ratio', false) !== undefined ? { householdsRatio: num('households-ratio', false)! } : {}),
    ...(num('addresses-per-person', false) !== undefined ? { addressesPerPerson: num('addresses-per-person', false)! } : {}),
    ...(num('emails-per-person', false) !== undefined ? { emailsPerPerson: num('emails-per-person', false)! } : {}),
    ...(num('phones-per-person', false) !== undefined ? { phonesPerPerson: num('phones-per-person', false)! } : {}),
    seed: num('seed')!,
  });
}
if (typeof values.webhook === 'string') {
  for (const sub of fake.webhooks.subscribe(values.webhook)) process.stderr.write(`webhook ${sub.name} → ${sub.url} secret ${sub.authenticity_secret}\n`);
}
process.stdout.write(`${fake.url}\n`);
const counts = (['people', 'households', 'campuses', 'addresses', 'emails', 'phone_numbers'] as const).map((t) => `${t}=${fake.store.count(t)}`).join(' ');
const limit = fake.rateLimit.settings ? `${fake.rateLimit.settings.limit} per ${fake.rateLimit.settings.periodSeconds} s` : 'off';
process.stderr.write(`fake PCO listening on ${fake.url} (${counts}); rate limit ${limit}; ${ids.length ? `apps ${ids.join(', ')}` : 'any Basic id:secret or Bearer token'}\n`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    fake.close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`fake PCO did not stop cleanly: ${String(err)}\n`);
        process.exit(1);
      },
    );
  });
}
