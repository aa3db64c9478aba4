/**
 * The webhook sender (reference §13): each new event is POSTed to every registered endpoint with
 * `Stripe-Signature: t=…,v1=…` (HMAC-SHA256 of `${t}.${body}`, keyed by the secret string including `whsec_`; one
 * v1 per secret while rolling; test mode adds a v0 made with an unpublished secret). In order per endpoint by
 * default; pause() holds deliveries so flush() can send them reversed, shuffled (seeded) and duplicated on demand.
 */
import { createHmac } from 'node:crypto';
import type { EventLog, StripeEvent } from './events.ts';
import type { IdMint } from './ids.ts';
import { createPrng } from '../prng.ts';

export interface WebhookEndpoint {
  id: string;
  url: string;
  /** Every active secret: one `v1` each. */
  secrets: string[];
  /** Test-mode deliveries also carry a `v0`, which receivers must ignore; default true. */
  includeV0: boolean;
}

export interface WebhookDelivery {
  event_id: string;
  event_type: string;
  endpoint_id: string;
  /** Injected-clock milliseconds when the POST started. */
  at: number;
  /** The signed `t`. */
  timestamp: number;
  signature: string;
  /** The exact bytes sent. */
  body: string;
  /** The endpoint's answer; null when it did not answer (refused, timed out). */
  status: number | null;
  error: string | null;
  /** True for every delivery of an event to an endpoint after the first. */
  duplicate: boolean;
}

export interface FlushOptions {
  order?: 'in_order' | 'reverse' | 'shuffle';
  /** Send each held delivery this many extra times, after the first pass (in the same order). Default 0. */
  duplicates?: number;
}

/** Hex HMAC-SHA256 of `${timestamp}.${payload}`: what `v1` holds. */
export function computeSignature(payload: string, secret: string, timestamp: number): string {
  return createHmac('sha256', secret).update(`${timestamp}.${payload}`, 'utf8').digest('hex');
}

/** `t=…,v1=…[,v1=…][,v0=…]`, no spaces, as Stripe and stripe-node's generateTestHeaderString write it. */
export function signatureHeader(payload: string, secrets: readonly string[], timestamp: number, v0?: string): string {
  return [`t=${timestamp}`, ...secrets.map((s) => `v1=${computeSignature(payload, s, timestamp)}`), ...(v0 ? [`v0=${v0}`] : [])].join(',');
}

export interface WebhooksOptions {
  now: () => number;
  events: EventLog;
  ids: IdMint;
  seed: number;
  /** How long to wait for an endpoint's answer; default 10 s. */
  timeoutMs?: number;
}

interface Pending {
  event: StripeEvent;
  endpoint: WebhookEndpoint;
}

export class Webhooks {
  readonly deliveries: WebhookDelivery[] = [];
  readonly #endpoints = new Map<string, WebhookEndpoint>();
  readonly #chains = new Map<string, Promise<void>>();
  readonly #inFlight = new Set<Promise<unknown>>();
  readonly #delivered = new Set<string>();
  readonly #held: Pending[] = [];
  readonly #abort = new AbortController();
  readonly #opts: WebhooksOptions;
  readonly #random: () => number;
  /** The unpublished test-mode secret behind `v0`. */
  readonly #v0Secret: string;
  #paused = false;

  constructor(opts: WebhooksOptions) {
    this.#opts = opts;
    this.#random = createPrng(opts.seed ^ 0x3eb400);
    this.#v0Secret = `whsec_${opts.ids.chars(32)}`;
    opts.events.endpointCount = () => this.#endpoints.size;
    opts.events.onEvent((event) => this.#onEvent(event));
  }

  /** Adds an endpoint; every event recorded from now on is sent to it. */
  register(url: string, secret: string | string[], options: { includeV0?: boolean } = {}): WebhookEndpoint {
    const endpoint: WebhookEndpoint = {
      id: this.#opts.ids.next('we_'),
      url,
      secrets: Array.isArray(secret) ? [...secret] : [secret],
      includeV0: options.includeV0 ?? true,
    };
    this.#endpoints.set(endpoint.id, endpoint);
    return endpoint;
  }

  unregister(id: string): void {
    this.#endpoints.delete(id);
  }

  get endpoints(): WebhookEndpoint[] {
    return [...this.#endpoints.values()];
  }

  /** Holds new deliveries until flush(); lets a test choose their order and duplication. */
  pause(): void {
    this.#paused = true;
  }

  /** Sends the held deliveries one at a time in the chosen order, then stops holding. */
  async flush(options: FlushOptions = {}): Promise<void> {
    const held = this.#held.splice(0);
    this.#paused = false;
    let order = held;
    if (options.order === 'reverse') order = [...held].reverse();
    if (options.order === 'shuffle') order = shuffle(held, this.#random);
    const passes = [order];
    for (let i = 0; i < (options.duplicates ?? 0); i++) passes.push(order);
    for (const pass of passes) for (const p of pass) await this.#track(this.#send(p.event, p.endpoint));
  }

  /** Sends a stored event again (to one endpoint or all): a duplicate, freshly signed. */
  async redeliver(eventId: string, endpointId?: string): Promise<WebhookDelivery[]> {
    const event = this.#opts.events.find(eventId);
    if (!event) throw new Error(`no event ${eventId}`);
    const targets = endpointId ? [this.#endpoints.get(endpointId)].filter((e) => e !== undefined) : [...this.#endpoints.values()];
    const out: WebhookDelivery[] = [];
    for (const endpoint of targets) out.push(await this.#track(this.#send(event, endpoint)));
    return out;
  }

  /** Re-sends every event that some endpoint has not yet acknowledged (Stripe's retries, on demand). */
  async retryFailed(): Promise<void> {
    for (const endpoint of this.#endpoints.values()) {
      for (const event of this.#opts.events.all().reverse()) {
        if (!this.#delivered.has(`${event.id} ${endpoint.id}`) && this.deliveries.some((d) => d.event_id === event.id && d.endpoint_id === endpoint.id)) {
          await this.#track(this.#send(event, endpoint));
        }
      }
    }
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

  #onEvent(event: StripeEvent): void {
    for (const endpoint of this.#endpoints.values()) {
      if (this.#paused) {
        this.#held.push({ event, endpoint });
        continue;
      }
      // One chain per endpoint: events reach each endpoint in the order they were recorded.
      const chain = (this.#chains.get(endpoint.id) ?? Promise.resolve()).then(() => this.#send(event, endpoint)).then(() => undefined);
      this.#chains.set(endpoint.id, chain);
      void this.#track(chain);
    }
  }

  #track<T>(promise: Promise<T>): Promise<T> {
    this.#inFlight.add(promise);
    void promise.finally(() => this.#inFlight.delete(promise)).catch(() => {});
    return promise;
  }

  async #send(event: StripeEvent, endpoint: WebhookEndpoint): Promise<WebhookDelivery> {
    const key = `${event.id} ${endpoint.id}`;
    const body = JSON.stringify(event);
    const timestamp = Math.floor(this.#opts.now() / 1000);
    const v0 = endpoint.includeV0 ? computeSignature(body, this.#v0Secret, timestamp) : undefined;
    const delivery: WebhookDelivery = {
      event_id: event.id,
      event_type: event.type,
      endpoint_id: endpoint.id,
      at: this.#opts.now(),
      timestamp,
      signature: signatureHeader(body, endpoint.secrets, timestamp, v0),
      body,
      status: null,
      error: null,
      duplicate: this.deliveries.some((d) => d.event_id === event.id && d.endpoint_id === endpoint.id),
    };
    this.deliveries.push(delivery);
    if (this.#abort.signal.aborted) {
      delivery.error = 'the fake server was closed';
      return delivery;
    }
    try {
      const res = await fetch(endpoint.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)', 'stripe-signature': delivery.signature },
        body,
        signal: AbortSignal.any([this.#abort.signal, AbortSignal.timeout(this.#opts.timeoutMs ?? 10_000)]),
      });
      await res.arrayBuffer().catch(() => undefined);
      delivery.status = res.status;
      if (res.ok && !this.#delivered.has(key)) {
        this.#delivered.add(key);
        event.pending_webhooks = Math.max(0, event.pending_webhooks - 1);
      }
    } catch (err) {
      delivery.error = (err as Error).message;
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
