/**
 * What a connector is: a Source reads an upstream into messages, a Destination writes messages and
 * answers each state only once everything before it is durable. Every method returns an
 * AsyncIterable<Message>, the same in-process and across a process boundary; a caller stops one early
 * with `return()`, and a failure is a thrown typed error (errors.ts), never a value to remember to check.
 */
import { z } from 'zod';
import { SyncError, ValidationError } from './errors.ts';
import { describeIssues, type ConfiguredCatalog, type Message, type SourceState } from './messages.ts';
import type { SourceWebhooks } from './webhooks.ts';

/**
 * Reads an upstream. Config arrives as data (a file, a database row, a form) and is validated by the
 * connector itself against `configSchema` — defineSource does it once for all methods.
 *
 * - spec: one `spec` message.
 * - check: one `connection_status` message; `failed` (not a throw) for a config that cannot work.
 * - discover: one `catalog` message.
 * - read: records, states, stream_status, logs and progress traces for the configured streams,
 *   resuming each stream from its entry in `state`. A state message means every record of that stream
 *   before it has been emitted.
 */
export interface Source<Config = unknown> {
  readonly configSchema: z.ZodType<Config>;
  spec(): AsyncIterable<Message>;
  check(params: { config: Config }): AsyncIterable<Message>;
  discover(params: { config: Config }): AsyncIterable<Message>;
  read(params: { config: Config; catalog: ConfiguredCatalog; state?: SourceState }): AsyncIterable<Message>;
  /** Present when the source can receive webhooks (verify a delivery, turn it into records). */
  readonly webhooks?: SourceWebhooks<Config>;
}

/**
 * Writes messages somewhere durable. `write` consumes record and state messages (others are ignored)
 * and yields each state message only after every record before it is durable (SPEC invariant 3); it
 * may also yield logs, traces and stream_status. It pulls its input, so a slow destination slows the source.
 */
export interface Destination<Config = unknown> {
  readonly configSchema: z.ZodType<Config>;
  spec(): AsyncIterable<Message>;
  check(params: { config: Config }): AsyncIterable<Message>;
  write(params: { config: Config; catalog: ConfiguredCatalog }, messages: AsyncIterable<Message>): AsyncIterable<Message>;
}

interface ConnectorBase<Config> {
  /** Validates and normalises the config (defaults applied) before any method sees it. */
  configSchema: z.ZodType<Config>;
  /** Where the connector is documented; goes in the default spec message. */
  documentationUrl?: string;
  /** Defaults to a spec whose config_schema is the JSON Schema of `configSchema`. */
  spec?(): AsyncIterable<Message>;
  /** Called with a valid config only; an invalid one is reported `failed` before it. */
  check(params: { config: Config }): AsyncIterable<Message>;
}

export interface SourceDefinition<Config> extends ConnectorBase<Config> {
  discover(params: { config: Config }): AsyncIterable<Message>;
  read(params: { config: Config; catalog: ConfiguredCatalog; state?: SourceState }): AsyncIterable<Message>;
  /** Receives webhooks; called with a valid config only. */
  webhooks?: SourceWebhooks<Config>;
}

export interface DestinationDefinition<Config> extends ConnectorBase<Config> {
  write(params: { config: Config; catalog: ConfiguredCatalog }, messages: AsyncIterable<Message>): AsyncIterable<Message>;
}

/**
 * Makes a Source from its methods, typing `config` by `configSchema`. Not quite the identity: every
 * method first validates the config it is given, so all connectors treat a bad config alike — check
 * reports `failed` naming the bad fields, the other methods throw a ValidationError naming them.
 *
 * @example
 * export const source = defineSource({ configSchema: z.object({ api_key: z.string() }), check, discover, read });
 */
export function defineSource<Config>(def: SourceDefinition<Config>): Source<Config> {
  const config = configParser(def.configSchema);
  return {
    configSchema: def.configSchema,
    spec: specOf(def),
    check: checkOf(def),
    discover: (params) => config(params.config, (c) => def.discover({ ...params, config: c })),
    read: (params) => config(params.config, (c) => def.read({ ...params, config: c })),
    ...(def.webhooks ? { webhooks: validatedWebhooks(def.configSchema, def.webhooks) } : {}),
  };
}

function validatedWebhooks<Config>(schema: z.ZodType<Config>, hooks: SourceWebhooks<Config>): SourceWebhooks<Config> {
  const parse = (raw: unknown): Config => {
    const result = schema.safeParse(raw);
    if (!result.success) throw new ValidationError(`invalid config: ${describeIssues(result.error.issues)}`, { detail: { issues: issueSummary(result.error.issues) } });
    return result.data;
  };
  return {
    verify: (request) => hooks.verify({ ...request, config: parse(request.config) }),
    touched: (params) => hooks.touched({ ...params, config: parse(params.config) }),
    records: async (params) => hooks.records({ ...params, config: parse(params.config) }),
  };
}

/** Makes a Destination from its methods; config is validated as in defineSource. */
export function defineDestination<Config>(def: DestinationDefinition<Config>): Destination<Config> {
  const config = configParser(def.configSchema);
  return {
    configSchema: def.configSchema,
    spec: specOf(def),
    check: checkOf(def),
    write: (params, messages) => config(params.config, (c) => def.write({ ...params, config: c }, messages)),
  };
}

function configParser<Config>(schema: z.ZodType<Config>) {
  // Returns the method's own iterable when the config is valid, so validation adds nothing per message.
  return (raw: unknown, run: (config: Config) => AsyncIterable<Message>): AsyncIterable<Message> => {
    const result = schema.safeParse(raw);
    if (result.success) return run(result.data);
    return failing(new ValidationError(`invalid config: ${describeIssues(result.error.issues)}`, { detail: { issues: issueSummary(result.error.issues) } }));
  };
}

function specOf<Config>(def: ConnectorBase<Config>): () => AsyncIterable<Message> {
  if (def.spec) return def.spec.bind(def);
  return async function* spec() {
    const config_schema = z.toJSONSchema(def.configSchema, { io: 'input', unrepresentable: 'any' });
    yield { type: 'spec', spec: { config_schema, ...(def.documentationUrl ? { documentation_url: def.documentationUrl } : {}) } };
  };
}

function checkOf<Config>(def: ConnectorBase<Config>): (params: { config: Config }) => AsyncIterable<Message> {
  return async function* check(params) {
    const result = def.configSchema.safeParse(params.config);
    if (!result.success) {
      yield { type: 'connection_status', connection_status: { status: 'failed', message: `invalid config: ${describeIssues(result.error.issues)}` } };
      return;
    }
    try {
      yield* def.check({ ...params, config: result.data });
    } catch (err) {
      // A definite "no" (bad credentials, unknown account) is the check's answer; a transient failure
      // (timeout, 503) is not an answer, so it is thrown for the caller to retry.
      if (err instanceof SyncError && !err.retryable) {
        yield { type: 'connection_status', connection_status: { status: 'failed', message: err.message } };
        return;
      }
      throw err;
    }
  };
}

// Issue paths and messages only: zod's messages name the expected type, never the value (which may be a secret).
function issueSummary(issues: readonly z.core.$ZodIssue[]) {
  return issues.map((i) => ({ path: i.path.map(String), message: i.message }));
}

/** An iterable that fails on its first pull, like a generator that throws before its first yield. */
function failing(err: Error): AsyncIterable<Message> {
  return { [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(err) }) };
}
