/**
 * The connector protocol's wire format: one zod schema per message, its TypeScript type inferred under
 * the same name, snake_case fields used as they are (no camelCase layer). Every message is an envelope
 * `{ type: '<kind>', <kind>: payload }`, one per NDJSON line; `Message` is their one union.
 */
import { z } from 'zod';
import { ProtocolError } from './connector-errors.ts';

// Invariant 7: time on the wire is UTC, ISO 8601 with `Z`.
const utcTimestamp = z.iso.datetime();
const jsonObject = z.record(z.string(), z.unknown());

// MARK: - Catalog

export const SyncMode = z
  .enum(['full_refresh', 'incremental'])
  .describe('full_refresh reads everything each run; incremental resumes from the saved state.');
export type SyncMode = z.infer<typeof SyncMode>;

export const DestinationSyncMode = z
  .enum(['append', 'overwrite', 'upsert'])
  .describe('append adds rows; overwrite replaces the stream’s rows; upsert merges on the primary key.');
export type DestinationSyncMode = z.infer<typeof DestinationSyncMode>;

export const StreamDescriptor = z
  .object({
    name: z.string().min(1).describe('Stream (collection, table) name, unique within a catalog, e.g. "customers".'),
    json_schema: jsonObject.describe('JSON Schema of one record’s `data`.'),
    primary_key: z
      .array(z.string().min(1))
      .min(1)
      .describe('Top-level field names that together identify a record, e.g. ["id"].'),
    cursor_field: z
      .string()
      .min(1)
      .optional()
      .describe('Field whose increase marks new or changed records, for incremental reads.'),
    supported_sync_modes: z.array(SyncMode).min(1).describe('Sync modes this stream can be read in.'),
  })
  .describe('One stream a source offers.');
export type StreamDescriptor = z.infer<typeof StreamDescriptor>;

export const Catalog = z
  .object({ streams: z.array(StreamDescriptor).describe('Every stream the source offers.') })
  .describe('What a source offers, as discovered.');
export type Catalog = z.infer<typeof Catalog>;

export const ConfiguredStream = z
  .object({
    stream: StreamDescriptor,
    sync_mode: SyncMode,
    destination_sync_mode: DestinationSyncMode.optional(),
  })
  .refine((s) => s.stream.supported_sync_modes.includes(s.sync_mode), {
    message: 'sync_mode is not one of the stream’s supported_sync_modes',
    path: ['sync_mode'],
  })
  .describe('A stream selected for a sync, with how to read and write it.');
export type ConfiguredStream = z.infer<typeof ConfiguredStream>;

export const ConfiguredCatalog = z
  .object({ streams: z.array(ConfiguredStream).describe('The selected streams, read in this order.') })
  .superRefine((catalog, ctx) => {
    const seen = new Set<string>();
    catalog.streams.forEach((s, i) => {
      if (seen.has(s.stream.name)) ctx.addIssue({ code: 'custom', message: `stream "${s.stream.name}" is selected twice`, path: ['streams', i, 'stream', 'name'] });
      seen.add(s.stream.name);
    });
  })
  .describe('The streams a read or write covers: passed to read() and write().');
export type ConfiguredCatalog = z.infer<typeof ConfiguredCatalog>;

export const SourceState = z
  .record(z.string(), z.unknown())
  .describe('Per-stream checkpoints to resume from: stream name → the `data` of its latest state message.');
export type SourceState = z.infer<typeof SourceState>;

// MARK: - Payloads

export const RecordPayload = z
  .object({
    stream: z.string().min(1).describe('Stream the record belongs to.'),
    data: jsonObject.describe('The record itself, shaped by the stream’s json_schema.'),
    emitted_at: utcTimestamp.describe('When the source emitted the record: UTC, ISO 8601 with Z.'),
    deleted: z.boolean().optional().describe('True when the record was deleted upstream; `data` then holds at least its primary key.'),
  })
  .describe('One record of one stream.');
export type RecordPayload = z.infer<typeof RecordPayload>;

export const StatePayload = z
  .object({
    stream: z.string().min(1).describe('Stream this checkpoint belongs to.'),
    // Present even when empty (null): an absent cursor would silently mean "start over".
    data: z
      .unknown()
      .refine((v) => v !== undefined, 'Required: the cursor (null when there is none)')
      .describe('Opaque cursor: only the source reads it; it is saved and handed back to read() on resume.'),
  })
  .describe('A checkpoint: everything of this stream before it may be considered done once it is durable.');
export type StatePayload = z.infer<typeof StatePayload>;

export const LogPayload = z
  .object({
    level: z.enum(['debug', 'info', 'warn', 'error']).describe('Severity.'),
    message: z.string().describe('An event name or a short sentence; values go in `fields`.'),
    fields: jsonObject.optional().describe('Structured values of the event; never secrets.'),
  })
  .describe('A structured log line from a connector.');
export type LogPayload = z.infer<typeof LogPayload>;

export const ErrorPayload = z
  .object({
    code: z.string().min(1).describe('Stable machine-readable code, e.g. "upstream_rate_limited".'),
    message: z.string().describe('Human-readable description.'),
    retryable: z.boolean().describe('Whether trying again later may succeed.'),
    retry_at: utcTimestamp.optional().describe('Earliest time a retry is allowed (from Retry-After or a reset header).'),
    detail: jsonObject.optional().describe('Structured facts (status code, request id, stderr tail); never secrets.'),
    error_class: z.string().optional().describe('Class name of the error as thrown, so an unknown error is recorded with its class.'),
    stream: z.string().optional().describe('Stream the error belongs to, when it is one stream’s.'),
  })
  .describe('A typed error (SPEC invariant 8) in wire form.');
export type ErrorPayload = z.infer<typeof ErrorPayload>;

export const StreamCounts = z
  .object({
    records: z.number().int().nonnegative().describe('Records emitted so far, deletions included.'),
    pages: z.number().int().nonnegative().optional().describe('Upstream pages read so far.'),
    deleted: z.number().int().nonnegative().optional().describe('Of the records, how many were deletions.'),
  })
  .describe('Counts for one stream in this run.');
export type StreamCounts = z.infer<typeof StreamCounts>;

export const StreamStatusPayload = z
  .object({
    stream: z.string().min(1).describe('Stream reported on.'),
    status: z
      .enum(['started', 'running', 'complete', 'incomplete'])
      .describe('Phase of the stream in this run: incomplete means it stopped early (see `error`).'),
    counts: StreamCounts.optional(),
    error: ErrorPayload.optional().describe('Why an incomplete stream stopped.'),
  })
  .describe('Where one stream is in this run.');
export type StreamStatusPayload = z.infer<typeof StreamStatusPayload>;

export const ProgressPayload = z
  .object({
    stream: z.string().min(1).describe('Stream reported on.'),
    records: z.number().int().nonnegative().describe('Records emitted so far in this run.'),
    pages: z.number().int().nonnegative().optional().describe('Pages read so far in this run.'),
    estimated_total: z.number().int().nonnegative().optional().describe('Expected records in all, when the upstream says.'),
  })
  .describe('How far one stream has come.');
export type ProgressPayload = z.infer<typeof ProgressPayload>;

export const TracePayload = z
  .discriminatedUnion('type', [
    z.object({ type: z.literal('error'), error: ErrorPayload }),
    z.object({ type: z.literal('progress'), progress: ProgressPayload }),
  ])
  .describe('Diagnostics: a typed error, or progress.');
export type TracePayload = z.infer<typeof TracePayload>;

export const SpecPayload = z
  .object({
    config_schema: jsonObject.describe('JSON Schema of the connector’s config.'),
    documentation_url: z.url().optional().describe('Where the connector is documented.'),
  })
  .describe('What a connector needs to be configured.');
export type SpecPayload = z.infer<typeof SpecPayload>;

export const ConnectionStatusPayload = z
  .object({
    status: z.enum(['succeeded', 'failed']).describe('Whether the config works: valid, and the upstream accepts it.'),
    message: z.string().optional().describe('Why it failed, for the person fixing the config.'),
  })
  .describe('The answer to check().');
export type ConnectionStatusPayload = z.infer<typeof ConnectionStatusPayload>;

// MARK: - Envelopes

export const RecordMessage = z.object({ type: z.literal('record'), record: RecordPayload }).meta({ id: 'RecordMessage' });
export type RecordMessage = z.infer<typeof RecordMessage>;

export const StateMessage = z.object({ type: z.literal('state'), state: StatePayload }).meta({ id: 'StateMessage' });
export type StateMessage = z.infer<typeof StateMessage>;

export const CatalogMessage = z.object({ type: z.literal('catalog'), catalog: Catalog }).meta({ id: 'CatalogMessage' });
export type CatalogMessage = z.infer<typeof CatalogMessage>;

export const LogMessage = z.object({ type: z.literal('log'), log: LogPayload }).meta({ id: 'LogMessage' });
export type LogMessage = z.infer<typeof LogMessage>;

export const StreamStatusMessage = z
  .object({ type: z.literal('stream_status'), stream_status: StreamStatusPayload })
  .meta({ id: 'StreamStatusMessage' });
export type StreamStatusMessage = z.infer<typeof StreamStatusMessage>;

export const TraceMessage = z.object({ type: z.literal('trace'), trace: TracePayload }).meta({ id: 'TraceMessage' });
export type TraceMessage = z.infer<typeof TraceMessage>;

export const SpecMessage = z.object({ type: z.literal('spec'), spec: SpecPayload }).meta({ id: 'SpecMessage' });
export type SpecMessage = z.infer<typeof SpecMessage>;

export const ConnectionStatusMessage = z
  .object({ type: z.literal('connection_status'), connection_status: ConnectionStatusPayload })
  .meta({ id: 'ConnectionStatusMessage' });
export type ConnectionStatusMessage = z.infer<typeof ConnectionStatusMessage>;

/** Any protocol message; one per NDJSON line. */
export const Message = z
  .discriminatedUnion('type', [
    RecordMessage,
    StateMessage,
    CatalogMessage,
    LogMessage,
    StreamStatusMessage,
    TraceMessage,
    SpecMessage,
    ConnectionStatusMessage,
  ])
  .meta({ id: 'Message' });
export type Message = z.infer<typeof Message>;

/** A trace carrying a typed error. */
export type ErrorTraceMessage = TraceMessage & { trace: { type: 'error' } };

export function isErrorTrace(message: Message): message is ErrorTraceMessage {
  return message.type === 'trace' && message.trace.type === 'error';
}

// MARK: - Parsing

/**
 * Validates an untrusted value (a parsed JSON line) as a Message. Throws a ProtocolError whose message
 * names the path of each bad field, e.g. `record.emitted_at: Invalid ISO datetime`.
 */
export function parseMessage(value: unknown): Message {
  const result = Message.safeParse(value);
  if (result.success) return result.data;
  throw new ProtocolError(`invalid message: ${describeIssues(result.error.issues)}`, {
    detail: { path: formatPath(result.error.issues[0]?.path ?? []), type: typeOf(value) },
  });
}

/** `path: message; path: message` for the first few issues — enough to find the bad field. */
export function describeIssues(issues: readonly z.core.$ZodIssue[], max = 3): string {
  const shown = issues.slice(0, max).map((i) => `${formatPath(i.path) || '(root)'}: ${i.message}`);
  if (issues.length > max) shown.push(`and ${issues.length - max} more`);
  return shown.join('; ');
}

/** `catalog.streams[0].name` — the spelling a reader would use to find the field. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), '');
}

function typeOf(value: unknown): string | undefined {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string'
    ? (value as { type: string }).type
    : undefined;
}
