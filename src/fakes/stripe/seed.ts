/**
 * Bulk seeding for tests and the benchmark: `store.seed({ customers: 50_000, … })` builds plain objects straight into
 * the collections, records no events (the account predates the event window), and is deterministic: same seed,
 * same ids and fields. `created` is spread over the past year, non-decreasing, with every `tieEvery`-th object
 * sharing its predecessor's second so cursors must rely on the tiebreak, not on `created` alone.
 */
import type { IdMint } from './ids.ts';
import {
  chargeObject,
  customerObject,
  disputeObject,
  invoiceObject,
  paymentIntentObject,
  planObject,
  priceObject,
  productObject,
  refundObject,
  subscriptionObject,
  type StripeObject,
} from './objects.ts';
import { RESOURCE_NAMES, RESOURCES, type ResourceName } from './resources.ts';

export type SeedCounts = Partial<Record<ResourceName, number>>;

export interface SeedOptions {
  /** How far back the oldest seeded object goes; default 365 days. */
  spanDays?: number;
  /** The newest seeded `created` (unix seconds); default now. */
  endsAt?: number;
  /** Every n-th object shares the previous one's `created` second; default 4 (0 disables). */
  tieEvery?: number;
}

export type SeedResult = Record<ResourceName, string[]>;

export interface SeedTarget {
  ids: IdMint;
  nowSeconds: number;
  insertMany(resource: ResourceName, objs: StripeObject[]): void;
  /** Up to `max` live objects already in the store, for references when the seed creates no parents. */
  existing(resource: ResourceName, max: number): StripeObject[];
}

const FIRST = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Margaret', 'Ken', 'Frances', 'John', 'Radia', 'Tony'];
const LAST = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Hamilton', 'Thompson', 'Allen', 'Backus', 'Perlman', 'Hoare'];
const SUB_STATUS = ['active', 'active', 'active', 'active', 'active', 'active', 'active', 'active', 'active', 'active', 'active', 'active', 'active', 'active', 'active', 'active', 'trialing', 'past_due', 'canceled', 'canceled'];
const INVOICE_STATUS = ['paid', 'paid', 'paid', 'paid', 'paid', 'paid', 'open', 'open', 'draft', 'void'];

// Parents first, so children can point at them.
const ORDER: ResourceName[] = ['products', 'prices', 'plans', 'customers', 'subscriptions', 'invoices', 'payment_intents', 'charges', 'refunds', 'disputes'];

export function seedStore(target: SeedTarget, counts: SeedCounts, options: SeedOptions = {}): SeedResult {
  for (const name of Object.keys(counts)) {
    if (!(RESOURCE_NAMES as readonly string[]).includes(name)) throw new Error(`cannot seed unknown resource "${name}"`);
  }
  const endsAt = options.endsAt ?? target.nowSeconds;
  const from = endsAt - Math.round((options.spanDays ?? 365) * 86_400);
  const tieEvery = options.tieEvery ?? 4;
  const made = new Map<ResourceName, StripeObject[]>();
  const parents = (resource: ResourceName): StripeObject[] => {
    const own = made.get(resource);
    return own && own.length > 0 ? own : target.existing(resource, 10_000);
  };
  const pick = (list: StripeObject[], i: number): StripeObject | null => (list.length === 0 ? null : list[i % list.length]!);
  const result = Object.fromEntries(RESOURCE_NAMES.map((n) => [n, [] as string[]])) as SeedResult;

  for (const resource of ORDER) {
    const n = counts[resource] ?? 0;
    if (n <= 0) continue;
    const spec = RESOURCES[resource];
    const objs: StripeObject[] = new Array(n);
    let created = from;
    // Looked up once per resource, not per object.
    const customers = parents('customers');
    const recurring = parents('prices').filter((p) => p.recurring !== null);
    const subs = made.get('subscriptions') ?? [];
    const pis = parents('payment_intents');
    const charges = parents('charges');
    const products = parents('products');
    for (let i = 0; i < n; i++) {
      // The last object is never a tie, so the newest seeded `created` is exactly endsAt.
      const tie = tieEvery > 0 && i % tieEvery === tieEvery - 1 && i < n - 1;
      if (!tie) created = from + Math.floor(((endsAt - from) * i) / Math.max(1, n - 1));
      const id = target.ids.next(spec.prefix, spec.idStyle);
      const amount = 500 + (i % 20) * 100;
      let obj: StripeObject;
      switch (resource) {
        case 'customers': {
          obj = customerObject(id, created, id.slice(4, 11).toUpperCase());
          const first = FIRST[i % FIRST.length]!;
          const last = LAST[Math.floor(i / FIRST.length) % LAST.length]!;
          obj.name = `${first} ${last}`;
          obj.email = `${first}.${last}.${id.slice(4)}@example.com`.toLowerCase();
          break;
        }
        case 'products':
          obj = productObject(id, created, `Product ${i + 1}`);
          break;
        case 'prices':
          // Two in three prices are monthly, the rest one-time: subscriptions need recurring ones.
          obj = priceObject(id, created, pick(products, i)?.id ?? null, amount, i % 3 === 2 ? null : { interval: 'month', interval_count: 1 });
          break;
        case 'plans':
          obj = planObject(id, created, pick(products, i)?.id ?? null, amount, i % 4 === 3 ? 'year' : 'month');
          break;
        case 'subscriptions': {
          const status = SUB_STATUS[i % SUB_STATUS.length]!;
          obj = subscriptionObject(id, created, pick(customers, i)?.id ?? null, [{ id: target.ids.next('si_', 'short'), price: pick(recurring, i), quantity: 1 }]);
          obj.status = status;
          if (status === 'canceled') {
            obj.canceled_at = created + 86_400;
            obj.ended_at = created + 86_400;
          }
          break;
        }
        case 'invoices': {
          const sub = i % 2 === 0 ? pick(subs, i / 2) : null;
          const customer = (sub?.customer as string | null | undefined) ?? pick(customers, i)?.id ?? null;
          obj = invoiceObject(id, created, customer, sub?.id ?? null, amount, INVOICE_STATUS[i % INVOICE_STATUS.length]!, target.ids.next('il_'));
          break;
        }
        case 'payment_intents':
          obj = paymentIntentObject(id, created, pick(customers, i)?.id ?? null, amount, 'succeeded', target.ids.chars(25));
          break;
        case 'charges': {
          const pi = i < pis.length ? pis[i]! : null;
          obj = chargeObject(id, created, (pi?.customer as string | null | undefined) ?? pick(customers, i)?.id ?? null, pi?.id ?? null, (pi?.amount as number | undefined) ?? amount, i % 20 === 19 ? 'failed' : 'succeeded');
          break;
        }
        case 'refunds': {
          const charge = pick(charges, i);
          obj = refundObject(id, created, charge?.id ?? null, (charge?.payment_intent as string | null | undefined) ?? null, Math.floor(((charge?.amount as number | undefined) ?? amount) / 2));
          break;
        }
        case 'disputes': {
          const charge = pick(charges, i * 7);
          obj = disputeObject(id, created, charge?.id ?? null, (charge?.payment_intent as string | null | undefined) ?? null, (charge?.amount as number | undefined) ?? amount);
          break;
        }
      }
      objs[i] = obj;
    }
    target.insertMany(resource, objs);
    made.set(resource, objs);
    result[resource] = objs.map((o) => o.id);
  }
  return result;
}
