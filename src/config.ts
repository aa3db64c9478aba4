/**
 * Configuration: the environment, read once at start and validated, then passed down. Nothing deeper
 * reads process.env. A bad value stops the process with a message naming the variable.
 */
import { z } from 'zod';

const number = (name: string, def: number, check: (n: number) => boolean, rule: string) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return def;
      const n = Number(v);
      if (!Number.isFinite(n) || !check(n)) {
        ctx.addIssue({ code: 'custom', message: `${name} must be ${rule}, got ${JSON.stringify(v)}` });
        return z.NEVER;
      }
      return n;
    });

const EnvSchema = z.object({
  DATABASE_URL: z
    .string()
    .optional()
    .transform((v) => (v && v.trim() !== '' ? v : undefined))
    .refine((v) => v === undefined || /^postgres(ql)?:\/\//.test(v), 'DATABASE_URL must start with postgres:// or postgresql://'),
  SYNCBRIDGE_DATA_DIR: z.string().optional().transform((v) => (v && v.trim() !== '' ? v : './.syncbridge')),
  SYNCBRIDGE_SCHEMA: z
    .string()
    .optional()
    .transform((v) => v || 'syncbridge')
    .refine((v) => /^[a-z_][a-z0-9_]{0,40}$/.test(v), 'SYNCBRIDGE_SCHEMA must be lowercase letters, digits and _'),
  HOST: z.string().optional().transform((v) => v || '127.0.0.1'),
  PORT: number('PORT', 8000, (n) => Number.isInteger(n) && n >= 0 && n <= 65535, 'an integer from 0 to 65535'),
  SYNCBRIDGE_JOB_MAX_RETRIES_DEFAULT: number('SYNCBRIDGE_JOB_MAX_RETRIES_DEFAULT', 3, (n) => Number.isInteger(n) && n >= 0 && n <= 1000, 'an integer from 0 to 1000'),
  SYNCBRIDGE_JOB_BACKOFF_SECONDS_BASE: number('SYNCBRIDGE_JOB_BACKOFF_SECONDS_BASE', 2, (n) => n > 0 && n <= 86400, 'a number of seconds above 0 (fractions allowed)'),
  SYNCBRIDGE_JOB_BACKOFF_SECONDS_MAX: number('SYNCBRIDGE_JOB_BACKOFF_SECONDS_MAX', 3600, (n) => n > 0, 'a number of seconds above 0'),
  SYNCBRIDGE_JOB_BACKOFF_JITTER: number('SYNCBRIDGE_JOB_BACKOFF_JITTER', 0, (n) => n >= 0 && n <= 1, 'a fraction from 0 to 1'),
  SYNCBRIDGE_JOB_LEASE_SECONDS: number('SYNCBRIDGE_JOB_LEASE_SECONDS', 60, (n) => n >= 0.1 && n <= 86400, 'a number of seconds of at least 0.1 (fractions allowed)'),
  SYNCBRIDGE_WORKER_CONCURRENCY: number('SYNCBRIDGE_WORKER_CONCURRENCY', 10, (n) => Number.isInteger(n) && n >= 1 && n <= 1000, 'an integer from 1 to 1000'),
  SYNCBRIDGE_SHUTDOWN_GRACE_SECONDS: number('SYNCBRIDGE_SHUTDOWN_GRACE_SECONDS', 10, (n) => n >= 0, 'a number of seconds, 0 or more'),
  SYNCBRIDGE_API_TOKEN: z.string().optional().transform((v) => (v && v !== '' ? v : undefined)),
  SYNCBRIDGE_DEMO_CRM_URL: z.url({ protocol: /^https?$/ }).optional(),
  SYNCBRIDGE_DEMO_BILLING_URL: z.url({ protocol: /^https?$/ }).optional(),
  SYNCBRIDGE_DEMO_TIMEOUT_MS: number('SYNCBRIDGE_DEMO_TIMEOUT_MS', 2000, (n) => Number.isInteger(n) && n > 0, 'a positive integer of milliseconds'),
  DEMO_CRM_PORT: number('DEMO_CRM_PORT', 8001, (n) => Number.isInteger(n) && n >= 0 && n <= 65535, 'an integer from 0 to 65535'),
  DEMO_BILLING_PORT: number('DEMO_BILLING_PORT', 8002, (n) => Number.isInteger(n) && n >= 0 && n <= 65535, 'an integer from 0 to 65535'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional().default('info'),
});

export interface Config {
  databaseUrl: string | undefined;
  dataDir: string;
  schema: string;
  host: string;
  port: number;
  jobs: {
    maxRetries: number;
    backoffBaseSeconds: number;
    backoffCapSeconds: number;
    backoffJitter: number;
    leaseSeconds: number;
  };
  worker: { concurrency: number; shutdownGraceSeconds: number };
  apiToken: string | undefined;
  logLevel: string;
  demo: { crmUrl: string | undefined; billingUrl: string | undefined; timeoutMs: number; crmPort: number; billingPort: number };
}

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
    this.problems = problems;
    this.name = 'ConfigError';
  }
}

/** Validates the environment; throws ConfigError listing every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => (i.path.length && !i.message.includes(String(i.path[0])) ? `${String(i.path[0])}: ${i.message}` : i.message)));
  }
  const e = parsed.data;
  return {
    databaseUrl: e.DATABASE_URL,
    dataDir: e.SYNCBRIDGE_DATA_DIR,
    schema: e.SYNCBRIDGE_SCHEMA,
    host: e.HOST,
    port: e.PORT,
    jobs: {
      maxRetries: e.SYNCBRIDGE_JOB_MAX_RETRIES_DEFAULT,
      backoffBaseSeconds: e.SYNCBRIDGE_JOB_BACKOFF_SECONDS_BASE,
      backoffCapSeconds: e.SYNCBRIDGE_JOB_BACKOFF_SECONDS_MAX,
      backoffJitter: e.SYNCBRIDGE_JOB_BACKOFF_JITTER,
      leaseSeconds: e.SYNCBRIDGE_JOB_LEASE_SECONDS,
    },
    worker: { concurrency: e.SYNCBRIDGE_WORKER_CONCURRENCY, shutdownGraceSeconds: e.SYNCBRIDGE_SHUTDOWN_GRACE_SECONDS },
    apiToken: e.SYNCBRIDGE_API_TOKEN,
    logLevel: e.LOG_LEVEL,
    demo: {
      crmUrl: e.SYNCBRIDGE_DEMO_CRM_URL,
      billingUrl: e.SYNCBRIDGE_DEMO_BILLING_URL,
      timeoutMs: e.SYNCBRIDGE_DEMO_TIMEOUT_MS,
      crmPort: e.DEMO_CRM_PORT,
      billingPort: e.DEMO_BILLING_PORT,
    },
  };
}
