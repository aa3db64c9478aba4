/**
 * The webhook sender (reference §11). One subscription is one event name and one URL, with its own
 * `authenticity_secret`; each matching store event becomes an `EventDelivery` POSTed as
 * `{"data":[{id, type, attributes: {name, attempt, payload}, relationships: {organization}}]}`, the payload a
 * JSON string, signed in `X-PCO-Webhooks-Authenticity` = hex HMAC-SHA256(secret, exact body bytes). Deliveries wait
 * in a queue until flush() (in order, reversed or shuffled, optionally duplicated) unless autoDeliver is on; only a
 * 200 counts as delivered, a 410 deactivates the subscription, retryFailed() resends with the next `attempt`.
 */
import { createHmac } from 'node:crypto';
import { hex, uuid } from '../prng.ts';
import { EVENT_NAMES } from './resources.ts';
import type { StoreEvent } from './events.ts';
import type { PcoStore } from './store.ts';

export interface WebhookSubscription {
  id: string;
  /** The event name, e.g. `people.v2.events.person.updated`. */
  name: string;
  url: string;
  active: boolean;
  authenticity_secret: string;
  application_id: string | null;
  created_at: number;
  updated_at: number;
}

export interface WebhookDelivery {
  /** The EventDelivery id: the same on every attempt and duplicate of one event to one subscription (unverified). */
  id: string;
  name: string;
  subscription_id: string;
  attempt: number;
  /** Clock ms when the POST started. */
  at: number;
  /** The exact bytes sent. */
  body: string;
  signature: string;
  /** The endpoint's answer; null when it did not answer (refused, timed out). */
  status: number | null;
  error: string | null;
  /** True for a copy sent by flush({ duplicates }). */
  duplicate: boolean;
}

export interface PendingDelivery {
  id: string;
  event: StoreEvent;
  subscription: WebhookSubscription;
  attempt: number;
}

export interface FlushOptions {
  order?: 'in_order' | 'reverse' | 'shuffle';
  /** Send every delivery this many extra times, after the first pass, in the same order. Default 0. */
  duplicates?: number;
}

/** Hex HMAC-SHA256 of the body, keyed with the secret's UTF-8 bytes: the `X-PCO-Webhooks-Authenticity` value. */
export function computeAuthenticity(body: string | Buffer, secret: string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

export interface WebhooksOptions {
  now: () => number;
  random: () => number;
  organizationId: string;
  store: PcoStore;
  /** How long to wait for an endpoint; default 10 s. */
  timeoutMs?: number;
  autoDeliver?: boolean;
}

export class Webhooks {
  readonly deliveries: WebhookDelivery[] = [];
  readonly #subscriptions = new Map<string, WebhookSubscription>();
  readonly #queue: PendingDelivery[] = [];
  /** Deliveries whose last attempt failed, by delivery id. */
  readonly #failed = new Map<string, PendingDelivery>();
  readonly #inFlight = new Set<Promise<unknown>>();
  readonly #chains = new Map<string, Promise<unknown>>();
  readonly #abort = new AbortController();
  readonly #opts: WebhooksOptions;
  #nextId = 1;
  #autoDeliver: boolean;

  constructor(opts: WebhooksOptions) {
    this.#opts = opts;
    this.#autoDeliver = opts.autoDeliver ?? false;
    opts.store.onEvent((event) => this.#onEvent(event));
  }

  /** Subscribes a URL to some event names (default every People event the fake emits): one subscription each. */
  subscribe(url: string, names: string | readonly string[] = EVENT_NAMES, options: { secret?: string; active?: boolean; applicationId?: string | null } = {}): WebhookSubscription[] {
    return (typeof names === 'string' ? [names] : names).map((name) => this.create(name, url, options));
  }

  create(name: string, url: string, options: { secret?: string; active?: boolean; applicationId?: string | null } = {}): WebhookSubscription {
    const now = this.#opts.now();
    const sub: WebhookSubscription = {
      id: String(this.#nextId++),
      name,
      url,
      active: options.active ?? true,
      authenticity_secret: options.secret ?? hex(this.#opts.random, 64),
      application_id: options.applicationId ?? null,
      created_at: now,
      updated_at: now,
    };
    this.#subscriptions.set(sub.id, sub);
    return sub;
  }

  get subscriptions(): WebhookSubscription[] {
    return [...this.#subscriptions.values()];
  }

  getSubscription(id: string): WebhookSubscription | undefined {
    return this.#subscriptions.get(id);
  }

  /** Only `active` can change after creation (reference §11). */
  setActive(id: string, active: boolean): WebhookSubscription | undefined {
    const sub = this.#subscriptions.get(id);
    if (sub && sub.active !== active) Object.assign(sub, { active, updated_at: this.#opts.now() });
    return sub;
  }

  unsubscribe(id: string): boolean {
    return this.#subscriptions.delete(id);
  }

  /** A new secret; deliveries from now on are signed with it. */
  rotateSecret(id: string): WebhookSubscription | undefined {
    const sub = this.#subscriptions.get(id);
    if (sub) Object.assign(sub, { authenticity_secret: hex(this.#opts.random, 64), updated_at: this.#opts.now() });
    return sub;
  }

  /** Deliveries waiting for flush(). */
  get pending(): readonly PendingDelivery[] {
    return this.#queue;
  }

  /** When on, each event is sent as it happens (in order per subscription) instead of queued. */
  setAutoDeliver(on: boolean): void {
    this.#autoDeliver = on;
  }

  /** Sends the queued deliveries one at a time in the chosen order (duplicated on demand); resolves when done. */
  async flush(options: FlushOptions = {}): Promise<WebhookDelivery[]> {
    const held = this.#queue.splice(0);
    let order = held;
    if (options.order === 'reverse') order = [...held].reverse();
    if (options.order === 'shuffle') order = shuffle(held, this.#opts.random);
    const out: WebhookDelivery[] = [];
    for (let pass = 0; pass <= (options.duplicates ?? 0); pass++) {
      for (const p of order) out.push(await this.#track(this.#send(p, pass > 0)));
    }
    return out;
  }

  /** Resends every delivery whose last try failed, to subscriptions still active, with `attempt` + 1 (PCO's retries, on demand). */
  async retryFailed(): Promise<WebhookDelivery[]> {
    const out: WebhookDelivery[] = [];
    for (const p of [...this.#failed.values()]) {
      if (!p.subscription.active) continue;
      p.attempt += 1;
      out.push(await this.#track(this.#send(p, false)));
    }
    return out;
  }

  /** Resolves when every delivery started so far has finished. */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  /** Aborts deliveries in flight; called by the server's close(). */
  async close(): Promise<void> {
    this.#abort.abort();
    await this.idle();
  }

  #onEvent(event: StoreEvent): void {
    for (const subscription of this.#subscriptions.values()) {
      if (!subscription.active || subscription.name !== event.name) continue;
      const pending: PendingDelivery = { id: uuid(this.#opts.random), event, subscription, attempt: 1 };
      if (!this.#autoDeliver) {
        this.#queue.push(pending);
        continue;
      }
      // One chain per subscription: its events arrive in the order they happened.
      const chain = (this.#chains.get(subscription.id) ?? Promise.resolve()).then(() => this.#send(pending, false));
      this.#chains.set(subscription.id, chain);
      void this.#track(chain);
    }
  }

  #track<T>(promise: Promise<T>): Promise<T> {
    this.#inFlight.add(promise);
    void promise.finally(() => this.#inFlight.delete(promise)).catch(() => {});
    return promise;
  }

  async #send(p: PendingDelivery, duplicate: boolean): Promise<WebhookDelivery> {
    const sub = p.subscription;
    const body = JSON.stringify({
      data: [
        {
          id: p.id,
          type: 'EventDelivery',
          attributes: { name: p.event.name, attempt: p.attempt, payload: p.event.payload },
          relationships: { organization: { data: { id: this.#opts.organizationId, type: 'Organization' } } },
        },
      ],
    });
    const delivery: WebhookDelivery = {
      id: p.id,
      name: p.event.name,
      subscription_id: sub.id,
      attempt: p.attempt,
      at: this.#opts.now(),
      body,
      signature: computeAuthenticity(body, sub.authenticity_secret),
      status: null,
      error: null,
      duplicate,
    };
    this.deliveries.push(delivery);
    if (this.#abort.signal.aborted) {
      delivery.error = 'the fake server was closed';
      this.#failed.set(p.id, p);
      return delivery;
    }
    try {
      const res = await fetch(sub.url, {
        method: 'POST',
        // Only the signature header is documented; Content-Type is what a JSON body needs (reference §11: unverified).
        headers: { 'content-type': 'application/json', 'x-pco-webhooks-authenticity': delivery.signature },
        body,
        signal: AbortSignal.any([this.#abort.signal, AbortSignal.timeout(this.#opts.timeoutMs ?? 10_000)]),
      });
      await res.arrayBuffer().catch(() => undefined);
      delivery.status = res.status;
    } catch (err) {
      delivery.error = (err as Error).message;
    }
    // "Anything other than a 200" is a failure; a 410 deactivates the subscription (reference §11).
    if (delivery.status === 200) this.#failed.delete(p.id);
    else if (!duplicate) this.#failed.set(p.id, p);
    if (delivery.status === 410) {
      this.#failed.delete(p.id);
      this.setActive(sub.id, false);
    }
    return delivery;
  }
}

function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
