/**
 * A manifest adapter as a protocol Source: one stream per entity, each page a record batch followed by
 * a checkpoint, so the whole pipeline machinery (stream jobs, resume, progress, webhooks) applies.
 *
 * Strategies, per entity:
 * - full: every record (full_refresh, or an entity without a cursor field);
 * - delta: records whose cursor field is ≥ the last complete pass's newest value, less a safety
 *   overlap. The walk is keyset on the cursor field: after each page it asks again from the newest
 *   value seen, skipping the ids already seen at exactly that value, so records sharing one timestamp
 *   across a page boundary are neither lost nor doubled, and a record updated mid-walk only moves
 *   later. A tie group longer than a page is walked with the provider's own next-page token;
 * - reconciliation: a full pass whose missing records the canonical sink marks deleted (only after
 *   the pass completed: see canonical/sink.ts);
 * - webhook: a verified delivery names the touched records, which are fetched again (or deleted).
 */
import { z } from 'zod';
import type { Source } from '../../protocol/connector.ts';
import { defineSource } from '../../protocol/connector.ts';
import type { EntityDefinition, ManifestAdapter } from '../../protocol/manifest.ts';
import type { Message, RecordPayload, StreamDescriptor } from '../../protocol/messages.ts';
import type { SourceWebhooks } from '../../protocol/webhooks.ts';
import type { RateLimiter } from './rate-limiter.ts';

export const EPOCH = '1970-01-01T00:00:00Z';

/** The per-entity checkpoint. */
export const EntityCursor = z.object({
  /** Newest cursor value of the last complete pass: where the next delta starts (less the overlap). */
  cursor: z.string().nullable(),
  /** A pass in progress: the keyset position, or the provider's page token for entities without a cursor field. */
  pass: z
    .object({ since: z.string().nullable(), seen: z.array(z.string()), page: z.string().nullable() })
    .nullable(),
});
export type EntityCursor = z.infer<typeof EntityCursor>;

export interface ManifestSourceOptions {
  limiter: RateLimiter;
  /** How far before the last pass's newest value a delta starts again. Default 1 s. */
  deltaOverlapSeconds?: number;
}

export type ManifestSource<Config = unknown> = Source<Config> & {
  readonly adapter: ManifestAdapter<Config>;
  /** One record as it is upstream now (validated), or null when it is gone; config as stored, rate limited. */
  fetchRecord(config: unknown, entity: string, id: string, signal: AbortSignal): Promise<Record<string, unknown> | null>;
};

export function isManifestSource(value: unknown): value is ManifestSource {
  return typeof value === 'object' && value !== null && 'adapter' in value && typeof (value as ManifestSource).adapter?.manifest === 'object';
}

export function entityDescriptor(name: string, def: EntityDefinition<string>): StreamDescriptor {
  return {
    name,
    json_schema: z.toJSONSchema(def.schema, { io: 'output', unrepresentable: 'any' }) as Record<string, unknown>,
    primary_key: [def.primaryKey],
    ...(def.cursorField ? { cursor_field: def.cursorField } : {}),
    supported_sync_modes: def.cursorField ? ['full_refresh', 'incremental'] : ['full_refresh'],
  };
}

export function manifestSource<Config>(adapter: ManifestAdapter<Config>, options: ManifestSourceOptions): ManifestSource<Config> {
  const overlapMs = (options.deltaOverlapSeconds ?? 1) * 1000;
  const entities = adapter.manifest.entities as Record<string, EntityDefinition<string>>;
  const context = (config: Config, signal: AbortSignal) => ({ signal, acquire: () => options.limiter.acquire(adapter.rateLimit(config), signal) });

  // Through defineSource like the other methods, so each webhook call gets the config parsed (defaults
  // filled in: a stored pipeline config is the user's input, without them), not the raw stored one.
  const webhooks = adapter.webhooks ? manifestWebhooks(adapter, entities, context) : undefined;
  const source = defineSource<Config>({
    configSchema: adapter.configSchema,
    ...(webhooks ? { webhooks } : {}),

    async *check({ config }) {
      const [first] = Object.keys(entities);
      if (first) await adapter.listPage({ config, entity: first, page: null, pageSize: 1, ...context(config, new AbortController().signal) });
      yield { type: 'connection_status', connection_status: { status: 'succeeded' } };
    },

    async *discover() {
      yield { type: 'catalog', catalog: { streams: Object.entries(entities).map(([name, def]) => entityDescriptor(name, def)) } };
    },

    async *read({ config, catalog, state }) {
      // Cancellation reaches the requests through this signal when the consumer stops early.
      const controller = new AbortController();
      try {
        for (const configured of catalog.streams) {
          const name = configured.stream.name;
          const def = entities[name];
          if (!def) throw new Error(`manifest ${adapter.manifest.system} has no entity "${name}"`);
          const prior = EntityCursor.safeParse(state?.[name]);
          const start: EntityCursor = prior.success ? prior.data : { cursor: null, pass: null };
          yield* readEntity({ adapter, config, name, def, delta: configured.sync_mode === 'incremental', start, overlapMs, ctx: context(config, controller.signal) });
        }
      } finally {
        controller.abort();
      }
    },
  });
  async function fetchRecord(raw: unknown, entity: string, id: string, signal: AbortSignal): Promise<Record<string, unknown> | null> {
    const def = entities[entity];
    if (!def) throw new Error(`manifest ${adapter.manifest.system} has no entity "${entity}"`);
    const config = adapter.configSchema.parse(raw);
    const current = await adapter.fetchOne({ config, entity, id, ...context(config, signal) });
    if (current === null || current === undefined) return null;
    const parsed = def.schema.safeParse(current);
    return parsed.success ? (parsed.data as Record<string, unknown>) : null;
  }
  return Object.assign(source, { adapter, fetchRecord });
}

interface ReadEntity<Config> {
  adapter: ManifestAdapter<Config>;
  config: Config;
  name: string;
  def: EntityDefinition<string>;
  delta: boolean;
  start: EntityCursor;
  overlapMs: number;
  ctx: { signal: AbortSignal; acquire(): Promise<void> };
}

async function* readEntity<Config>(p: ReadEntity<Config>): AsyncGenerator<Message> {
  const { name, def } = p;
  const pageSize = p.def.endpoints.list.maxPageSize ?? 100;
  let records = 0;
  yield { type: 'stream_status', stream_status: { stream: name, status: 'started' } };
  const field = def.cursorField;
  const state = (cursor: string | null, pass: EntityCursor['pass']): Message => ({ type: 'state', state: { stream: name, data: { cursor, pass } satisfies EntityCursor } });

  // A pass resumes where it stopped; a new one starts at the delta point (or the beginning).
  let since = p.start.pass?.since ?? (field ? (p.delta && p.start.cursor ? shift(p.start.cursor, -p.overlapMs) : EPOCH) : null);
  let seen = new Set(p.start.pass?.seen ?? []);
  let page = p.start.pass?.page ?? null;
  // The newest cursor value this pass has seen (a resumed pass has seen up to its keyset position).
  let newest: string | null = p.start.pass?.since ?? null;

  for (;;) {
    const result = await p.adapter.listPage({ config: p.config, entity: name, page, since: since ?? undefined, pageSize, ...p.ctx });
    const batch: Record<string, unknown>[] = [];
    let invalid = 0;
    for (const raw of result.records) {
      const parsed = def.schema.safeParse(raw);
      if (parsed.success) batch.push(parsed.data as Record<string, unknown>);
      else invalid++;
    }
    if (invalid > 0) yield { type: 'log', log: { level: 'warn', message: 'manifest_records_invalid', fields: { entity: name, invalid } } };
    const emitted_at = new Date().toISOString();
    for (const record of batch) {
      const id = String(record[def.primaryKey]);
      if (field && since !== null && sameInstant(record[field], since) && seen.has(id)) continue;
      records++;
      yield { type: 'record', record: { stream: name, data: record, emitted_at } };
    }
    if (field) {
      const last = batch.at(-1);
      const lastValue = last ? stringOf(last[field]) : null;
      if (lastValue !== null && (newest === null || later(lastValue, newest))) newest = lastValue;
      if (result.next === null) break;
      if (lastValue !== null && (since === null || later(lastValue, since))) {
        // Ask again from the newest value seen: ids at exactly it are skipped next time.
        since = lastValue;
        seen = new Set(batch.filter((r) => sameInstant(r[field], lastValue)).map((r) => String(r[def.primaryKey])));
        page = null;
      } else {
        // The whole page shares one value: walk the tie group with the provider's token.
        for (const r of batch) seen.add(String(r[def.primaryKey]));
        page = result.next;
      }
      yield state(p.start.cursor, { since, seen: [...seen], page });
    } else {
      if (result.next === null) break;
      page = result.next;
      yield state(null, { since: null, seen: [], page });
    }
  }
  // The pass is complete: the next delta starts from the newest value it saw (never moving back).
  const cursor = newest !== null && (p.start.cursor === null || later(newest, p.start.cursor)) ? newest : p.start.cursor;
  yield state(field ? cursor : null, null);
  yield { type: 'stream_status', stream_status: { stream: name, status: 'complete', counts: { records } } };
}

function manifestWebhooks<Config>(
  adapter: ManifestAdapter<Config>,
  entities: Record<string, EntityDefinition<string>>,
  context: (config: Config, signal: AbortSignal) => { signal: AbortSignal; acquire(): Promise<void> },
): SourceWebhooks<Config> {
  const hooks = adapter.webhooks!;
  return {
    verify: (request) => hooks.verify(request),
    touched: (params) => hooks.touched(params).map((t) => ({ stream: t.entity, key: t.id })),
    async records({ config, delivery, signal }) {
      const out: RecordPayload[] = [];
      for (const { entity, id } of hooks.touched({ config, delivery })) {
        const def = entities[entity];
        if (!def) continue;
        const emitted_at = new Date().toISOString();
        const current = await adapter.fetchOne({ config, entity, id, ...context(config, signal) });
        if (current === null || current === undefined) {
          out.push({ stream: entity, data: { [def.primaryKey]: id }, emitted_at, deleted: true });
          continue;
        }
        const parsed = def.schema.safeParse(current);
        if (parsed.success) out.push({ stream: entity, data: parsed.data as Record<string, unknown>, emitted_at });
      }
      return out;
    },
  };
}

const stringOf = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const ms = (v: string) => Date.parse(v);
const later = (a: string, b: string) => ms(a) > ms(b);
const sameInstant = (v: unknown, at: string) => typeof v === 'string' && ms(v) === ms(at);
const shift = (iso: string, byMs: number) => new Date(ms(iso) + byMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
