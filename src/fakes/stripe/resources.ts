/**
 * What differs between resources, as data: id prefix, event names, list filters and the rows a list hides by
 * default, how DELETE behaves, and the create-only parameters each one takes (reference §5, §6). The store runs
 * the same create/update/delete for every resource and asks this table for the rest.
 */
import { invalidRequest } from './errors.ts';
import type { Param } from './form.ts';
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
  type ItemInput,
  type StripeObject,
} from './objects.ts';
import { integerParam } from './pagination.ts';
import { isHash, type Input } from './patch.ts';

export const RESOURCE_NAMES = [
  'customers',
  'products',
  'prices',
  'plans',
  'subscriptions',
  'invoices',
  'charges',
  'payment_intents',
  'refunds',
  'disputes',
] as const;
export type ResourceName = (typeof RESOURCE_NAMES)[number];

export interface CreateContext {
  id: string;
  created: number;
  ids: IdMint;
  /** A live object another one refers to; a 400 `resource_missing` naming `param` otherwise. */
  lookup(resource: ResourceName, id: string, param: string): StripeObject;
}

type Filter = (value: Param) => (obj: StripeObject) => boolean;

export interface ResourceSpec {
  object: string;
  prefix: string;
  idStyle: 'short' | 'long';
  /** `customer.subscription` for subscriptions, `charge.dispute` for disputes. */
  eventPrefix: string;
  /** `POST /v1/<resource>` exists (disputes are opened by Stripe, not by the API). */
  createViaApi: boolean;
  /** Whether a caller may choose the id on create (reference §5: products, plans, customers). */
  userIds: boolean;
  /** DELETE: `stub` removes and answers `{id, object, deleted}`; `cancel` ends a subscription; `none`: no endpoint. */
  deletion: 'stub' | 'draft_only' | 'cancel' | 'none';
  /** Whether the store API may delete it although the HTTP API has no DELETE (prices: `price.deleted` exists). */
  deletableInProcess: boolean;
  /** GET of a deleted object answers the stub (verified for customers only, reference §6); others 404. */
  stubAfterDelete: boolean;
  /** Fields update may not set (besides id/object/created/livemode). */
  readOnly: ReadonlySet<string>;
  filters: Record<string, Filter>;
  /** Rows the list hides unless a filter asks for them, given the params sent. */
  hiddenByDefault?: (params: Record<string, Param>) => ((obj: StripeObject) => boolean) | null;
  /** Builds the object from the create-only params, removing them from `input`; the rest is applied as updates. */
  build(ctx: CreateContext, input: Input): StripeObject;
  createdEventType?(obj: StripeObject): string;
}

const str = (v: Param): string => {
  if (typeof v !== 'string') throw invalidRequest('Invalid filter value: must be a string');
  return v;
};
const bool = (v: Param, param: string): boolean => {
  if (v !== 'true' && v !== 'false') throw invalidRequest(`Invalid boolean: ${String(v)}`, param);
  return v === 'true';
};
const eq = (field: string): Filter => (v) => {
  const want = str(v);
  return (obj) => obj[field] === want;
};
const boolEq = (field: string): Filter => (v) => {
  const want = bool(v, field);
  return (obj) => obj[field] === want;
};
const oneOf = (field: string): Filter => (v) => {
  const want = new Set(typeof v === 'string' ? [v] : (v as string[]));
  return (obj) => want.has(obj[field] as string);
};

/** Takes a create-only param out of the input, so the generic update step does not see it. */
function take(input: Input, name: string): unknown {
  const v = input[name];
  delete input[name];
  return v;
}
function required(input: Input, name: string): unknown {
  const v = take(input, name);
  if (v === undefined || v === '') throw invalidRequest(`Missing required param: ${name}.`, name, 'parameter_missing');
  return v;
}
const int = (v: unknown, param: string): number => (typeof v === 'number' ? v : integerParam(String(v), param));
const optionalString = (v: unknown): string | null => (v === undefined || v === '' || v === null ? null : String(v));

function ref(ctx: CreateContext, resource: ResourceName, v: unknown, param: string): string | null {
  const id = optionalString(v);
  return id === null ? null : ctx.lookup(resource, id, param).id;
}

function items(ctx: CreateContext, input: Input): ItemInput[] {
  const raw = required(input, 'items');
  const list = Array.isArray(raw) ? raw : isHash(raw) ? Object.values(raw) : null;
  if (!list || list.length === 0) throw invalidRequest('Invalid array', 'items');
  return list.map((item: unknown, i) => {
    if (!isHash(item)) throw invalidRequest('Invalid hash', `items[${i}]`);
    const priceId = item.price ?? item.plan;
    if (priceId === undefined) throw invalidRequest('Missing required param: items[0][price].', `items[${i}][price]`, 'parameter_missing');
    const price = ctx.lookup(item.price !== undefined ? 'prices' : 'plans', String(priceId), `items[${i}][price]`);
    return { id: ctx.ids.next('si_', 'short'), price, quantity: item.quantity === undefined ? 1 : int(item.quantity, `items[${i}][quantity]`) };
  });
}

const NONE = new Set<string>();

export const RESOURCES: Record<ResourceName, ResourceSpec> = {
  customers: {
    object: 'customer',
    prefix: 'cus_',
    idStyle: 'short',
    eventPrefix: 'customer',
    createViaApi: true,
    userIds: true,
    deletion: 'stub',
    deletableInProcess: true,
    stubAfterDelete: true,
    readOnly: NONE,
    filters: { email: eq('email'), test_clock: eq('test_clock') },
    build: (ctx) => customerObject(ctx.id, ctx.created, ctx.ids.chars(7).toUpperCase()),
  },
  products: {
    object: 'product',
    prefix: 'prod_',
    idStyle: 'short',
    eventPrefix: 'product',
    createViaApi: true,
    userIds: true,
    deletion: 'stub',
    deletableInProcess: true,
    stubAfterDelete: false,
    readOnly: new Set(['updated']),
    filters: {
      active: boolEq('active'),
      ids: (v) => {
        const want = new Set(typeof v === 'string' ? [v] : (v as string[]));
        return (obj) => want.has(obj.id);
      },
      shippable: boolEq('shippable'),
      type: eq('type'),
      url: eq('url'),
    },
    build: (ctx, input) => productObject(ctx.id, ctx.created, String(required(input, 'name'))),
  },
  prices: {
    object: 'price',
    prefix: 'price_',
    idStyle: 'long',
    eventPrefix: 'price',
    createViaApi: true,
    userIds: false,
    deletion: 'none',
    deletableInProcess: true,
    stubAfterDelete: false,
    readOnly: new Set(['product', 'unit_amount', 'unit_amount_decimal', 'recurring', 'type', 'currency', 'billing_scheme']),
    filters: {
      active: boolEq('active'),
      currency: eq('currency'),
      product: eq('product'),
      type: eq('type'),
      lookup_keys: oneOf('lookup_key'),
      recurring: (v) => {
        if (!isHash(v)) throw invalidRequest('Invalid hash', 'recurring');
        return (obj) => {
          const r = obj.recurring as Record<string, unknown> | null;
          return r !== null && Object.entries(v).every(([k, want]) => String(r[k]) === want);
        };
      },
    },
    // Documented: without `active`, only active prices are listed (reference §5).
    hiddenByDefault: (params) => (params.active === undefined ? (obj) => obj.active === true : null),
    build: (ctx, input) => {
      const product = ref(ctx, 'products', required(input, 'product'), 'product');
      const amount = int(take(input, 'unit_amount') ?? 0, 'unit_amount');
      const recurring = take(input, 'recurring');
      if (recurring !== undefined && !isHash(recurring)) throw invalidRequest('Invalid hash', 'recurring');
      const obj = priceObject(
        ctx.id,
        ctx.created,
        product,
        amount,
        recurring
          ? {
              interval: String(recurring.interval ?? 'month'),
              interval_count: recurring.interval_count === undefined ? 1 : int(recurring.interval_count, 'recurring[interval_count]'),
            }
          : null,
      );
      const currency = take(input, 'currency');
      if (currency !== undefined) obj.currency = String(currency);
      return obj;
    },
  },
  plans: {
    object: 'plan',
    prefix: 'plan_',
    idStyle: 'long',
    eventPrefix: 'plan',
    createViaApi: true,
    userIds: true,
    deletion: 'stub',
    deletableInProcess: true,
    stubAfterDelete: false,
    readOnly: new Set(['amount', 'amount_decimal', 'interval', 'interval_count', 'currency', 'billing_scheme']),
    filters: { active: boolEq('active'), product: eq('product') },
    build: (ctx, input) => {
      const product = ref(ctx, 'products', required(input, 'product'), 'product');
      const amount = int(required(input, 'amount'), 'amount');
      const obj = planObject(ctx.id, ctx.created, product, amount, String(required(input, 'interval')));
      const currency = take(input, 'currency');
      if (currency !== undefined) obj.currency = String(currency);
      return obj;
    },
  },
  subscriptions: {
    object: 'subscription',
    prefix: 'sub_',
    idStyle: 'long',
    eventPrefix: 'customer.subscription',
    createViaApi: true,
    userIds: false,
    deletion: 'cancel',
    deletableInProcess: true,
    stubAfterDelete: false,
    readOnly: new Set(['items', 'customer']),
    filters: {
      status: (v) => {
        const want = str(v);
        if (want === 'all') return () => true;
        if (want === 'ended') return (obj) => obj.status === 'canceled' || obj.status === 'incomplete_expired';
        return (obj) => obj.status === want;
      },
      customer: eq('customer'),
      price: (v) => {
        const want = str(v);
        return (obj) => subscriptionItems(obj).some((i) => i.price?.id === want);
      },
      plan: (v) => {
        const want = str(v);
        return (obj) => subscriptionItems(obj).some((i) => i.price?.id === want);
      },
      collection_method: eq('collection_method'),
      test_clock: eq('test_clock'),
    },
    // Without `status`, canceled subscriptions are left out (reference §5); `status=all` shows them.
    hiddenByDefault: (params) => (params.status === undefined ? (obj) => obj.status !== 'canceled' : null),
    build: (ctx, input) => {
      const customer = ref(ctx, 'customers', required(input, 'customer'), 'customer');
      const obj = subscriptionObject(ctx.id, ctx.created, customer, items(ctx, input));
      const firstPrice = subscriptionItems(obj)[0]?.price;
      if (firstPrice && typeof firstPrice.currency === 'string') obj.currency = firstPrice.currency;
      return obj;
    },
  },
  invoices: {
    object: 'invoice',
    prefix: 'in_',
    idStyle: 'long',
    eventPrefix: 'invoice',
    createViaApi: true,
    userIds: false,
    deletion: 'draft_only',
    deletableInProcess: true,
    stubAfterDelete: false,
    readOnly: new Set(['lines', 'customer']),
    filters: { customer: eq('customer'), status: eq('status'), subscription: eq('subscription'), collection_method: eq('collection_method') },
    build: (ctx, input) => {
      const customer = ref(ctx, 'customers', required(input, 'customer'), 'customer');
      const subscription = ref(ctx, 'subscriptions', take(input, 'subscription'), 'subscription');
      const amount = int(take(input, 'amount_due') ?? 0, 'amount_due');
      return invoiceObject(ctx.id, ctx.created, customer, subscription, amount, String(take(input, 'status') ?? 'draft'), ctx.ids.next('il_'));
    },
  },
  charges: {
    object: 'charge',
    prefix: 'ch_',
    idStyle: 'long',
    eventPrefix: 'charge',
    createViaApi: true,
    userIds: false,
    deletion: 'none',
    deletableInProcess: false,
    stubAfterDelete: false,
    readOnly: new Set(['amount', 'currency', 'payment_intent', 'amount_refunded', 'refunded']),
    filters: { customer: eq('customer'), payment_intent: eq('payment_intent'), transfer_group: eq('transfer_group') },
    build: (ctx, input) => {
      const amount = int(required(input, 'amount'), 'amount');
      const customer = ref(ctx, 'customers', take(input, 'customer'), 'customer');
      const pi = ref(ctx, 'payment_intents', take(input, 'payment_intent'), 'payment_intent');
      const obj = chargeObject(ctx.id, ctx.created, customer, pi, amount, String(take(input, 'status') ?? 'succeeded'));
      take(input, 'source');
      const currency = take(input, 'currency');
      if (currency !== undefined) obj.currency = String(currency);
      return obj;
    },
    // There is no `charge.created`: a new charge announces its outcome (reference §9).
    createdEventType: (obj) => `charge.${obj.status === 'pending' || obj.status === 'failed' ? obj.status : 'succeeded'}`,
  },
  payment_intents: {
    object: 'payment_intent',
    prefix: 'pi_',
    idStyle: 'long',
    eventPrefix: 'payment_intent',
    createViaApi: true,
    userIds: false,
    deletion: 'none',
    deletableInProcess: false,
    stubAfterDelete: false,
    readOnly: new Set(['client_secret']),
    filters: { customer: eq('customer') },
    build: (ctx, input) => {
      const amount = int(required(input, 'amount'), 'amount');
      const customer = ref(ctx, 'customers', take(input, 'customer'), 'customer');
      const obj = paymentIntentObject(ctx.id, ctx.created, customer, amount, String(take(input, 'status') ?? 'requires_payment_method'), ctx.ids.chars(25));
      const currency = take(input, 'currency');
      if (currency !== undefined) obj.currency = String(currency);
      return obj;
    },
  },
  refunds: {
    object: 'refund',
    prefix: 're_',
    idStyle: 'long',
    eventPrefix: 'refund',
    createViaApi: true,
    userIds: false,
    deletion: 'none',
    deletableInProcess: false,
    stubAfterDelete: false,
    readOnly: new Set(['amount', 'charge', 'payment_intent', 'currency']),
    filters: { charge: eq('charge'), payment_intent: eq('payment_intent') },
    build: (ctx, input) => {
      const chargeId = take(input, 'charge');
      const piId = take(input, 'payment_intent');
      if (chargeId === undefined && piId === undefined) {
        throw invalidRequest('One of the following params should be provided for this request: charge or payment_intent.', 'charge', 'parameter_missing');
      }
      const charge = chargeId !== undefined ? ctx.lookup('charges', String(chargeId), 'charge') : null;
      const pi = (charge?.payment_intent as string | null) ?? (piId !== undefined ? ctx.lookup('payment_intents', String(piId), 'payment_intent').id : null);
      const refundable = charge ? (charge.amount as number) - (charge.amount_refunded as number) : 0;
      const amount = int(take(input, 'amount') ?? refundable, 'amount');
      return refundObject(ctx.id, ctx.created, charge?.id ?? null, pi, amount);
    },
  },
  disputes: {
    object: 'dispute',
    prefix: 'dp_',
    idStyle: 'long',
    eventPrefix: 'charge.dispute',
    createViaApi: false,
    userIds: false,
    deletion: 'none',
    deletableInProcess: false,
    stubAfterDelete: false,
    readOnly: new Set(['amount', 'charge', 'payment_intent', 'currency']),
    filters: { charge: eq('charge'), payment_intent: eq('payment_intent') },
    build: (ctx, input) => {
      const charge = ctx.lookup('charges', String(required(input, 'charge')), 'charge');
      const amount = int(take(input, 'amount') ?? charge.amount, 'amount');
      return disputeObject(ctx.id, ctx.created, charge.id, (charge.payment_intent as string | null) ?? null, amount);
    },
  },
};

export function subscriptionItems(sub: StripeObject): { id: string; price: StripeObject | null }[] {
  return ((sub.items as { data?: { id: string; price: StripeObject | null }[] } | undefined)?.data ?? []) as {
    id: string;
    price: StripeObject | null;
  }[];
}

export function isResourceName(name: string): name is ResourceName {
  return (RESOURCE_NAMES as readonly string[]).includes(name);
}

