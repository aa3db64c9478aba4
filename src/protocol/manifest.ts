/**
 * Entity manifests: an adapter declares each upstream entity it syncs — primary key, schema, endpoints
 * and pagination, the cursor field for delta sync, the webhook events that touch it, the transform to
 * the canonical model, and its relationships (hard: must sync first; soft: better first). The engine
 * derives the sync order from the relationships (sync/manifest/graph.ts) and runs each entity as a
 * checkpointed stream; the adapter supplies only what is provider-specific: fetching a page, fetching
 * one record, and verifying a webhook.
 *
 * @example
 * const manifest = defineManifest({
 *   system: 'pco',
 *   entities: {
 *     campus: defineEntity({ primaryKey: 'id', schema: Campus, endpoints: { list: { path: '/people/v2/campuses', pagination: 'offset' } },
 *               canonical: { model: 'campus', transform: (c) => ({ fields: { name: c.name } }) } }),
 *     person: defineEntity({ …, dependsOn: { soft: ['campus'] } }),
 *     address: defineEntity({ …, dependsOn: { hard: ['person'] } }),
 *   },
 * });
 */
import type { z } from 'zod';
import { CANONICAL_SPECS } from './canonical.ts';
import type { WebhookDelivery, WebhookRequest } from './webhooks.ts';

/** How a list endpoint pages: by record offset (`per_page` + `offset`, following `links.next`), or by an opaque cursor. */
export type Pagination = 'offset' | 'cursor';

export interface EndpointSpec {
  path: string;
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
}

export interface ListEndpointSpec extends EndpointSpec {
  pagination: Pagination;
  /** Largest page the provider serves. */
  maxPageSize?: number;
  /** Sideloads requested with the list (JSON:API `include`). */
  include?: readonly string[];
}

export interface EntityEndpoints {
  list: ListEndpointSpec;
  get?: EndpointSpec;
  create?: EndpointSpec;
  update?: EndpointSpec;
  delete?: EndpointSpec;
}

/** The canonical models SyncBridge stores (canonical.ts): one table each, with provenance. */
export type CanonicalModel = keyof typeof CANONICAL_SPECS;
export const CANONICAL_MODELS = Object.keys(CANONICAL_SPECS) as CanonicalModel[];

/**
 * A record in canonical form: the model's fields (canonical.ts; a field may be left out, which stores
 * null), and references to other canonical records by the referenced entity and its external id
 * (resolved to canonical ids through the external-link table).
 */
export interface CanonicalRecord {
  fields: Record<string, unknown>;
  refs?: Record<string, { entity: string; externalId: string | null | undefined }>;
}

export interface EntityDefinition<Names extends string, Schema extends z.ZodType = z.ZodType> {
  /** The field holding the upstream id (as a string). */
  primaryKey: string;
  /** One upstream record, as the adapter hands it over (flattened: attributes and relationship ids). */
  schema: Schema;
  endpoints: EntityEndpoints;
  /** Field to sync deltas by (e.g. `updated_at`); absent: the entity is always synced in full. */
  cursorField?: string;
  /** Webhook event names that touch this entity, and what they mean. */
  webhookEvents?: Record<string, 'upsert' | 'delete'>;
  canonical: { model: CanonicalModel; transform(record: z.infer<Schema>): CanonicalRecord };
  dependsOn?: { hard?: readonly Names[]; soft?: readonly Names[] };
}

export interface Manifest<Names extends string = string> {
  /** The source system's name in provenance and external links, e.g. `pco`. */
  system: string;
  entities: { readonly [N in Names]: EntityDefinition<Names> };
}

/** An entity with its transform typed by its schema: `defineEntity({ schema: Person, …, canonical: { transform: (p) => … } })`. */
export function defineEntity<S extends z.ZodType, const Deps extends string = never>(entity: EntityDefinition<Deps, S>): EntityDefinition<NoInfer<Deps>, NoInfer<S>> {
  return entity;
}

/** Every entity's relationships may only name entities of `E`. */
type RelationshipsWithin<E> = {
  [K in keyof E]: { dependsOn?: { hard?: readonly Extract<keyof E, string>[]; soft?: readonly Extract<keyof E, string>[] } };
};

/**
 * Declares a manifest. Typed: a relationship naming an entity that is not declared does not compile
 * (and each transform, written through defineEntity, receives its entity's schema type). The graph is
 * checked again at run time, for cycles.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any entity's schema; each is checked by defineEntity
export function defineManifest<const E extends Record<string, EntityDefinition<string, any>>>(manifest: {
  system: string;
  entities: E & RelationshipsWithin<E>;
}): Manifest<Extract<keyof E, string>> {
  return manifest as unknown as Manifest<Extract<keyof E, string>>;
}

/** A page of an entity's list: records (validated by the engine against the entity's schema) and where the next page is. */
export interface EntityPage {
  records: unknown[];
  /** Opaque token of the next page (a URL, an offset), or null after the last page. */
  next: string | null;
}

/** What an adapter's requests need from the engine: a shared rate limit to wait on, and cancellation. */
export interface RequestContext {
  signal: AbortSignal;
  /** Resolves when a request may be sent under the connection's shared rate limit; call before each request. */
  acquire(): Promise<void>;
}

/**
 * A manifest-driven source: the manifest plus the provider-specific parts. The engine turns it into a
 * protocol Source (one stream per entity) and runs the strategies: full, delta, reconciliation, webhook.
 */
export interface ManifestAdapter<Config = unknown, Names extends string = string> {
  readonly name: string;
  readonly manifest: Manifest<Names>;
  readonly configSchema: z.ZodType<Config>;
  /** The provider's published limit for one connection (shared by every worker), and the key naming the connection. */
  rateLimit(config: Config): { key: string; requests: number; perSeconds: number };
  /**
   * One page of the entity's list. `since` asks for records whose cursor field is ≥ it (delta), ordered
   * by that field then id; `page` is the `next` of the previous page, null for the first.
   */
  listPage(params: { config: Config; entity: Names; page: string | null; since?: string | undefined; pageSize: number } & RequestContext): Promise<EntityPage>;
  /** One record by id, or null when it no longer exists upstream (webhooks re-read the records they touch). */
  fetchOne(params: { config: Config; entity: Names; id: string } & RequestContext): Promise<unknown>;
  webhooks?: {
    /** Verifies a delivery on its raw body; throws AuthError / ValidationError. Pure: no I/O. */
    verify(request: WebhookRequest<Config>): WebhookDelivery;
    /** The records a delivery touched, by entity and id. */
    touched(params: { config: Config; delivery: WebhookDelivery }): { entity: Names; id: string }[];
  };
}
