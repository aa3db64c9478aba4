/**
 * The webhook sender the three git fakes share. A hook is an endpoint URL with an optional secret on one repository;
 * each provider turns store changes into fully built deliveries (its headers, its payload, its signature) and
 * enqueues them here. Deliveries wait until flush() — in order, reversed or shuffled (seeded), with copies
 * (`duplicates`) and losses (`drop`) on demand — unless auto-delivery is on, which sends each as it is made, in
 * order per hook. None of the three providers retries a failed delivery by itself; `redeliver` and `retryFailed` are
 * the "Redeliver" button. A re-sent copy keeps its headers unless the provider says otherwise (Gitea's replay gets a
 * new delivery id).
 */
import { createPrng, shuffle, uuid } from '../../prng.ts';

export interface Hook {
  id: number;
  /** Identifies the hook itself (GitLab's `X-Gitlab-Webhook-UUID`). */
  uuid: string;
  repo: string;
  url: string;
  /** GitHub/Gitea sign with it; GitLab sends it as `X-Gitlab-Token`. Null: unsigned. */
  secret: string | null;
  active: boolean;
  /** The provider's event names this hook wants; `*` for every event the fake sends. */
  events: string[];
  /** `json` (default) or `form`: `payload=<json>` url-encoded (GitHub and Gitea offer both). */
  content_type: 'json' | 'form';
  created_at: number;
}

export interface HookSpec {
  url: string;
  secret?: string | null;
  events?: string[];
  content_type?: 'json' | 'form';
  active?: boolean;
}

/** A delivery built and waiting to be sent. */
export interface PendingDelivery {
  /** The provider's delivery id (`X-GitHub-Delivery`, `X-Gitea-Delivery`, GitLab's `Idempotency-Key`). */
  id: string;
  hook: Hook;
  /** The event header's value (`issues`, `Issue Hook`). */
  event: string;
  /** The payload's action (`opened`, `label_updated`, `update`, …). */
  action: string;
  issue_number: number;
  /** The store change it reports. */
  change_seq: number;
  headers: Record<string, string>;
  body: string;
}

/** One attempt (or one deliberate loss) as it happened. */
export interface DeliveryRecord {
  id: string;
  hook_id: number;
  event: string;
  action: string;
  issue_number: number;
  change_seq: number;
  /** Clock ms when sent or dropped. */
  at: number;
  headers: Record<string, string>;
  body: string;
  /** The endpoint's status; null when it did not answer (refused, timed out) or the delivery was dropped. */
  status: number | null;
  error: string | null;
  /** A copy: flush({ duplicates }) or redeliver(). */
  duplicate: boolean;
  /** Lost on purpose by flush({ drop }): never sent. */
  dropped: boolean;
}

export interface FlushOptions {
  order?: 'in_order' | 'reverse' | 'shuffle';
  /** Send every delivery this many extra times, after the first pass, in the same order. Default 0. */
  duplicates?: number;
  /** Lose deliveries: a share 0–1 drawn from the seeded PRNG, or a predicate on (delivery, position in the queue). */
  drop?: number | ((delivery: PendingDelivery, index: number) => boolean);
}

export interface WebhookQueueOptions {
  now: () => number;
  seed: number;
  autoDeliver?: boolean;
  /** How long to wait for an endpoint; default 10 s (GitHub's and GitLab.com's limit). */
  timeoutMs?: number;
}

export class WebhookQueue {
  /** Every attempt and loss, in order. */
  readonly deliveries: DeliveryRecord[] = [];
  protected readonly random: () => number;
  protected readonly now: () => number;
  readonly #hooks = new Map<number, Hook>();
  readonly #queue: PendingDelivery[] = [];
  readonly #byId = new Map<string, PendingDelivery>();
  readonly #failed = new Map<string, PendingDelivery>();
  readonly #chains = new Map<number, Promise<unknown>>();
  readonly #inFlight = new Set<Promise<unknown>>();
  readonly #abort = new AbortController();
  readonly #opts: WebhookQueueOptions;
  #autoDeliver: boolean;
  #nextHookId = 1;

  constructor(opts: WebhookQueueOptions) {
    this.#opts = opts;
    this.now = opts.now;
    this.random = createPrng(opts.seed ^ 0x3eb400);
    this.#autoDeliver = opts.autoDeliver ?? false;
  }

  /** Registers an endpoint for one repository's issue events. */
  subscribe(repo: string, spec: HookSpec | string, secret?: string | null): Hook {
    const s: HookSpec = typeof spec === 'string' ? { url: spec, secret: secret ?? null } : spec;
    const hook: Hook = {
      id: this.#nextHookId++,
      uuid: uuid(this.random),
      repo,
      url: s.url,
      secret: s.secret ?? null,
      active: s.active ?? true,
      events: s.events ?? ['*'],
      content_type: s.content_type ?? 'json',
      created_at: this.now(),
    };
    this.#hooks.set(hook.id, hook);
    return hook;
  }

  unsubscribe(id: number): boolean {
    return this.#hooks.delete(id);
  }

  /** Whether a hook subscribed to this provider event name. */
  wants(hook: Hook, event: string): boolean {
    return hook.active && (hook.events.includes('*') || hook.events.includes(event));
  }

  hook(id: number): Hook | undefined {
    return this.#hooks.get(id);
  }

  /** Hooks of one repository, or all. */
  hooks(repo?: string): Hook[] {
    return [...this.#hooks.values()].filter((h) => repo === undefined || h.repo === repo);
  }

  /** Deliveries waiting for flush(), in the order they were made. */
  get pending(): readonly PendingDelivery[] {
    return this.#queue;
  }

  /** Deliveries whose last attempt failed (or that were dropped), by id. */
  get failed(): PendingDelivery[] {
    return [...this.#failed.values()];
  }

  /** When on, each delivery is sent as it is made (in order per hook) instead of queued. */
  setAutoDeliver(on: boolean): void {
    this.#autoDeliver = on;
  }

  /** Forgets the queue without sending: returns how many were discarded. */
  discard(): number {
    return this.#queue.splice(0).length;
  }

  /** The id and headers of a re-sent copy: the original ones unless the provider says otherwise. */
  protected resendOf(delivery: PendingDelivery): { id: string; headers: Record<string, string> } {
    return delivery;
  }

  /** Called by the provider with a fully built delivery. */
  protected enqueue(delivery: PendingDelivery): void {
    this.#byId.set(delivery.id, delivery);
    if (!this.#autoDeliver) {
      this.#queue.push(delivery);
      return;
    }
    const chain = (this.#chains.get(delivery.hook.id) ?? Promise.resolve()).then(() => this.#send(delivery, false));
    this.#chains.set(delivery.hook.id, chain);
    void this.#track(chain);
  }

  /** Sends the queued deliveries one at a time in the chosen order, with copies and losses on demand. */
  async flush(options: FlushOptions = {}): Promise<DeliveryRecord[]> {
    const held = this.#queue.splice(0);
    const drop = options.drop;
    const kept: PendingDelivery[] = [];
    const out: DeliveryRecord[] = [];
    held.forEach((p, i) => {
      const lost = typeof drop === 'number' ? this.random() < drop : drop ? drop(p, i) : false;
      if (!lost) return kept.push(p);
      // A lost delivery never reaches the endpoint; it stays available to redeliver().
      const record = this.#record(p, p, false);
      record.dropped = true;
      record.error = 'dropped';
      this.#failed.set(p.id, p);
      out.push(record);
    });
    let order = kept;
    if (options.order === 'reverse') order = [...kept].reverse();
    if (options.order === 'shuffle') order = shuffle(kept, this.random);
    for (let pass = 0; pass <= (options.duplicates ?? 0); pass++) {
      for (const p of order) out.push(await this.#track(this.#send(p, pass > 0)));
    }
    return out;
  }

  /** Sends one delivery again (a copy), whatever became of it before. */
  async redeliver(id: string): Promise<DeliveryRecord> {
    const p = this.#byId.get(id);
    if (!p) throw new Error(`no delivery ${id}`);
    return this.#track(this.#send(p, true));
  }

  /** Re-sends every delivery whose last attempt failed or was dropped, oldest first. */
  async retryFailed(): Promise<DeliveryRecord[]> {
    const out: DeliveryRecord[] = [];
    for (const p of [...this.#failed.values()]) out.push(await this.#track(this.#send(p, true)));
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

  #track<T>(promise: Promise<T>): Promise<T> {
    this.#inFlight.add(promise);
    void promise.finally(() => this.#inFlight.delete(promise)).catch(() => {});
    return promise;
  }

  #record(p: PendingDelivery, sent: { id: string; headers: Record<string, string> }, duplicate: boolean): DeliveryRecord {
    const record: DeliveryRecord = {
      id: sent.id,
      hook_id: p.hook.id,
      event: p.event,
      action: p.action,
      issue_number: p.issue_number,
      change_seq: p.change_seq,
      at: this.now(),
      headers: sent.headers,
      body: p.body,
      status: null,
      error: null,
      duplicate,
      dropped: false,
    };
    this.deliveries.push(record);
    return record;
  }

  async #send(p: PendingDelivery, duplicate: boolean): Promise<DeliveryRecord> {
    const sent = duplicate ? this.resendOf(p) : p;
    const record = this.#record(p, sent, duplicate);
    if (this.#abort.signal.aborted) {
      record.error = 'the fake server was closed';
      this.#failed.set(p.id, p);
      return record;
    }
    try {
      const res = await fetch(p.hook.url, {
        method: 'POST',
        headers: sent.headers,
        body: p.body,
        signal: AbortSignal.any([this.#abort.signal, AbortSignal.timeout(this.#opts.timeoutMs ?? 10_000)]),
      });
      await res.arrayBuffer().catch(() => undefined);
      record.status = res.status;
    } catch (err) {
      record.error = (err as Error).message;
    }
    // Any 2xx is a success on all three providers.
    if (record.status !== null && record.status >= 200 && record.status < 300) this.#failed.delete(p.id);
    else this.#failed.set(p.id, p);
    return record;
  }
}
