/**
 * Runs one connector command as a child process and yields its messages as the consumer pulls them:
 * stdout is read only on demand, so a slow consumer stops the child at the pipe. Every way it can end
 * becomes one thrown typed error — exit non-zero (ConnectorFailed), silence (ConnectorTimeout), a bad
 * line (ProtocolError), or the typed error its final error trace names — and the child never outlives it.
 */
import type { Readable } from 'node:stream';
import { ConnectorFailed, ConnectorTimeout, ProtocolError } from '../../protocol/connector-errors.ts';
import { traceToError } from '../../protocol/error-trace.ts';
import { ValidationError } from '../../protocol/errors.ts';
import { isErrorTrace, type ErrorTraceMessage, type Message } from '../../protocol/messages.ts';
import { decodeNdjson, DEFAULT_MAX_LINE_BYTES } from '../../protocol/ndjson.ts';
import { writeArgFiles, type ArgInputs } from './arg-files.ts';
import { ConnectorChild, type ExitStatus } from './connector-child.ts';
import { IdleWatchdog } from './idle-watchdog.ts';
import { StdinFeeder } from './stdin-feeder.ts';

export interface SpawnOptions {
  /** The child's whole environment (as with child_process.spawn); default: this process's. */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** A child silent this long while we wait on it is killed (ConnectorTimeout). Default 5 minutes. */
  idleTimeoutMs?: number;
  /** How much of the end of stderr is kept for errors. Default 8 KiB. */
  stderrTailBytes?: number;
  /** Between SIGTERM and SIGKILL when the child is stopped. Default 5 s. */
  killGraceMs?: number;
  /** Longest stdout line accepted. Default 16 MiB. */
  maxLineBytes?: number;
  /** Each stderr line, as it comes. */
  onLog?: (line: string) => void;
  /** Each child started, by pid (for logs, and for tests that check it is gone afterwards). */
  onSpawn?: (pid: number) => void;
}

export const DEFAULT_IDLE_TIMEOUT_MS = 5 * 60_000;
export const DEFAULT_STDERR_TAIL_BYTES = 8 * 1024;
export const DEFAULT_KILL_GRACE_MS = 5_000;

const TIMED_OUT = Symbol('timed out');

/**
 * Runs `command... <subcommand> [--config f] [--catalog f] [--state f]`, feeding `input` to its stdin
 * when given. The consumer calling `return()` stops the child (SIGTERM, then SIGKILL after the grace).
 */
export async function* runConnector(
  command: readonly string[],
  subcommand: string,
  inputs: ArgInputs,
  options: SpawnOptions,
  input?: AsyncIterable<Message>,
): AsyncGenerator<Message> {
  const [file, ...baseArgs] = command;
  if (!file) throw new ValidationError('a connector command needs at least an executable');
  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const graceMs = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;

  const files = await writeArgFiles(inputs);
  let timedOut!: () => void;
  const idle = new Promise<typeof TIMED_OUT>((resolve) => (timedOut = () => resolve(TIMED_OUT)));
  const watchdog = new IdleWatchdog(idleTimeoutMs, () => timedOut());
  let child: ConnectorChild | undefined;
  let feeder: StdinFeeder | undefined;
  let messages: AsyncIterator<Message> | undefined;
  try {
    const started = new ConnectorChild(file, [...baseArgs, subcommand, ...files.args], {
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
      ...(options.env === undefined ? {} : { env: options.env }),
      stdin: input !== undefined,
      stderrTailBytes: options.stderrTailBytes ?? DEFAULT_STDERR_TAIL_BYTES,
      ...(options.onLog ? { onLog: options.onLog } : {}),
      ...(options.onSpawn ? { onSpawn: options.onSpawn } : {}),
      onActivity: () => watchdog.touch(),
    });
    child = started;
    if (input && started.stdin) {
      // The input failing (upstream threw) ends the child abnormally, as it would an in-process write.
      feeder = new StdinFeeder(input, started.stdin, watchdog, () => void started.stop(graceMs));
    }

    const failure = (message: string, status: ExitStatus) =>
      new ConnectorFailed(message, {
        detail: { command: subcommand, exit_code: status.code, signal: status.signal, stderr_tail: started.tail.text() },
        ...(status.spawnError ? { cause: status.spawnError } : {}),
      });
    const timeout = () =>
      new ConnectorTimeout(`connector ${subcommand}: no output for ${idleTimeoutMs} ms; killed`, {
        detail: { command: subcommand, idle_timeout_ms: idleTimeoutMs, stderr_tail: started.tail.text() },
      });
    // Waits on the child with the watchdog running; the idle timeout wins the race if the child is silent.
    const waitOnChild = async <T>(promise: Promise<T>): Promise<T> => {
      promise.catch(() => {}); // it may settle after we gave up on it
      watchdog.waiting(true);
      try {
        const result = await Promise.race([promise, idle]);
        if (result === TIMED_OUT) {
          await started.stop(graceMs);
          throw timeout();
        }
        return result;
      } finally {
        watchdog.waiting(false);
      }
    };

    messages = decodeNdjson(chunks(started.stdout, () => watchdog.touch()), {
      maxLineBytes: options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES,
    })[Symbol.asyncIterator]();
    // An error trace is held until we know whether it was the child's last word (then it is the error
    // thrown) or just a report it went on from (then it is passed on like any message).
    let held: ErrorTraceMessage | undefined;
    while (true) {
      let next: IteratorResult<Message>;
      try {
        next = await waitOnChild(messages.next());
      } catch (err) {
        if (!(err instanceof ProtocolError)) throw err;
        await started.stop(graceMs);
        throw new ProtocolError(`connector ${subcommand}: ${err.message}`, { detail: { ...err.detail, stderr_tail: started.tail.text() } });
      }
      if (next.done) break;
      if (held) yield held;
      held = undefined;
      if (isErrorTrace(next.value)) held = next.value;
      else yield next.value;
    }

    const status = await waitOnChild(started.exited);
    if (feeder?.error !== undefined) throw feeder.error;
    if (status.spawnError) throw failure(`connector ${subcommand}: could not start ${file} (${status.spawnError.message})`, status);
    const ok = status.code === 0 && status.signal === null;
    if (held && !ok) throw traceToError(held);
    if (!ok) {
      const how = status.signal ? `was killed by ${status.signal}` : `exited with code ${status.code}`;
      throw failure(`connector ${subcommand} ${how}`, status);
    }
    if (held) yield held;
  } finally {
    watchdog.stop();
    feeder?.stop();
    if (child) await child.stop(graceMs);
    // Its stdout is gone now, so a read still pending settles and the decoder can close.
    if (messages) void Promise.resolve(messages.return?.()).catch(() => {});
    await files.remove();
  }
}

/** The child's stdout, pulled chunk by chunk (never flowing), each chunk a sign of life. */
async function* chunks(stdout: Readable, onChunk: () => void): AsyncGenerator<Buffer> {
  for await (const chunk of stdout) {
    onChunk();
    yield chunk as Buffer;
  }
}
