/**
 * Reading one stream: a backfill walks the list endpoint newest-first with `starting_after`, one state after
 * every page (its records first), so a crash resumes at the next page; once complete, later incremental runs
 * walk `GET /v1/events` from the cursor saved when the backfill began, and fall back to a new backfill when
 * that cursor has left Stripe's 30-day event window.
 */
import type { Message, SyncMode } from '../../protocol/messages.ts';
import type { ListPage, StripeClient, StripeObject } from './client.ts';
import { parseCursor, type EventCursor, type StreamCursor } from './cursor.ts';
import type { StripeConfig } from './spec.ts';
import type { StripeStream } from './streams.ts';
import { eventToRecord, type StripeEvent } from './webhook.ts';

export const EVENT_WINDOW_SECONDS = 30 * 86_400;
// A cursor this close to the window's edge may expire mid-walk: treat it as expired already.
const WINDOW_MARGIN_SECONDS = 3_600;
// With no event to anchor on, start this far before our clock, so skew against Stripe's cannot lose events.
const CLOCK_SKEW_SECONDS = 300;

interface Counts {
  records: number;
  pages: number;
  deleted: number;
}

export interface ReadStreamParams {
  client: StripeClient;
  config: StripeConfig;
  stream: StripeStream;
  mode: SyncMode;
  state: unknown;
}

/** Every message of one stream's read: started, pages of records each followed by its state, complete. */
export async function* readStream(p: ReadStreamParams): AsyncGenerator<Message> {
  const name = p.stream.name;
  const counts: Counts = { records: 0, pages: 0, deleted: 0 };
  yield { type: 'stream_status', stream_status: { stream: name, status: 'started' } };
  const cursor = parseCursor(p.state);
  if (p.state != null && !cursor) yield log('warn', 'stripe_state_unrecognised', { stream: name });

  if (cursor?.phase === 'incremental' && p.mode === 'incremental') {
    const nowSeconds = Math.floor(Date.now() / 1000);
    if (cursor.since.created >= nowSeconds - EVENT_WINDOW_SECONDS + WINDOW_MARGIN_SECONDS) {
      yield log('info', 'stripe_events_read', { stream: name, since: cursor.since.created });
      yield* readEvents(p, cursor.since, counts);
      yield complete(name, counts);
      return;
    }
    yield log('warn', 'stripe_events_window_expired', { stream: name, cursor_created: cursor.since.created, window_days: 30, action: 'backfill' });
  }
  const start = cursor?.phase === 'backfill' ? cursor : { phase: 'backfill' as const, pass: 0, starting_after: null, since: await eventsAnchor(p.client) };
  yield log('info', 'stripe_backfill', { stream: name, resumed: cursor?.phase === 'backfill', pass: start.pass });
  yield* backfill(p, start, counts);
  yield complete(name, counts);
}

/** The events cursor a backfill starting now hands on: at the newest event Stripe has, else our clock less skew. */
async function eventsAnchor(client: StripeClient): Promise<EventCursor> {
  const page = await client.get<ListPage<StripeEvent>>('/v1/events', { limit: 1 });
  const newest = page.data[0];
  return newest ? { created: newest.created, seen: [newest.id] } : { created: Math.floor(Date.now() / 1000) - CLOCK_SKEW_SECONDS, seen: [] };
}

async function* backfill(p: ReadStreamParams, from: StreamCursor & { phase: 'backfill' }, counts: Counts): AsyncGenerator<Message> {
  const { stream, config, client } = p;
  const createdFrom = config.backfill_start ? Math.floor(Date.parse(config.backfill_start) / 1000) : undefined;
  let pass = from.pass;
  let startingAfter = from.starting_after;
  while (pass < stream.passes.length) {
    const page = await client.get<ListPage<StripeObject>>(stream.path, {
      limit: config.page_size,
      ...stream.passes[pass],
      ...(startingAfter ? { starting_after: startingAfter } : {}),
      ...(createdFrom !== undefined ? { 'created[gte]': createdFrom } : {}),
    });
    for (const obj of page.data) yield record(stream.name, obj, false, counts);
    const last = page.data.at(-1);
    // An empty page ends the walk even if has_more says otherwise: there is no id to continue after.
    if (page.has_more && last) startingAfter = last.id;
    else {
      pass++;
      startingAfter = null;
    }
    const next: StreamCursor = pass < stream.passes.length ? { phase: 'backfill', pass, starting_after: startingAfter, since: from.since } : { phase: 'incremental', since: from.since };
    yield* pageDone(stream.name, next, counts);
  }
}

/**
 * Events since the cursor, oldest first. Stripe lists newest first and only by id cursors, so the new events
 * are gathered first (bounded by the 30-day window) and then emitted in page-sized chunks, each with its state.
 */
async function* readEvents(p: ReadStreamParams, since: EventCursor, counts: Counts): AsyncGenerator<Message> {
  const { stream, config, client } = p;
  const seen = new Set(since.seen);
  const fresh: StripeEvent[] = [];
  for (let after: string | undefined; ; ) {
    const page = await client.get<ListPage<StripeEvent>>('/v1/events', {
      limit: 100,
      types: stream.events,
      'created[gte]': since.created,
      ...(after ? { starting_after: after } : {}),
    });
    for (const e of page.data) if (!seen.has(e.id)) fresh.push(e);
    const last = page.data.at(-1);
    if (!page.has_more || !last) break;
    after = last.id;
  }
  fresh.reverse();
  let cursor = since;
  if (fresh.length === 0) yield* pageDone(stream.name, { phase: 'incremental', since: cursor }, counts);
  for (let i = 0; i < fresh.length; i += config.page_size) {
    for (const event of fresh.slice(i, i + config.page_size)) {
      const rec = eventToRecord(event);
      if (rec && rec.stream === stream.name) yield record(stream.name, rec.data, rec.deleted, counts);
      cursor = event.created === cursor.created ? { created: cursor.created, seen: [...cursor.seen, event.id] } : { created: event.created, seen: [event.id] };
    }
    yield* pageDone(stream.name, { phase: 'incremental', since: cursor }, counts);
  }
}

function record(stream: string, data: Record<string, unknown>, deleted: boolean, counts: Counts): Message {
  counts.records++;
  if (deleted) counts.deleted++;
  return { type: 'record', record: { stream, data, emitted_at: new Date().toISOString(), ...(deleted ? { deleted: true } : {}) } };
}

function* pageDone(stream: string, cursor: StreamCursor, counts: Counts): Generator<Message> {
  counts.pages++;
  yield { type: 'state', state: { stream, data: cursor } };
  if (counts.pages === 1) yield { type: 'stream_status', stream_status: { stream, status: 'running', counts: { ...counts } } };
  yield { type: 'trace', trace: { type: 'progress', progress: { stream, records: counts.records, pages: counts.pages } } };
}

function complete(stream: string, counts: Counts): Message {
  return { type: 'stream_status', stream_status: { stream, status: 'complete', counts: { ...counts } } };
}

function log(level: 'info' | 'warn', message: string, fields: Record<string, unknown>): Message {
  return { type: 'log', log: { level, message, fields } };
}
