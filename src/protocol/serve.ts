/**
 * The connector-process side of the subprocess transport: turns a Source or Destination into an
 * executable. `<spec|check|discover|read|write> [--config f] [--catalog f] [--state f]`; messages go to
 * stdout as NDJSON, at the pace the reader takes them (each write waits for `drain`); `write` reads its
 * input from stdin. A thrown error becomes a final error trace and exit code 1; a usage error, exit code 2.
 */
import { readFile } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import type { z } from 'zod';
import type { Destination, Source } from './connector.ts';
import { ValidationError } from './errors.ts';
import { typedErrorToTrace } from './error-trace.ts';
import { ConfiguredCatalog, describeIssues, SourceState, type Message } from './messages.ts';
import { decodeNdjson } from './ndjson.ts';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

const USAGE = 'usage: <connector> spec | check --config <file> | discover --config <file> | read --config <file> --catalog <file> [--state <file>] | write --config <file> --catalog <file> (messages on stdin)';

/**
 * Runs one command of `connector` as the command line `argv` asks and resolves to the exit code. A bin
 * file is three lines:
 *
 * @example
 * import { serveConnector } from 'syncbridge/protocol';
 * import { source } from './index.ts';
 * process.exitCode = await serveConnector(source, process.argv.slice(2), process.stdin, process.stdout);
 */
export async function serveConnector(
  connector: Source | Destination,
  argv: readonly string[],
  stdin: AsyncIterable<string | Buffer>,
  stdout: Writable,
): Promise<number> {
  const out = new Output(stdout);
  let messages: AsyncIterable<Message>;
  try {
    messages = await command(connector, argv, stdin);
  } catch (err) {
    await out.write(typedErrorToTrace(err)).catch(() => {});
    return EXIT_USAGE;
  }
  try {
    for await (const message of messages) await out.write(message);
    await out.flushed();
    return EXIT_OK;
  } catch (err) {
    // The reader may be gone (EPIPE); then there is no one to tell, and the exit code says it.
    await out.write(typedErrorToTrace(err)).catch(() => {});
    await out.flushed().catch(() => {});
    return EXIT_FAILED;
  } finally {
    out.close();
  }
}

/** Parses the command line and reads its files; throws a ValidationError for a usage mistake. */
async function command(connector: Source | Destination, argv: readonly string[], stdin: AsyncIterable<string | Buffer>): Promise<AsyncIterable<Message>> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: { config: { type: 'string' }, catalog: { type: 'string' }, state: { type: 'string' } },
    });
  } catch (err) {
    throw new ValidationError(`${(err as Error).message}; ${USAGE}`);
  }
  const { positionals, values } = parsed;
  if (positionals.length !== 1) throw new ValidationError(`expected one command, got ${positionals.length}; ${USAGE}`);
  const name = positionals[0]!;
  const config = async () => readJson(values.config, '--config');
  const catalog = async () => parseWith(ConfiguredCatalog, await readJson(values.catalog, '--catalog'), '--catalog');

  if (name === 'spec') return connector.spec();
  if (name === 'check') return connector.check({ config: await config() });
  if ('read' in connector) {
    if (name === 'discover') return connector.discover({ config: await config() });
    if (name === 'read') {
      const state = values.state === undefined ? undefined : parseWith(SourceState, await readJson(values.state, '--state'), '--state');
      return connector.read({ config: await config(), catalog: await catalog(), ...(state ? { state } : {}) });
    }
  } else if (name === 'write') {
    return connector.write({ config: await config(), catalog: await catalog() }, decodeNdjson(stdin));
  }
  throw new ValidationError(`this connector has no command "${name}"; ${USAGE}`);
}

async function readJson(path: string | undefined, flag: string): Promise<unknown> {
  if (path === undefined) throw new ValidationError(`${flag} <file> is required; ${USAGE}`);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ValidationError(`${flag} ${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    // The parser's message only, never the text: a config file holds secrets.
    throw new ValidationError(`${flag} ${path}: not JSON (${(err as Error).message})`);
  }
}

function parseWith<T>(schema: z.ZodType<T>, value: unknown, flag: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ValidationError(`${flag}: ${describeIssues(result.error.issues)}`);
}

/** Stdout with backpressure: a write resolves once the stream can take more; a broken pipe rejects. */
class Output {
  private readonly stream: Writable;
  private failure: Error | undefined;
  private readonly onError = (err: Error) => {
    this.failure ??= err;
  };

  constructor(stream: Writable) {
    this.stream = stream;
    // Without a listener an EPIPE (the reader went away) would crash the process instead of ending it.
    stream.on('error', this.onError);
  }

  async write(message: Message): Promise<void> {
    if (this.failure) throw this.failure;
    if (!this.stream.write(`${JSON.stringify(message)}\n`)) await this.drained();
  }

  async flushed(): Promise<void> {
    if (this.stream.writableNeedDrain) await this.drained();
    if (this.failure) throw this.failure;
  }

  close(): void {
    this.stream.off('error', this.onError);
    // A late EPIPE after we are done must still not crash the process.
    this.stream.on('error', () => {});
  }

  private drained(): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = (err?: Error) => {
        this.stream.off('drain', onDrain).off('close', onClose).off('error', onFail);
        if (err) reject(err);
        else resolve();
      };
      const onDrain = () => done();
      const onClose = () => done(this.failure ?? new Error('stdout closed'));
      const onFail = (err: Error) => done(err);
      this.stream.on('drain', onDrain).on('close', onClose).on('error', onFail);
    });
  }
}
