/**
 * Lists and single reads as JSON:API documents: match, order, page, render, side-load. A query's full ordered
 * result is cached until the next change to the organisation, so walking 25 000 rows page by page sorts once,
 * while a change between two pages shifts offsets exactly as on PCO (issue #640: duplicates across pages).
 */
import type { Data } from './data.ts';
import { envelope, pageParams, type Envelope } from './pagination.ts';
import { namesFor, parseQuery, type QueryContext, type TieBreak } from './query.ts';
import { Included, type JsonApiResource, type RenderContext, type Renderer } from './render.ts';
import { RESOURCES, type ResourceType } from './resources.ts';
import type { Row } from './table.ts';

export interface ListRequest {
  type: ResourceType;
  /** The list's path, for links: `/people/v2/people` or `/people/v2/people/900101/emails`. */
  path: string;
  params: URLSearchParams;
  ctx: RenderContext;
  /** Nested lists: the parent's rows; default every row of the type. */
  rows?: () => readonly Row[];
  /** `meta.parent`: the organisation, or the record a nested list hangs off. */
  parent: { id: string; type: string };
  /** Named filters a nested list adds (`non_pending` on a household's people). */
  filters?: Record<string, (row: Row) => boolean>;
  /** Includes allowed here, when they differ from the resource's. */
  includes?: readonly string[];
}

export interface SingleDocument {
  data: JsonApiResource | null;
  included: JsonApiResource[];
  meta: Record<string, unknown>;
}

export interface ListerOptions {
  now: () => number;
  unknownWhere: 'ignore' | 'error';
  tieBreak: TieBreak;
  random: () => number;
}

const CACHE_SIZE = 16;

export class Lister {
  readonly #data: Data;
  readonly #renderer: Renderer;
  readonly #opts: ListerOptions;
  readonly #cache = new Map<string, { version: number; rows: Row[] }>();

  constructor(data: Data, renderer: Renderer, opts: ListerOptions) {
    this.#data = data;
    this.#renderer = renderer;
    this.#opts = opts;
  }

  list(req: ListRequest): Envelope<JsonApiResource> {
    const spec = RESOURCES[req.type];
    const includes = req.includes ?? spec.includes;
    const q = parseQuery(req.type, req.params, this.#queryContext(req.ctx.version), { includes, ...(req.filters ? { filters: req.filters } : {}) });
    const cacheKey = `${req.type}|${req.path}|${q.key}`;
    let rows: Row[] | undefined;
    const hit = q.cacheable ? this.#cache.get(cacheKey) : undefined;
    if (hit && hit.version === this.#data.version) {
      rows = hit.rows;
      // Refreshes its place in the LRU order.
      this.#cache.delete(cacheKey);
      this.#cache.set(cacheKey, hit);
    } else {
      const source = req.rows ? req.rows() : this.#data.tables[req.type].all();
      rows = source.filter(q.match);
      // Without `order` the source order stands: ids ascending (observed default, reference §5).
      if (q.ordered) rows.sort(q.compare);
      if (q.cacheable) {
        this.#cache.set(cacheKey, { version: this.#data.version, rows });
        if (this.#cache.size > CACHE_SIZE) this.#cache.delete(this.#cache.keys().next().value!);
      }
    }
    const page = pageParams(req.params);
    const included = new Included();
    const data = rows.slice(page.offset, page.offset + page.perPage).map((row) => this.#renderer.resource(req.type, row, req.ctx, q.include, included));
    return envelope({
      url: `${req.ctx.baseUrl}${req.path}`,
      params: req.params,
      page,
      total: rows.length,
      data,
      included: included.items,
      can: {
        order_by: namesFor(req.type, spec.orderBy, req.ctx.version),
        query_by: namesFor(req.type, spec.queryBy, req.ctx.version),
        include: includes,
        filter: [...spec.filters, ...Object.keys(req.filters ?? {})],
      },
      parent: req.parent,
    });
  }

  /** One record (or `data: null` for an empty to-one), with `include` honoured; meta has `can_include` and `parent`. */
  single(type: ResourceType, row: Row | null, params: URLSearchParams, ctx: RenderContext, parent?: { id: string; type: string }): SingleDocument {
    const spec = RESOURCES[type];
    const q = parseQuery(type, new URLSearchParams(params.has('include') ? { include: params.get('include')! } : {}), this.#queryContext(ctx.version));
    const included = new Included();
    const data = row ? this.#renderer.resource(type, row, ctx, q.include, included) : null;
    const meta: Record<string, unknown> = {};
    if (spec.includes.length > 0) meta.can_include = spec.includes;
    meta.parent = parent ?? { id: this.#data.org.id, type: 'Organization' };
    return { data, included: included.items, meta };
  }

  #queryContext(version: string): QueryContext {
    return { data: this.#data, renderer: this.#renderer, version, now: this.#opts.now(), unknownWhere: this.#opts.unknownWhere, tieBreak: this.#opts.tieBreak, random: this.#opts.random };
  }
}
