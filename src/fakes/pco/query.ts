/**
 * `where`, `filter`, `order` and `include` (reference §6) turned into a row predicate, a comparator and a list of
 * relationships. Ranges on times follow the docs' table: a full timestamp is an instant, a date-only value the whole
 * day in the organisation's zone. Unknown `where` keys are ignored (reference §6, unverified; `unknownWhere:
 * 'error'` refuses them instead); unknown `order` and `include` names are a 400.
 */
import type { Data } from './data.ts';
import { badRequest } from './errors.ts';
import { Renderer } from './render.ts';
import { RESOURCES, TIME_ATTRIBUTES, type ResourceType } from './resources.ts';
import type { Row } from './table.ts';
import { parseWhereTime } from './time.ts';

/** How rows that compare equal on every `order` key are ordered (the real tie-break is unverified, reference §5). */
export type TieBreak = 'id_asc' | 'follow' | 'shuffle';

export interface QueryContext {
  data: Data;
  renderer: Renderer;
  version: string;
  now: number;
  unknownWhere: 'ignore' | 'error';
  tieBreak: TieBreak;
  random: () => number;
}

export interface ParsedQuery {
  /** Identifies the matching, ordered result set (not the page): the cache key. */
  key: string;
  match: (row: Row) => boolean;
  compare: (a: Row, b: Row) => number;
  include: string[];
  /** Whether `order` asked for anything; otherwise rows stay in id order. */
  ordered: boolean;
  /** False when ties are shuffled per request: the result must not be cached. */
  cacheable: boolean;
}

const WHERE = /^where\[([^\]]+)\](?:\[([a-z]+)\])?$/;
const OPS = new Set(['gt', 'gte', 'lt', 'lte']);

/** The `can_query_by`/`can_order_by` names in a version: Address had `street` before 2023-03-21. */
export function namesFor(type: ResourceType, names: readonly string[], version: string): string[] {
  if (type !== 'addresses' || !Renderer.legacyAddress(version)) return [...names];
  const out = names.filter((n) => n !== 'street_line_1' && n !== 'street_line_2');
  if (out.length !== names.length) out.push('street');
  return out.sort();
}

export function parseQuery(
  type: ResourceType,
  params: URLSearchParams,
  ctx: QueryContext,
  opts: { includes: readonly string[]; filters?: Record<string, (row: Row) => boolean> } = { includes: RESOURCES[type].includes },
): ParsedQuery {
  const spec = RESOURCES[type];
  const queryBy = new Set(namesFor(type, spec.queryBy, ctx.version));
  const tests: ((row: Row) => boolean)[] = [];
  const keyParts: string[] = [];
  for (const [param, value] of lastValues(params)) {
    const m = WHERE.exec(param);
    if (!m) continue;
    const [, attr = '', op = 'eq'] = m;
    if (!queryBy.has(attr) || (op !== 'eq' && !OPS.has(op))) {
      if (ctx.unknownWhere === 'error') throw badRequest(`${param} is not a valid query parameter for ${spec.type}`, param);
      continue;
    }
    tests.push(whereTest(type, attr, op, value, param, ctx));
    keyParts.push(`${param}=${value}`);
  }
  const filterNames = (params.get('filter') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const name of filterNames) {
    const test = opts.filters?.[name] ?? (spec.filters.includes(name) ? personFilter(name, params, ctx) : null);
    // An unknown filter is ignored like an unknown where (unverified).
    if (!test) continue;
    tests.push(test);
    keyParts.push(`filter:${name}:${name === 'created_since' ? (params.get('time') ?? Math.floor(ctx.now / 60_000)) : ''}`);
  }

  const orderBy = new Set(namesFor(type, spec.orderBy, ctx.version));
  const keys: { key: string; desc: boolean }[] = [];
  const order = params.get('order');
  if (order) {
    // Several comma-separated keys are accepted (JSON:API sort syntax; PCO's support is unverified).
    for (const raw of order.split(',').map((s) => s.trim()).filter(Boolean)) {
      const desc = raw.startsWith('-');
      const key = desc ? raw.slice(1) : raw;
      if (!orderBy.has(key)) throw badRequest(`Cannot order ${spec.type} by ${key}. Valid values: ${[...orderBy].join(', ')}`, 'order');
      keys.push({ key, desc });
    }
  }

  const include: string[] = [];
  for (const name of (params.get('include') ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    if (!opts.includes.includes(name)) throw badRequest(`${name} is not a valid include for ${spec.type}. Valid values: ${opts.includes.join(', ') || 'none'}`, 'include');
    if (!include.includes(name)) include.push(name);
  }

  const compare = comparator(type, keys, ctx);
  return {
    key: `${ctx.version}|${keyParts.sort().join('&')}|${keys.map((k) => (k.desc ? '-' : '') + k.key).join(',')}`,
    match: tests.length === 0 ? () => true : (row) => tests.every((t) => t(row)),
    compare,
    include,
    ordered: keys.length > 0,
    cacheable: ctx.tieBreak !== 'shuffle',
  };
}

/** Repeated query keys: the last one wins. */
function lastValues(params: URLSearchParams): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of params) out.set(k, v);
  return out;
}

function whereTest(type: ResourceType, attr: string, op: string, value: string, param: string, ctx: QueryContext): (row: Row) => boolean {
  const r = ctx.renderer;
  const t = ctx.data.tables;
  const get = (row: Row) => r.value(type, row, attr);
  if (TIME_ATTRIBUTES.has(attr)) {
    const when = parseWhereTime(value, ctx.data.org.timeZone);
    if (!when) throw badRequest(`${value} is not a valid date or date-time for ${param}`, param);
    // Half-open [lo, hi) on epoch ms. `= <timestamp>` matches the whole rendered second (inferred).
    let lo = -Infinity;
    let hi = Infinity;
    if (when.kind === 'day') {
      if (op === 'eq') [lo, hi] = [when.from, when.to];
      else if (op === 'gt') lo = when.to;
      else if (op === 'gte') lo = when.from;
      else if (op === 'lt') hi = when.from;
      else hi = when.to;
    } else {
      const at = when.at;
      if (op === 'eq') [lo, hi] = [Math.floor(at / 1000) * 1000, Math.floor(at / 1000) * 1000 + 1000];
      else if (op === 'gt') lo = at + 1;
      else if (op === 'gte') lo = at;
      else if (op === 'lt') hi = at;
      else hi = at + 1;
    }
    return (row) => {
      const v = get(row);
      return typeof v === 'number' && v >= lo && v < hi;
    };
  }
  if (attr.startsWith('search_')) {
    const needle = value.toLowerCase();
    const digits = value.replace(/\D/g, '');
    const nameHit = (row: Row) => ['name', 'first_name', 'last_name', 'nickname', 'given_name'].some((k) => String(r.value('people', row, k) ?? '').toLowerCase().includes(needle));
    const emailHit = (row: Row) => t.emails.byRef('person', row.id).some((e) => String(r.value('emails', e, 'address') ?? '').toLowerCase().includes(needle));
    const phoneHit = (row: Row) => digits !== '' && t.phone_numbers.byRef('person', row.id).some((p) => String(r.value('phone_numbers', p, 'number') ?? '').replace(/\D/g, '').includes(digits));
    if (attr === 'search_name') return nameHit;
    if (attr === 'search_name_or_email') return (row) => nameHit(row) || emailHit(row);
    if (attr === 'search_name_or_email_or_phone_number') return (row) => nameHit(row) || emailHit(row) || phoneHit(row);
    if (attr === 'search_phone_number') return phoneHit;
    return (row) => t.phone_numbers.byRef('person', row.id).some((p) => r.value('phone_numbers', p, 'e164') === value);
  }
  if (attr === 'primary_campus_id') return (row) => String(row.refs.primary_campus ?? '') === value;
  if (attr === 'mfa_configured') return () => value === 'false';
  return (row) => compareWhere(get(row), op, value);
}

/** Equality and ranges on plain attributes: booleans as `true`/`false`, numbers numerically, strings exactly. */
function compareWhere(v: unknown, op: string, value: string): boolean {
  if (v === null || v === undefined) return op === 'eq' && (value === '' || value === 'null');
  if (typeof v === 'boolean') return op === 'eq' && String(v) === value.toLowerCase();
  if (typeof v === 'number') {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n)) return false;
    return op === 'eq' ? v === n : op === 'gt' ? v > n : op === 'gte' ? v >= n : op === 'lt' ? v < n : v <= n;
  }
  const s = String(v);
  return op === 'eq' ? s === value : op === 'gt' ? s > value : op === 'gte' ? s >= value : op === 'lt' ? s < value : s <= value;
}

/** The named scopes on `/people/v2/people` (reference §7). */
function personFilter(name: string, params: URLSearchParams, ctx: QueryContext): ((row: Row) => boolean) | null {
  const r = ctx.renderer;
  if (name === 'created_since') {
    const time = params.get('time');
    const when = time ? parseWhereTime(time, ctx.data.org.timeZone) : null;
    if (time && !when) throw badRequest(`${time} is not a valid time for filter=created_since`, 'time');
    const since = when ? (when.kind === 'day' ? when.from : when.at) : ctx.now - 86_400_000;
    return (row) => row.createdAt >= since;
  }
  if (name === 'admins') return (row) => r.value('people', row, 'site_administrator') === true || r.value('people', row, 'people_permissions') !== null;
  if (name === 'organization_admins') return (row) => r.value('people', row, 'site_administrator') === true;
  return null;
}

/** Nulls sort last ascending and first descending, as in Postgres; then the tie-break. */
function comparator(type: ResourceType, keys: { key: string; desc: boolean }[], ctx: QueryContext): (a: Row, b: Row) => number {
  const r = ctx.renderer;
  const tieDesc = ctx.tieBreak === 'follow' && keys[0]?.desc === true;
  let shuffled: Map<number, number> | null = null;
  if (ctx.tieBreak === 'shuffle') shuffled = new Map();
  const rank = (row: Row) => {
    let v = shuffled!.get(row.id);
    if (v === undefined) shuffled!.set(row.id, (v = ctx.random()));
    return v;
  };
  return (a, b) => {
    for (const { key, desc } of keys) {
      const c = compareValues(r.value(type, a, key), r.value(type, b, key));
      if (c !== 0) return desc ? -c : c;
    }
    if (shuffled && keys.length > 0) return rank(a) - rank(b);
    return tieDesc ? b.id - a.id : a.id - b.id;
  };
}

function compareValues(a: unknown, b: unknown): number {
  const an = a === null || a === undefined;
  const bn = b === null || b === undefined;
  if (an || bn) return an && bn ? 0 : an ? 1 : -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}
