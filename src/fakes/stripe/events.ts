/**
 * The Events API (reference §9): every change appends an `evt_…` whose `data.object` is a snapshot taken at that
 * moment and never re-rendered; `*.updated` events carry `previous_attributes`. Only the last 30 days are served
 * (list, retrieve and cursors), measured on the injected clock, so a test moves time instead of waiting.
 */
import { Collection } from './collection.ts';
import { invalidRequest, resourceMissing } from './errors.ts';
import { listParam, stringParam, type Params } from './form.ts';
import type { IdMint } from './ids.ts';
import type { StripeObject } from './objects.ts';
import { listEnvelope, type ListEnvelope } from './pagination.ts';

export const EVENT_RETENTION_SECONDS = 30 * 86_400;
const FILTERS = new Set(['type', 'types', 'delivery_success']);

/** The API request that caused an event; both null when the change was made in-process ("automatic"). */
export interface RequestRef {
  id: string | null;
  idempotency_key: string | null;
}

export interface StripeEvent {
  id: string;
  object: 'event';
  api_version: string;
  created: number;
  data: { object: StripeObject; previous_attributes?: Record<string, unknown> };
  livemode: false;
  /** Endpoints that have not yet answered 2xx for this event. */
  pending_webhooks: number;
  request: RequestRef;
  type: string;
}

export interface EventLogOptions {
  now: () => number;
  ids: IdMint;
  apiVersion: string;
  cursorStatus: 400 | 404;
}

export class EventLog {
  readonly #events = new Collection<StripeEvent>();
  readonly #listeners: ((event: StripeEvent) => void)[] = [];
  readonly #opts: EventLogOptions;
  /** How many endpoints each new event is pending for; set by the webhook sender. */
  endpointCount: () => number = () => 0;

  constructor(opts: EventLogOptions) {
    this.#opts = opts;
  }

  /** Appends an event; `object` is cloned so later changes to the resource never reach the snapshot. */
  record(type: string, object: StripeObject, request: RequestRef | null, previous?: Record<string, unknown>): StripeEvent {
    const event: StripeEvent = {
      id: this.#opts.ids.next('evt_'),
      object: 'event',
      api_version: this.#opts.apiVersion,
      created: Math.floor(this.#opts.now() / 1000),
      data: previous ? { object: structuredClone(object), previous_attributes: previous } : { object: structuredClone(object) },
      livemode: false,
      pending_webhooks: this.endpointCount(),
      request: request ?? { id: null, idempotency_key: null },
      type,
    };
    this.#events.insert(event);
    for (const listener of this.#listeners) listener(event);
    return event;
  }

  onEvent(listener: (event: StripeEvent) => void): void {
    this.#listeners.push(listener);
  }

  /** The oldest `created` still served. */
  windowStart(): number {
    return Math.floor(this.#opts.now() / 1000) - EVENT_RETENTION_SECONDS;
  }

  #visible(event: StripeEvent | undefined): event is StripeEvent {
    return event !== undefined && event.created >= this.windowStart();
  }

  /** Any stored event, expired or not: for the webhook sender and in-process inspection. */
  find(id: string): StripeEvent | undefined {
    return this.#events.get(id);
  }

  /** `GET /v1/events/:id`: 404 once the event is older than 30 days. */
  retrieve(id: string): StripeEvent {
    const event = this.#events.get(id);
    if (!this.#visible(event)) throw resourceMissing('event', id);
    return event;
  }

  /** Every stored event, newest first, expired ones included. */
  all(): StripeEvent[] {
    return [...this.#events.newestFirst()];
  }

  get size(): number {
    return this.#events.size;
  }

  list(params: Params): ListEnvelope<StripeEvent> {
    const match = eventFilter(params);
    return listEnvelope(
      this.#events,
      params,
      {
        url: '/v1/events',
        objectName: 'event',
        filters: FILTERS,
        cursorStatus: this.#opts.cursorStatus,
        // An expired event is gone for cursors too: a consumer offline for 30 days must resync, not resume.
        cursorVisible: (id) => this.#visible(this.#events.get(id)),
        minCreated: this.windowStart(),
      },
      match,
    );
  }
}

/** `type` (exact or with `*` wildcards), `types[]` (≤ 20, not with `type`), `delivery_success`. */
function eventFilter(params: Params): (event: StripeEvent) => boolean {
  const type = stringParam(params, 'type');
  const types = listParam(params, 'types');
  const delivery = stringParam(params, 'delivery_success');
  if (type && types) throw invalidRequest('You may only specify one of these parameters: type, types.', 'types');
  if (types && types.length > 20) throw invalidRequest('Invalid types: must contain at most 20 elements', 'types');
  if (delivery !== undefined && delivery !== 'true' && delivery !== 'false') {
    throw invalidRequest(`Invalid boolean: ${delivery}`, 'delivery_success');
  }
  const pattern = type ? new RegExp(`^${type.split('*').map(escapeRegExp).join('.*')}$`) : null;
  const typeSet = types ? new Set(types) : null;
  return (event) =>
    (!pattern || pattern.test(event.type)) &&
    (!typeSet || typeSet.has(event.type)) &&
    (delivery === undefined || (delivery === 'false') === event.pending_webhooks > 0);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
