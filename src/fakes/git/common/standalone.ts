/**
 * Running one git fake alone (`node src/fakes/git/github/main.ts --issues 500`): flags read here, not from the
 * engine's config (the fakes are not the engine). Prints the URL on stdout, one line, then serves until
 * SIGINT/SIGTERM; `--webhook URL [--secret S]` subscribes that URL to every repository and delivers as changes happen.
 */
import { parseArgs } from 'node:util';
import type { IssueStore } from './store.ts';
import type { RateLimitSettings } from './rate-limit.ts';
import type { Hook, HookSpec } from './webhook-queue.ts';

export interface StandaloneOptions {
  port: number;
  host: string;
  seed: number;
  repos?: string[];
  tokens?: string[];
  /** undefined: the provider's default; null: off. */
  rateLimit?: Partial<RateLimitSettings> | null;
  autoDeliverWebhooks: boolean;
}

export interface StandaloneFake {
  url: string;
  store: IssueStore;
  webhooks: { subscribe(repo: string, spec: HookSpec): Hook };
  close(): Promise<void>;
}

export async function runStandalone(name: string, defaultPort: number, start: (options: StandaloneOptions) => Promise<StandaloneFake>): Promise<void> {
  const usage = `usage: node src/fakes/git/${name.toLowerCase()}/main.ts [--port ${defaultPort}] [--host 127.0.0.1] [--seed 1]
  [--repo owner/name]... [--issues N] [--token TOKEN]... [--rate-limit N] [--rate-window SECONDS] [--no-rate-limit]
  [--webhook URL [--secret SECRET]]\n`;
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string', default: String(defaultPort) },
        host: { type: 'string', default: '127.0.0.1' },
        seed: { type: 'string', default: '1' },
        repo: { type: 'string', multiple: true },
        issues: { type: 'string', default: '0' },
        token: { type: 'string', multiple: true },
        'rate-limit': { type: 'string' },
        'rate-window': { type: 'string' },
        'no-rate-limit': { type: 'boolean', default: false },
        webhook: { type: 'string' },
        secret: { type: 'string' },
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
  const num = (flag: string): number | undefined => {
    const raw = values[flag];
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0) {
      process.stderr.write(`--${flag} must be a non-negative integer, got ${JSON.stringify(raw)}\n`);
      process.exit(2);
    }
    return n;
  };
  const port = num('port')!;
  if (port > 65535) {
    process.stderr.write(`--port must be 0–65535, got ${port}\n`);
    process.exit(2);
  }
  const limit = num('rate-limit');
  const window = num('rate-window');
  const rateLimit = values['no-rate-limit'] ? null : limit !== undefined || window !== undefined ? { ...(limit !== undefined ? { limit } : {}), ...(window !== undefined ? { windowSeconds: window } : {}) } : undefined;
  const repos = values.repo as string[] | undefined;
  const fake = await start({
    port,
    host: String(values.host),
    seed: num('seed')!,
    ...(repos ? { repos } : {}),
    ...(values.token ? { tokens: values.token as string[] } : {}),
    ...(rateLimit !== undefined ? { rateLimit } : {}),
    autoDeliverWebhooks: values.webhook !== undefined,
  }).catch((err: unknown) => {
    // EADDRINUSE is the usual cause: say which, without a stack trace.
    process.stderr.write(`fake ${name} could not start: ${(err as Error).message}\n`);
    process.exit(1);
  });
  const issues = num('issues')!;
  for (const repo of fake.store.repos) {
    if (issues > 0) fake.store.seed(repo.key, issues);
    if (typeof values.webhook === 'string') {
      const hook = fake.webhooks.subscribe(repo.key, { url: values.webhook, secret: typeof values.secret === 'string' ? values.secret : null });
      process.stderr.write(`webhook ${hook.id} for ${repo.key} → ${hook.url}${hook.secret ? ' (with secret)' : ''}\n`);
    }
  }
  process.stdout.write(`${fake.url}\n`);
  process.stderr.write(`fake ${name} listening on ${fake.url}; repositories ${fake.store.repos.map((r) => `${r.key} (id ${r.id}, ${fake.store.count(r.key)} issues)`).join(', ')}; ${values.token ? 'tokens given' : 'any token'}\n`);

  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      fake.close().then(
        () => process.exit(0),
        (err: unknown) => {
          process.stderr.write(`fake ${name} did not stop cleanly: ${String(err)}\n`);
          process.exit(1);
        },
      );
    });
  }
}
