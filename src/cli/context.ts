/**
 * What every command shares: the validated configuration, an engine opened from it, output in text or
 * JSON, and the exit-code contract (0 ok, 1 failure, 2 usage).
 */
import { ConfigError, loadConfig, type Config } from '../config.ts';
import { createLogger, type Logger } from '../log.ts';
import { createSyncBridge, engineOptionsFromConfig, type SyncBridge } from '../syncbridge.ts';

/** A mistake in how the command was called: exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export const jsonArg = { json: { type: 'boolean', description: 'Print JSON instead of text', default: false } } as const;

export function config(): Config {
  return loadConfig(process.env);
}

/** Logs go to stderr so that stdout stays clean for results (and for --json). */
export function cliLogger(cfg: Config): Logger {
  return createLogger(cfg.logLevel, process.stderr);
}

/** Opens the engine for one command and closes it afterwards, whatever happens. */
export async function withEngine<T>(fn: (engine: SyncBridge, cfg: Config) => Promise<T>, quiet = true): Promise<T> {
  const cfg = config();
  const logger = quiet ? createLogger('warn', process.stderr) : cliLogger(cfg);
  const engine = await createSyncBridge(engineOptionsFromConfig(cfg, logger));
  try {
    return await fn(engine, cfg);
  } finally {
    await engine.close();
  }
}

export function print(value: unknown, asJson: boolean, text: () => string): void {
  process.stdout.write(asJson ? `${JSON.stringify(value, null, 2)}\n` : `${text()}\n`);
}

export function parseId(raw: unknown, what = 'job id'): number {
  const s = String(raw ?? '');
  if (!/^[1-9]\d{0,15}$/.test(s)) throw new UsageError(`invalid ${what} ${JSON.stringify(s)}: expected a positive integer`);
  return Number(s);
}

export function isConfigError(err: unknown): err is ConfigError {
  return err instanceof ConfigError;
}
