/**
 * The fake account's data: one sorted collection per resource, and the only place objects change. Every change
 * goes through here whether it came over HTTP or from a test, so each one records its event the same way.
 * Objects are replaced, never mutated in place: an event's snapshot and a previous version stay as they were.
 */
import { Collection } from './collection.ts';
import { invalidRequest, resourceMissing, StripeError, unknownParameter } from './errors.ts';
import type { EventLog, RequestRef } from './events.ts';
import type { Params } from './form.ts';
import type { IdMint } from './ids.ts';
import type { DeletedStub, StripeObject } from './objects.ts';
import { listEnvelope, type ListEnvelope } from './pagination.ts';
import { applyParams, previousAttributes, type Input } from './patch.ts';
import { RESOURCE_NAMES, RESOURCES, type CreateContext, type ResourceName } from './resources.ts';
import { seedStore, type SeedCounts, type SeedOptions, type SeedResult } from './seed.ts';

export interface StoreOptions {
  now: () => number;
  ids: IdMint;
  events: EventLog;
  cursorStatus: 400 | 404;
}

export interface MutationOptions {
  /** The API request behind the change, recorded on its event; omitted for in-process changes. */
  request?: RequestRef | null;
  /** Set by the HTTP layer: then `created` is an unknown parameter, as on Stripe. */
  api?: boolean;
}

const USER_ID = /^[A-Za-z0-9_-]{1,255}$/;

export class StripeStore {
  readonly events: EventLog;
  readonly #collections = new Map<ResourceName, Collection<StripeObject>>(RESOURCE_NAMES.map((n) => [n, new Collection<StripeObject>()]));
  readonly #stubs = new Map<string, DeletedStub>();
  readonly #filterNames = new Map<ResourceName, ReadonlySet<string>>(RESOURCE_NAMES.map((n) => [n, new Set(Object.keys(RESOURCES[n].filters))]));
  readonly #opts: StoreOptions;

  constructor(opts: StoreOptions) {
    this.#opts = opts;
    this.events = opts.events;
  }

  #now(): number {
    return Math.floor(this.#opts.now() / 1000);
  }

  #collection(resource: ResourceName): Collection<StripeObject> {
    return this.#collections.get(resource)!;
  }

  #live(resource: ResourceName, id: string): StripeObject {
    const obj = this.#collection(resource).get(id);
    if (!obj) throw resourceMissing(RESOURCES[resource].object, id);
    return obj;
  }

  /** The live object, or undefined (deleted objects included). Do not mutate it: use update(). */
  get(resource: ResourceName, id: string): StripeObject | undefined {
    return this.#collection(resource).get(id);
  }

  /** `GET /v1/<resource>/:id`: the object, a deleted customer's stub, or a 404 `resource_missing`. */
  retrieve(resource: ResourceName, id: string): StripeObject | DeletedStub {
    const obj = this.#collection(resource).get(id);
    if (obj) return obj;
    const stub = this.#stubs.get(id);
    if (stub && stub.object === RESOURCES[resource].object) return stub;
    throw resourceMissing(RESOURCES[resource].object, id);
  }

  /** Live objects in list order (newest first, ties newest-inserted first), with no default filter. */
  all(resource: ResourceName): StripeObject[] {
    return [...this.#collection(resource).newestFirst()];
  }

  count(resource: ResourceName): number {
    return this.#collection(resource).size;
  }

  /** `GET /v1/<resource>`: filters, default hiding (canceled subscriptions, inactive prices), pagination. */
  list(resource: ResourceName, params: Params = {}): ListEnvelope<StripeObject> {
    const spec = RESOURCES[resource];
    const tests: ((obj: StripeObject) => boolean)[] = [];
    for (const [name, value] of Object.entries(params)) {
      const filter = spec.filters[name];
      if (filter) tests.push(filter(value));
    }
    const hidden = spec.hiddenByDefault?.(params);
    if (hidden) tests.push(hidden);
    return listEnvelope(
      this.#collection(resource),
      params,
      { url: `/v1/${resource}`, objectName: spec.object, filters: this.#filterNames.get(resource)!, cursorStatus: this.#opts.cursorStatus },
      tests.length === 0 ? undefined : (obj) => tests.every((t) => t(obj)),
    );
  }

  /**
   * Creates an object and records its `*.created` event. In-process callers may also pass `created` (unix seconds)
   * to place it in time, and `id` where Stripe lets callers choose one.
   */
  create(resource: ResourceName, input: Input = {}, opts: MutationOptions = {}): StripeObject {
    const spec = RESOURCES[resource];
    const rest: Input = { ...input };
    const chosenId = rest.id;
    const chosenCreated = rest.created;
    delete rest.id;
    delete rest.created;
    if (chosenCreated !== undefined && opts.api) throw unknownParameter('created');
    if (chosenId !== undefined) {
      if (!spec.userIds) throw unknownParameter('id');
      if (typeof chosenId !== 'string' || !USER_ID.test(chosenId)) throw invalidRequest('Invalid id: only alphanumerics, "_" and "-" are allowed', 'id');
      if (this.#collection(resource).known(chosenId)) {
        throw invalidRequest(`${spec.object[0]!.toUpperCase()}${spec.object.slice(1)} already exists.`, 'id', 'resource_already_exists');
      }
    }
    const ctx: CreateContext = {
      id: (chosenId as string | undefined) ?? this.#opts.ids.next(spec.prefix, spec.idStyle),
      created: chosenCreated === undefined ? this.#now() : Math.floor(Number(chosenCreated)),
      ids: this.#opts.ids,
      lookup: (res, id, param) => {
        const found = this.#collection(res).get(id);
        // A missing referenced object is a bad parameter: 400, naming it.
        if (!found) throw resourceMissing(RESOURCES[res].object, id, param, 400);
        return found;
      },
    };
    const obj = spec.build(ctx, rest);
    applyParams(obj, rest);
    this.#collection(resource).insert(obj);
    this.events.record(spec.createdEventType?.(obj) ?? `${spec.eventPrefix}.created`, obj, opts.request ?? null);
    if (resource === 'refunds' && typeof obj.charge === 'string') this.#refundCharge(obj.charge, obj.amount as number, opts.request ?? null);
    return obj;
  }

  /** Updates fields and records `*.updated` with `previous_attributes`; a no-op update records nothing. */
  update(resource: ResourceName, id: string, input: Input, opts: MutationOptions = {}): StripeObject {
    const spec = RESOURCES[resource];
    this.#live(resource, id);
    for (const key of Object.keys(input)) if (spec.readOnly.has(key)) throw unknownParameter(key);
    return this.#change(resource, id, (draft) => applyParams(draft, input), `${spec.eventPrefix}.updated`, opts.request ?? null, true);
  }

  /**
   * DELETE semantics per resource (reference §6): a `{id, object, deleted: true}` stub for customers, products,
   * plans, draft invoices (and prices, in-process only); subscriptions are canceled instead and returned.
   * Deleting a customer cancels its subscriptions first.
   */
  delete(resource: ResourceName, id: string, opts: MutationOptions = {}): StripeObject | DeletedStub {
    const spec = RESOURCES[resource];
    if (spec.deletion === 'none' && !spec.deletableInProcess) throw invalidRequest(`A ${spec.object} cannot be deleted.`);
    const obj = this.#live(resource, id);
    const request = opts.request ?? null;
    if (spec.deletion === 'cancel') return this.#cancelSubscription(id, request);
    if (spec.deletion === 'draft_only' && obj.status !== 'draft') {
      throw invalidRequest(`You can only delete draft invoices. Invoice ${id} is ${String(obj.status)}; void it instead.`);
    }
    if (resource === 'products' && [...this.#collection('prices').newestFirst()].some((p) => p.product === id)) {
      throw invalidRequest('This product cannot be deleted because it has one or more user-created prices.');
    }
    if (resource === 'customers') {
      for (const sub of [...this.#collection('subscriptions').newestFirst()]) {
        if (sub.customer === id && sub.status !== 'canceled' && sub.status !== 'incomplete_expired') this.#cancelSubscription(sub.id, request);
      }
    }
    this.#collection(resource).remove(id);
    const stub: DeletedStub = { id, object: spec.object, deleted: true };
    if (spec.stubAfterDelete) this.#stubs.set(id, stub);
    this.events.record(`${spec.eventPrefix}.deleted`, obj, request);
    return stub;
  }

  /** `POST /v1/disputes/:id/close`: the dispute is lost, `charge.dispute.closed`. */
  closeDispute(id: string, opts: MutationOptions = {}): StripeObject {
    this.#live('disputes', id);
    return this.#change('disputes', id, (d) => (d.status = 'lost'), 'charge.dispute.closed', opts.request ?? null, true);
  }

  /** Bulk, event-less objects spread over time: see seed.ts. */
  seed(counts: SeedCounts, options: SeedOptions = {}): SeedResult {
    return seedStore(
      {
        ids: this.#opts.ids,
        nowSeconds: this.#now(),
        insertMany: (resource, objs) => this.#collection(resource).insertMany(objs),
        existing: (resource, max) => {
          const out: StripeObject[] = [];
          for (const obj of this.#collection(resource).newestFirst()) {
            if (out.length >= max) break;
            out.push(obj);
          }
          return out;
        },
      },
      counts,
      options,
    );
  }

  #cancelSubscription(id: string, request: RequestRef | null): StripeObject {
    const sub = this.#live('subscriptions', id);
    if (sub.status === 'canceled') throw invalidRequest(`Subscription ${id} is already canceled.`, undefined, undefined, 400);
    const now = this.#now();
    return this.#change(
      'subscriptions',
      id,
      (draft) => {
        draft.status = 'canceled';
        draft.canceled_at = now;
        draft.ended_at = now;
        draft.cancellation_details = { comment: null, feedback: null, reason: 'cancellation_requested' };
      },
      // "customer.subscription.deleted" means the subscription ended; it stays retrievable (reference §6).
      'customer.subscription.deleted',
      request,
      false,
    );
  }

  #refundCharge(chargeId: string, amount: number, request: RequestRef | null): void {
    this.#change(
      'charges',
      chargeId,
      (draft) => {
        draft.amount_refunded = (draft.amount_refunded as number) + amount;
        draft.refunded = draft.amount_refunded === draft.amount;
      },
      'charge.refunded',
      request,
      true,
    );
  }

  /** Copy, change, diff, swap in, record: the one path by which an existing object changes. */
  #change(
    resource: ResourceName,
    id: string,
    mutate: (draft: StripeObject) => void,
    type: string,
    request: RequestRef | null,
    withPrevious: boolean,
  ): StripeObject {
    const before = this.#live(resource, id);
    const draft = structuredClone(before);
    try {
      mutate(draft);
    } catch (err) {
      if (err instanceof StripeError) throw err;
      throw new Error(`changing ${id} failed`, { cause: err });
    }
    let previous = previousAttributes(before, draft);
    if (Object.keys(previous).length === 0) return before;
    if ('updated' in draft) {
      draft.updated = this.#now();
      previous = previousAttributes(before, draft);
    }
    this.#collection(resource).replace(draft);
    this.events.record(type, draft, request, withPrevious ? previous : undefined);
    return draft;
  }
}
