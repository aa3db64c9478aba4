/**
 * The `syncbridge` command. Exit codes scripts can trust: 0 ok, 1 failure, 2 usage (bad arguments or
 * configuration). Errors print one line to stderr; --help works on every command.
 */
import { defineCommand, renderUsage, runCommand, type CommandDef } from 'citty';
import { SyncError } from '../protocol/errors.ts';
import { isConfigError, UsageError } from './context.ts';
import connector from './commands/connector.ts';
import demo from './commands/demo.ts';
import enqueue from './commands/enqueue.ts';
import issues from './commands/issues.ts';
import jobs from './commands/jobs.ts';
import manifest from './commands/manifest.ts';
import migrate from './commands/migrate.ts';
import pipelines from './commands/pipelines.ts';
import serve from './commands/serve.ts';
import sync from './commands/sync.ts';
import worker from './commands/worker.ts';

export const main = defineCommand({
  meta: { name: 'syncbridge', version: '0.1.0', description: 'A durable sync engine: jobs in Postgres that survive crashes, 429s and duplicates' },
  subCommands: { serve, worker, migrate, enqueue, jobs, pipelines, issues, sync, demo, connector, manifest },
});

/** Follows the subcommand path in argv to the command `--help` should describe. */
async function resolve(cmd: CommandDef, argv: string[]): Promise<[CommandDef, CommandDef | undefined]> {
  const subs = typeof cmd.subCommands === 'function' ? await cmd.subCommands() : await cmd.subCommands;
  const name = argv.find((a) => !a.startsWith('-'));
  if (subs && name && name in subs) {
    const sub = subs[name]!;
    const resolved = (typeof sub === 'function' ? await sub() : await sub) as CommandDef;
    const [leaf, parent] = await resolve(resolved, argv.slice(argv.indexOf(name) + 1));
    return [leaf, parent ?? cmd];
  }
  return [cmd, undefined];
}

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h') || argv.length === 0) {
    const [leaf, parent] = await resolve(main, argv);
    process.stdout.write(`${await renderUsage(leaf, parent)}\n`);
    return argv.length === 0 ? 2 : 0;
  }
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
    process.stdout.write('0.1.0\n');
    return 0;
  }
  try {
    await runCommand(main, { rawArgs: argv });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    const e = err as Error;
    if (e?.name === 'CLIError' || err instanceof UsageError) {
      process.stderr.write(`syncbridge: ${stripAnsi(e.message)} (see --help)\n`);
      return 2;
    }
    if (isConfigError(err)) {
      process.stderr.write(`syncbridge: ${e.message}\n`);
      return 2;
    }
    if (err instanceof SyncError) {
      process.stderr.write(`syncbridge: ${e.message}\n`);
      return 1;
    }
    process.stderr.write(`syncbridge: ${e?.message ?? String(err)}\n`);
    if (process.env.LOG_LEVEL === 'debug') process.stderr.write(`${e?.stack ?? ''}\n`);
    return 1;
  }
}

function stripAnsi(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\u001b\[[0-9;]*m/g, '');
}

if (import.meta.main) {
  const code = await run(process.argv.slice(2));
  process.exitCode = code;
}
