/**
 * Reading one stream: a backfill walks each list pass newest-first in `created` windows (calendar months in
 * UTC by default, `backfill_window`): each window with `created[gte]`/`created[lt]` and `starting_after`
 * paging, one state after every page (its records first) naming the window and the last id done in it, so a
 * crash resumes at the next page of the same window and a finished window is never read again. Before each
 * window one `limit=1` request below it finds the newest older object: its period is the next window (empty
 * periods in between are skipped) and none means the pass is done — down to `backfill_start` when set.
 * Objects created while the backfill runs land in windows already read; the events cursor anchored when the
 * backfill began carries them. Once complete, later incremental runs walk `GET /v1/events` from that cursor,
 * and fall back to a new backfill when it has left Stripe's 30-day event window.
 */
import type { Message, SyncMode } from '../../protocol/messages.ts';
import type { ListPage, StripeClient, StripeObject } from './client.ts';
import { parseCursor, type BackfillCursor, type CreatedWindow, type EventCursor, type StreamCursor } from './cursor.ts';
import type { StripeConfig } from './spec.ts';
import type { StripeStream } from './streams.ts';
import { eventToRecord, type StripeEvent } from './webhook.ts';
import { periodStart, windowLabel } from './windows.ts';

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
  const resumed = cursor?.phase === 'backfill' ? cursor : undefined;
  const from: BackfillCursor = resumed ?? { phase: 'backfill', pass: 0, window: null, starting_after: null, since: await eventsAnchor(p.client) };
  yield log('info', 'stripe_backfill', {
    stream: name,
    resumed: resumed !== undefined,
    pass: from.pass,
    window_unit: p.config.backfill_window,
    ...(p.config.backfill_start ? { backfill_start: p.config.backfill_start } : {}),
  });
  yield* backfill(p, from, counts);
  yield complete(name, counts);
}

/**
 * The events cursor a backfill starting now hands on: at the newest event Stripe has, else our clock less skew.
 * Every event already there at that second is `seen`, not just the newest: the backfill reads objects as they
 * are after all of them, and one replayed later (say a `*.created` older than the `*.updated` beside it) would
 * put an older version back over the newer one.
 */
async function eventsAnchor(client: StripeClient): Promise<EventCursor> {
  const seen: string[] = [];
  let created: number | undefined;
  for (let after: string | undefined; ; ) {
    const page = await client.get<ListPage<StripeEvent>>('/v1/events', { limit: 100, ...(after ? { starting_after: after } : {}) });
    created ??= page.data[0]?.created;
    const same = page.data.filter((e) => e.created === created);
    seen.push(...same.map((e) => e.id));
    const last = page.data.at(-1);
    // Newest first: once an older second shows up, every event of the anchor's second has been listed.
    if (!page.has_more || !last || same.length < page.data.length) break;
    after = last.id;
  }
  return created !== undefined ? { created, seen } : { created: Math.floor(Date.now() / 1000) - CLOCK_SKEW_SECONDS, seen: [] };
}

/** A backfill position with its window known. */
type InWindow = BackfillCursor & { window: CreatedWindow };
type Incremental = StreamCursor & { phase: 'incremental' };

async function* backfill(p: ReadStreamParams, from: BackfillCursor, counts: Counts): AsyncGenerator<Message> {
  const { stream, config, client } = p;
  const lower = lowerBound(config);
  let cur: InWindow | Incremental = from.window ? { ...from, window: from.window } : await locate(p, from.pass, undefined, from.since);
  if (cur.phase === 'incremental') {
    // Nothing to read at all: the state still moves on, so the next run reads events.
    yield { type: 'state', state: { stream: stream.name, data: cur } };
    return;
  }
  let announce = true;
  while (cur.phase === 'backfill') {
    const here: InWindow = cur;
    const { window, pass } = here;
    if (announce) {
      yield log('info', 'stripe_backfill_window', {
        stream: stream.name,
        pass,
        window: windowLabel(window),
        gte: window.gte,
        lt: window.lt,
        ...(here.starting_after ? { resumed_after: here.starting_after } : {}),
      });
    }
    const page: ListPage<StripeObject> = await client.get<ListPage<StripeObject>>(stream.path, {
      limit: config.page_size,
      ...stream.passes[pass],
      'created[gte]': lower === undefined ? window.gte : Math.max(window.gte, lower),
      ...(window.lt !== null ? { 'created[lt]': window.lt } : {}),
      ...(here.starting_after ? { starting_after: here.starting_after } : {}),
    });
    for (const obj of page.data) yield record(stream.name, obj, false, counts);
    const last = page.data.at(-1);
    // An empty page ends the window even if has_more says otherwise: there is no id to continue after.
    const next: InWindow | Incremental = page.has_more && last ? { ...here, starting_after: last.id } : await locate(p, pass, window.gte, here.since);
    yield* pageDone(stream.name, next, counts);
    announce = next.phase === 'backfill' && next.starting_after === null;
    cur = next;
  }
}

/**
 * Where the backfill goes once everything of `pass` at or above `below` is read (`below` undefined: none of
 * it yet): the next window of this pass, else the first of a later pass, else incremental.
 */
async function locate(p: ReadStreamParams, pass: number, below: number | undefined, since: EventCursor): Promise<InWindow | Incremental> {
  for (; pass < p.stream.passes.length; pass++, below = undefined) {
    const window = await nextWindow(p, pass, below, since);
    if (window) return { phase: 'backfill', pass, window, starting_after: null, since };
  }
  return { phase: 'incremental', since };
}

/**
 * The window below `below` (or below now): one request for the newest object older than it; the window is
 * that object's period up to `below`, so empty periods are skipped, and there is none when nothing is older.
 */
async function nextWindow(p: ReadStreamParams, pass: number, below: number | undefined, since: EventCursor): Promise<CreatedWindow | undefined> {
  const lower = lowerBound(p.config);
  // The first window's top: past both our clock and the anchor; anything newer is carried by the events cursor.
  const lt = below ?? Math.max(Math.floor(Date.now() / 1000), since.created) + 1;
  if (lt <= (lower ?? 0)) return undefined;
  const page = await p.client.get<ListPage<StripeObject>>(p.stream.path, {
    limit: 1,
    ...p.stream.passes[pass],
    'created[lt]': lt,
    ...(lower !== undefined ? { 'created[gte]': lower } : {}),
  });
  const newest = page.data[0];
  if (!newest) return undefined;
  // Without a `created` to place it, the rest of the pass is one window.
  const start = typeof newest.created === 'number' ? periodStart(newest.created, p.config.backfill_window) : (lower ?? 0);
  return { gte: lower === undefined ? start : Math.max(start, lower), lt };
}

function lowerBound(config: StripeConfig): number | undefined {
  return config.backfill_start ? Math.floor(Date.parse(config.backfill_start) / 1000) : undefined;
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
