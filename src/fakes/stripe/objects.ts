/**
 * The default shape of each resource, modelled on Stripe's fixtures (../../shared/reference/fixtures/stripe/):
 * the fields a sync stores, with `id` and `object` first and placeholder-only nested fields left out. Plain
 * object literals only (no closures, no classes), so 100 000 of them share hidden classes and stay small.
 */

/** Any Stripe object: what the store holds and the API returns. */
export interface StripeObject {
  id: string;
  object: string;
  created: number;
  [field: string]: unknown;
}

export interface DeletedStub {
  id: string;
  object: string;
  deleted: true;
}

const address = () => ({ city: null, country: null, line1: null, line2: null, postal_code: null, state: null });
const MONTH = 30 * 86_400;

export function customerObject(id: string, created: number, invoicePrefix: string): StripeObject {
  return {
    id,
    object: 'customer',
    address: null,
    balance: 0,
    created,
    currency: null,
    default_source: null,
    delinquent: false,
    description: null,
    discount: null,
    email: null,
    invoice_prefix: invoicePrefix,
    invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
    livemode: false,
    metadata: {},
    name: null,
    next_invoice_sequence: 1,
    phone: null,
    preferred_locales: [],
    shipping: null,
    tax_exempt: 'none',
    test_clock: null,
  };
}

export function productObject(id: string, created: number, name: string): StripeObject {
  return {
    id,
    object: 'product',
    active: true,
    created,
    default_price: null,
    description: null,
    images: [],
    livemode: false,
    marketing_features: [],
    metadata: {},
    name,
    package_dimensions: null,
    shippable: null,
    statement_descriptor: null,
    tax_code: null,
    type: 'service',
    unit_label: null,
    updated: created,
    url: null,
  };
}

export interface Recurring {
  interval: string;
  interval_count: number;
}

export function priceObject(id: string, created: number, product: string | null, unitAmount: number, recurring: Recurring | null): StripeObject {
  return {
    id,
    object: 'price',
    active: true,
    billing_scheme: 'per_unit',
    created,
    currency: 'usd',
    custom_unit_amount: null,
    livemode: false,
    lookup_key: null,
    metadata: {},
    nickname: null,
    product,
    recurring: recurring
      ? { interval: recurring.interval, interval_count: recurring.interval_count, meter: null, usage_type: 'licensed', trial_period_days: null }
      : null,
    tax_behavior: 'unspecified',
    tiers_mode: null,
    transform_quantity: null,
    type: recurring ? 'recurring' : 'one_time',
    unit_amount: unitAmount,
    unit_amount_decimal: String(unitAmount),
  };
}

export function planObject(id: string, created: number, product: string | null, amount: number, interval: string): StripeObject {
  return {
    id,
    object: 'plan',
    active: true,
    amount,
    amount_decimal: String(amount),
    billing_scheme: 'per_unit',
    created,
    currency: 'usd',
    interval,
    interval_count: 1,
    livemode: false,
    metadata: {},
    meter: null,
    nickname: null,
    product,
    tiers_mode: null,
    transform_usage: null,
    trial_period_days: null,
    usage_type: 'licensed',
  };
}

export interface ItemInput {
  id: string;
  /** The price as it was when the subscription was written (Stripe renders the item's price inline). */
  price: StripeObject | null;
  quantity: number;
}

export function subscriptionObject(id: string, created: number, customer: string | null, items: ItemInput[]): StripeObject {
  return {
    id,
    object: 'subscription',
    application: null,
    application_fee_percent: null,
    automatic_tax: { enabled: false, liability: null, disabled_reason: null },
    billing_cycle_anchor: created,
    cancel_at: null,
    cancel_at_period_end: false,
    canceled_at: null,
    cancellation_details: { comment: null, feedback: null, reason: null },
    collection_method: 'charge_automatically',
    created,
    currency: 'usd',
    customer,
    days_until_due: null,
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: null,
    discounts: [],
    ended_at: null,
    items: {
      object: 'list',
      data: items.map((item) => ({
        id: item.id,
        object: 'subscription_item',
        created,
        // Since the 2025 versions the billing period lives on the item, not the subscription.
        current_period_end: created + MONTH,
        current_period_start: created,
        discounts: [],
        metadata: {},
        price: item.price,
        quantity: item.quantity,
        subscription: id,
        tax_rates: [],
      })),
      has_more: false,
      url: `/v1/subscription_items?subscription=${id}`,
    },
    latest_invoice: null,
    livemode: false,
    metadata: {},
    pause_collection: null,
    pending_update: null,
    schedule: null,
    start_date: created,
    status: 'active',
    test_clock: null,
    trial_end: null,
    trial_start: null,
  };
}

export function invoiceObject(
  id: string,
  created: number,
  customer: string | null,
  subscription: string | null,
  amount: number,
  status: string,
  lineId: string,
): StripeObject {
  const paid = status === 'paid';
  const finalized = status !== 'draft';
  return {
    id,
    object: 'invoice',
    account_country: 'US',
    account_name: null,
    amount_due: amount,
    amount_paid: paid ? amount : 0,
    amount_remaining: paid ? 0 : amount,
    attempt_count: finalized ? 1 : 0,
    attempted: finalized,
    auto_advance: !finalized,
    billing_reason: subscription ? 'subscription_cycle' : 'manual',
    collection_method: 'charge_automatically',
    created,
    currency: 'usd',
    customer,
    customer_email: null,
    customer_name: null,
    description: null,
    due_date: null,
    effective_at: finalized ? created : null,
    ending_balance: finalized ? 0 : null,
    hosted_invoice_url: null,
    invoice_pdf: null,
    lines: {
      object: 'list',
      data: [
        {
          id: lineId,
          object: 'line_item',
          amount,
          currency: 'usd',
          description: null,
          invoice: id,
          livemode: false,
          metadata: {},
          period: { end: created, start: created },
          quantity: 1,
          subscription,
        },
      ],
      has_more: false,
      url: `/v1/invoices/${id}/lines`,
    },
    livemode: false,
    metadata: {},
    number: null,
    parent: subscription ? { quote_details: null, subscription_details: { metadata: null, subscription }, type: 'subscription_details' } : null,
    period_end: created,
    period_start: created,
    status,
    status_transitions: { finalized_at: finalized ? created : null, marked_uncollectible_at: null, paid_at: paid ? created : null, voided_at: null },
    subscription,
    subtotal: amount,
    total: amount,
    webhooks_delivered_at: null,
  };
}

export function chargeObject(
  id: string,
  created: number,
  customer: string | null,
  paymentIntent: string | null,
  amount: number,
  status: string,
): StripeObject {
  const succeeded = status === 'succeeded';
  return {
    id,
    object: 'charge',
    amount,
    amount_captured: succeeded ? amount : 0,
    amount_refunded: 0,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: null,
    billing_details: { address: address(), email: null, name: null, phone: null, tax_id: null },
    calculated_statement_descriptor: null,
    captured: succeeded,
    created,
    currency: 'usd',
    customer,
    description: null,
    disputed: false,
    failure_code: status === 'failed' ? 'card_declined' : null,
    failure_message: status === 'failed' ? 'Your card was declined.' : null,
    fraud_details: {},
    livemode: false,
    metadata: {},
    outcome: null,
    paid: succeeded,
    payment_intent: paymentIntent,
    payment_method: null,
    receipt_email: null,
    receipt_url: null,
    refunded: false,
    review: null,
    statement_descriptor: null,
    status,
    transfer_group: null,
  };
}

export function paymentIntentObject(
  id: string,
  created: number,
  customer: string | null,
  amount: number,
  status: string,
  secret: string,
): StripeObject {
  return {
    id,
    object: 'payment_intent',
    amount,
    amount_capturable: 0,
    amount_received: status === 'succeeded' ? amount : 0,
    application: null,
    application_fee_amount: null,
    automatic_payment_methods: { enabled: true },
    canceled_at: null,
    cancellation_reason: null,
    capture_method: 'automatic',
    client_secret: `${id}_secret_${secret}`,
    confirmation_method: 'automatic',
    created,
    currency: 'usd',
    customer,
    description: null,
    last_payment_error: null,
    latest_charge: null,
    livemode: false,
    metadata: {},
    next_action: null,
    on_behalf_of: null,
    payment_method: null,
    payment_method_types: ['card'],
    receipt_email: null,
    setup_future_usage: null,
    shipping: null,
    statement_descriptor: null,
    status,
  };
}

/** Refund objects carry no `livemode` in Stripe's API. */
export function refundObject(id: string, created: number, charge: string | null, paymentIntent: string | null, amount: number): StripeObject {
  return {
    id,
    object: 'refund',
    amount,
    balance_transaction: null,
    charge,
    created,
    currency: 'usd',
    metadata: {},
    payment_intent: paymentIntent,
    reason: null,
    receipt_number: null,
    source_transfer_reversal: null,
    status: 'succeeded',
    transfer_reversal: null,
  };
}

export function disputeObject(id: string, created: number, charge: string | null, paymentIntent: string | null, amount: number): StripeObject {
  return {
    id,
    object: 'dispute',
    amount,
    balance_transactions: [],
    charge,
    created,
    currency: 'usd',
    evidence_details: { due_by: created + 7 * 86_400, has_evidence: false, past_due: false, submission_count: 0 },
    is_charge_refundable: false,
    livemode: false,
    metadata: {},
    payment_intent: paymentIntent,
    reason: 'fraudulent',
    status: 'needs_response',
  };
}
