/**
 * List parameters and the list envelope, the same for every resource (reference §4): `limit` 1–100 default 10,
 * `starting_after` xor `ending_before`, `created` exact or `[gt|gte|lt|lte]`, and `{object: 'list', url, has_more,
 * data}`. Unknown parameters are refused, as Stripe does, so a connector sending a wrong filter finds out here.
 */
import type { Collection, Keyed, PageQuery } from './collection.ts';
import { invalidRequest, resourceMissing, unknownParameter } from './errors.ts';
import { stringParam, type Params } from './form.ts';

const COMMON = new Set(['limit', 'starting_after', 'ending_before', 'created', 'expand']);

export interface ListEnvelope<T> {
  object: 'list';
  url: string;
  has_more: boolean;
  data: T[];
}

export interface ListOptions {
  /** The list path, without host: `/v1/customers`. */
  url: string;
  /** `customer`, for "No such customer: 'cus_…'" on an unknown cursor. */
  objectName: string;
  /** Filters this resource accepts besides the common ones. */
  filters: ReadonlySet<string>;
  /** Reference §4 leaves 400 vs 404 unverified; 400 is the default (it is a bad parameter, like `customer=`). */
  cursorStatus: 400 | 404;
  /** Whether a cursor id may be used (events older than 30 days may not); default: any id the collection knows. */
  cursorVisible?: (id: string) => boolean;
  /** Extra inclusive lower bound on `created` (the events window). */
  minCreated?: number;
}

export function integerParam(value: string, param: string): number {
  if (!/^-?\d+$/.test(value)) throw invalidRequest(`Invalid integer: ${value}`, param);
  return Number(value);
}

/** Validates the common list params and turns them into a page query; throws Stripe's 400/404 bodies. */
export function parseListQuery<T extends Keyed>(params: Params, collection: Collection<T>, opts: ListOptions): PageQuery {
  for (const name of Object.keys(params)) {
    if (!COMMON.has(name) && !opts.filters.has(name)) throw unknownParameter(name);
  }
  const rawLimit = stringParam(params, 'limit');
  let limit = 10;
  if (rawLimit !== undefined && rawLimit !== '') {
    limit = integerParam(rawLimit, 'limit');
    // Stripe's wording for an out-of-range limit.
    if (limit < 1 || limit > 100) throw invalidRequest('Invalid limit: must be between 1 and 100', 'limit');
  }
  // stripe-node sends a null cursor as an empty string: that means "no cursor".
  const startingAfter = stringParam(params, 'starting_after') || undefined;
  const endingBefore = stringParam(params, 'ending_before') || undefined;
  if (startingAfter && endingBefore) {
    throw invalidRequest('Received both starting_after and ending_before parameters. Please pass in only one.');
  }
  const q: PageQuery = { limit, ...createdBounds(params) };
  if (opts.minCreated !== undefined) q.gte = Math.max(q.gte ?? -Infinity, opts.minCreated);
  const cursor = (id: string, param: string) => {
    const key = opts.cursorVisible && !opts.cursorVisible(id) ? undefined : collection.keyOf(id);
    if (!key) throw resourceMissing(opts.objectName, id, param, opts.cursorStatus);
    return key;
  };
  if (startingAfter) q.after = cursor(startingAfter, 'starting_after');
  if (endingBefore) q.before = cursor(endingBefore, 'ending_before');
  return q;
}

/** `created=N` or `created[gt|gte|lt|lte]=N`, as inclusive bounds (seconds are integers, so gt N = gte N+1). */
function createdBounds(params: Params): { gte?: number; lte?: number } {
  const raw = params.created;
  if (raw === undefined || raw === '') return {};
  if (typeof raw === 'string') {
    const exact = integerParam(raw, 'created');
    return { gte: exact, lte: exact };
  }
  if (Array.isArray(raw)) throw invalidRequest('Invalid created: must be an integer or a hash of gt, gte, lt, lte', 'created');
  let gte: number | undefined;
  let lte: number | undefined;
  for (const [op, value] of Object.entries(raw)) {
    const param = `created[${op}]`;
    if (typeof value !== 'string') throw invalidRequest(`Invalid integer: ${param}`, param);
    const n = integerParam(value, param);
    if (op === 'gt') gte = Math.max(gte ?? -Infinity, n + 1);
    else if (op === 'gte') gte = Math.max(gte ?? -Infinity, n);
    else if (op === 'lt') lte = Math.min(lte ?? Infinity, n - 1);
    else if (op === 'lte') lte = Math.min(lte ?? Infinity, n);
    else throw unknownParameter(param);
  }
  return { ...(gte !== undefined ? { gte } : {}), ...(lte !== undefined ? { lte } : {}) };
}

/** One page of a collection in Stripe's envelope. */
export function listEnvelope<T extends Keyed>(
  collection: Collection<T>,
  params: Params,
  opts: ListOptions,
  match?: (obj: T) => boolean,
): ListEnvelope<T> {
  const page = collection.page(parseListQuery(params, collection, opts), match);
  return { object: 'list', url: opts.url, has_more: page.has_more, data: page.data };
}
