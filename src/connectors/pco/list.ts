/**
 * One page of an entity's list (reference §5, §6). Without `since` it pages `/people/v2/<entity>` in PCO's default
 * order (by id, observed), which an update during the walk cannot reorder. With `since` (the engine's full passes
 * start at the epoch, its deltas at the last cursor) it asks for
 * `where[updated_at][gte]=since&order=updated_at`, so pages come oldest change first and a checkpoint after any
 * page is safe. Ties on `updated_at` come in PCO's tie order: `id` is not among the order keys and several keys
 * are unverified (§5, §6), so `order=updated_at` is all that is sent (observed and faked: ties by id ascending).
 * Later pages follow `links.next` verbatim: that URL is the page token.
 *
 * Address cannot be filtered by `updated_at` (§6), only ordered by it. Its first page at a `since` is found by a
 * binary search over the pages of `order=updated_at` (about log2(total / page size) requests): the first page whose
 * last row is at or after `since` is returned, rows before `since` dropped, and its `links.next` goes on from there
 * — the same ascending walk the other entities get. The engine walks keyset-wise (each page asks again from the
 * last page's newest `updated_at`), so where a page ended is remembered in-process: the next call reads from a few
 * rows before that offset, one request, uses it if the boundary (a row older than `since`, then one that is not) is
 * on that page, and searches only when it is not (another process, or many rows moved in between). A full pass of
 * N addresses thus costs about N / page size requests, a delta with few changes about log2 of the page count.
 */
import { createHash } from 'node:crypto';
import { ValidationError } from '../../protocol/errors.ts';
import type { EntityPage, RequestContext } from '../../protocol/manifest.ts';
import type { PcoClient } from './client.ts';
import { flattenResource, primaryData, type FlatRecord, type JsonApiDocument } from './jsonapi.ts';
import { pcoManifest, type PcoEntity } from './manifest.ts';
import type { PcoConfig } from './spec.ts';

/** Entities whose list has no `where[updated_at]` (§6: Address queries by city, location… but not time). */
const SOUGHT_BY_ORDER: ReadonlySet<PcoEntity> = new Set(['address']);

export interface ListPageParams extends RequestContext {
  config: PcoConfig;
  entity: PcoEntity;
  page: string | null;
  since?: string | undefined;
  pageSize: number;
}

export async function listPage(client: PcoClient, params: ListPageParams): Promise<EntityPage> {
  const { config, entity, page } = params;
  const list = pcoManifest.entities[entity].endpoints.list;
  const perPage = Math.max(1, Math.min(params.pageSize, config.page_size, list.maxPageSize ?? 100));
  const since = params.since === undefined ? undefined : parseSince(params.since);
  // Rows older than `since` can appear on an Address page (the search lands mid-page, or rows shifted): dropped.
  const floor = since !== undefined && SOUGHT_BY_ORDER.has(entity) ? since : undefined;

  if (page !== null) {
    const offset = checkToken(page, list.path);
    const doc = await client.get(page);
    if (floor !== undefined) remember(hintKey(config, list.path), doc, offset);
    return toPage(doc, floor);
  }
  if (since === undefined) return toPage(await client.get(list.path, { per_page: perPage }));
  if (floor !== undefined) return seek(client, hintKey(config, list.path), list.path, perPage, floor);
  return toPage(await client.get(list.path, { order: 'updated_at', per_page: perPage, 'where[updated_at][gte]': formatPcoTime(since) }));
}

/**
 * Offsets in `order=updated_at` where a walk's next page should start, by connection, list and `updated_at`
 * instant. Process-wide and bounded; a hint is only ever a first guess, checked before it is used.
 */
const hints = new Map<string, number>();
const MAX_HINTS = 1_000;

/** Names the connection by a digest (never a credential), the list and the API version (it changes the rows). */
function hintKey(config: PcoConfig, path: string): string {
  const who = createHash('sha256').update(`${config.base_url}\n${config.application_id ?? ''}\n${config.access_token ?? ''}\n${config.api_version}`).digest('hex');
  return `${who}:${path}`;
}

/** After a page: the next keyset call asks from its last `updated_at`, whose first row on this page is at this offset. */
function remember(key: string, doc: JsonApiDocument, offset: number): void {
  const times = primaryData(doc).map((r) => (typeof r.attributes?.updated_at === 'string' ? Date.parse(r.attributes.updated_at) : NaN));
  const last = times.at(-1);
  if (last === undefined || !Number.isFinite(last)) return;
  let first = times.length - 1;
  while (first > 0 && times[first - 1] === last) first--;
  hints.delete(`${key}:${last}`);
  hints.set(`${key}:${last}`, offset + first);
  if (hints.size > MAX_HINTS) hints.delete(hints.keys().next().value!);
}

/**
 * The page of `order=updated_at` starting where rows reach `since`: at the remembered offset if it checks out, else
 * found by binary search over the pages. A search lands on a page-aligned offset; when most of that page is older
 * than `since` it is read again from the boundary, so the page handed over is (nearly) full: a page holding only
 * rows at exactly `since` would send the engine down the provider's offsets instead of its keyset.
 */
async function seek(client: PcoClient, key: string, path: string, perPage: number, since: number): Promise<EntityPage> {
  const at = (offset: number) => client.get(path, { order: 'updated_at', per_page: perPage, offset });
  const found = (doc: JsonApiDocument, offset: number): EntityPage => {
    remember(key, doc, offset);
    return toPage(doc, since);
  };
  /**
   * The page from a little before `boundary`, if the boundary is on it: a row older than `since` followed by one
   * that is not (or the list's very start). Changes elsewhere only move rows to the end of this order, so rows
   * here only shift towards the start: a few rows of slack keep a hint good through them.
   */
  const fromBoundary = async (boundary: number): Promise<EntityPage | undefined> => {
    const start = Math.max(0, boundary - 1 - Math.min(10, Math.floor(perPage / 10)));
    const doc = await at(start);
    const newer = primaryData(doc).map(flattenResource).findIndex((r) => !isBefore(r, since));
    return newer > 0 || (newer === 0 && start === 0) ? found(doc, start) : undefined;
  };

  const hint = hints.get(`${key}:${since}`);
  if (hint !== undefined) {
    const page = await fromBoundary(hint);
    if (page) return page;
  }
  const located = await search(at, perPage, since);
  if (!located) return { records: [], next: null };
  const newer = primaryData(located.doc).map(flattenResource).findIndex((r) => !isBefore(r, since));
  if (newer > perPage / 2 && located.doc.links?.next) {
    const page = await fromBoundary(located.offset + newer);
    if (page) return page;
  }
  return found(located.doc, located.offset);
}

/** The page-aligned page holding the first row at or after `since`, by binary search over page indexes. */
async function search(at: (offset: number) => Promise<JsonApiDocument>, perPage: number, since: number): Promise<{ doc: JsonApiDocument; offset: number } | undefined> {
  // Whether the page ends at or after `since`; an empty page (the list shrank) counts as past the end.
  const reaches = (doc: JsonApiDocument) => {
    const last = primaryData(doc).at(-1);
    return last === undefined || !isBefore(flattenResource(last), since);
  };
  const first = await at(0);
  const total = first.meta?.total_count;
  // Without a total there is nothing to search over: walk from the start, dropping what is older.
  if (total === undefined || reaches(first)) return primaryData(first).length > 0 || total === undefined ? { doc: first, offset: 0 } : undefined;
  let lo = 1;
  let hi = Math.ceil(total / perPage) - 1;
  let located: { doc: JsonApiDocument; offset: number } | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const doc = await at(mid * perPage);
    if (!reaches(doc)) {
      lo = mid + 1;
      continue;
    }
    hi = mid - 1;
    const rows = primaryData(doc);
    if (rows.length === 0) continue;
    located = { doc, offset: mid * perPage };
    // It starts before `since`: the boundary is on this page, no need to look further left.
    if (isBefore(flattenResource(rows[0]!), since)) break;
  }
  return located;
}

function toPage(doc: JsonApiDocument, floor?: number): EntityPage {
  let records: FlatRecord[] = primaryData(doc).map(flattenResource);
  if (floor !== undefined) records = records.filter((r) => !isBefore(r, floor));
  const next = doc.links?.next;
  // A next link equal to this page's own would loop for ever.
  return { records, next: next && next !== doc.links?.self ? next : null };
}

/** Strictly older than `since`; a row without a readable updated_at is kept (the schema will judge it). */
function isBefore(record: FlatRecord, since: number): boolean {
  const at = typeof record.updated_at === 'string' ? Date.parse(record.updated_at) : NaN;
  return Number.isFinite(at) && at < since;
}

function parseSince(since: string): number {
  const ms = Date.parse(since);
  if (!Number.isFinite(ms)) throw new ValidationError(`since "${since}" is not a date-time`, { detail: { since } });
  return ms;
}

/**
 * `2025-01-01T00:00:00Z`: a full UTC timestamp, as §6 says cursors must be sent (a date alone would mean a whole day
 * in the organisation's zone). Sub-seconds are cut, never rounded up, so `gte` can only include more.
 */
export function formatPcoTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * A page token is a `links.next` of this entity's list; anything else is refused before a request is made.
 * Returns the page's offset.
 */
function checkToken(token: string, listPath: string): number {
  let url: URL;
  try {
    url = new URL(token);
  } catch {
    throw new ValidationError('the page token is not a PCO list URL');
  }
  if (!url.pathname.endsWith(listPath)) throw new ValidationError(`the page token is not a page of ${listPath}`, { detail: { path: url.pathname } });
  return Number(url.searchParams.get('offset')) || 0;
}
