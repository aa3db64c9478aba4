/**
 * The Stripe source's webhook capability: verify with the configured endpoint secrets (any of several,
 * for rolling), refuse without secrets, and map a delivery to the same record the events path emits —
 * deterministic, so a redelivery yields identical records.
 */
import { describe, expect, test } from 'vitest';
import { StripeConfig, stripeSource } from '../../../src/connectors/stripe/index.ts';
import { AuthError, ValidationError } from '../../../src/protocol/errors.ts';
import { createHmac } from 'node:crypto';
import { startFakeStripe } from '../../../src/fakes/stripe/index.ts';
import { configFor } from './helpers.ts';

const config = (over: Record<string, unknown> = {}) => StripeConfig.parse({ api_key: 'sk_test_x', api_version: '2026-07-29.dahlia', webhook_secrets: ['whsec_old', 'whsec_new'], ...over });
const signed = (secret: string, body: string, t = Math.floor(Date.now() / 1000)) => `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
const event = (type: string, object: Record<string, unknown>) => JSON.stringify({ id: 'evt_1', object: 'event', type, created: 1_700_000_000, data: { object } });

describe('Stripe webhooks', () => {
  const hooks = stripeSource.webhooks!;

  test('a delivery signed with either configured secret verifies and is identified by its event id', () => {
    const body = event('customer.updated', { id: 'cus_1', object: 'customer', email: 'a@b.c' });
    for (const secret of ['whsec_old', 'whsec_new']) {
      const d = hooks.verify({ config: config(), body: Buffer.from(body), headers: { 'stripe-signature': signed(secret, body) } });
      expect(d).toMatchObject({ id: 'evt_1', type: 'customer.updated' });
    }
  });

  test('wrong secret, stale timestamp and no secrets configured are refused', () => {
    const body = event('customer.updated', { id: 'cus_1', object: 'customer' });
    expect(() => hooks.verify({ config: config(), body: Buffer.from(body), headers: { 'stripe-signature': signed('whsec_other', body) } })).toThrow(AuthError);
    const stale = signed('whsec_new', body, Math.floor(Date.now() / 1000) - 301);
    expect(() => hooks.verify({ config: config(), body: Buffer.from(body), headers: { 'stripe-signature': stale } })).toThrow(/tolerance/);
    expect(() => hooks.verify({ config: config({ webhook_tolerance_seconds: 600 }), body: Buffer.from(body), headers: { 'stripe-signature': stale } })).not.toThrow();
    expect(() => hooks.verify({ config: config({ webhook_secrets: undefined }), body: Buffer.from(body), headers: { 'stripe-signature': signed('whsec_new', body) } })).toThrow(ValidationError);
  });

  test('touched names the object; records fetch its current state, a deletion for a deleted one, nothing for an unsynced type', async () => {
    const fake = await startFakeStripe();
    try {
      const live = fake.store.create('customers', { email: 'old@example.com' });
      fake.store.update('customers', live.id, { email: 'new@example.com' });
      const gone = fake.store.create('customers', {});
      fake.store.delete('customers', gone.id);
      const cfg = configFor(fake, { webhook_secrets: ['whsec_new'] });
      const signal = new AbortController().signal;
      // The event's snapshot is stale (the old email): the record is the object as it is now.
      const upd = { id: 'evt_1', type: 'customer.updated', payload: JSON.parse(event('customer.updated', { id: live.id, object: 'customer', email: 'old@example.com' })) };
      expect(hooks.touched({ config: cfg, delivery: upd })).toEqual([{ stream: 'customers', key: live.id }]);
      const [rec] = await hooks.records({ config: cfg, delivery: upd, signal });
      expect(rec).toMatchObject({ stream: 'customers', data: { id: live.id, email: 'new@example.com' } });
      expect(rec!.deleted).toBeUndefined();
      // An update event for an object deleted since: the deletion, whatever the event said.
      const late = { id: 'evt_2', type: 'customer.updated', payload: JSON.parse(event('customer.updated', { id: gone.id, object: 'customer' })) };
      expect(await hooks.records({ config: cfg, delivery: late, signal })).toMatchObject([{ stream: 'customers', deleted: true, data: { id: gone.id, deleted: true } }]);
      const other = { id: 'evt_3', type: 'account.updated', payload: JSON.parse(event('account.updated', { id: 'acct_1', object: 'account' })) };
      expect(hooks.touched({ config: cfg, delivery: other })).toEqual([]);
      expect(await hooks.records({ config: cfg, delivery: other, signal })).toEqual([]);
    } finally {
      await fake.close();
    }
  });
});
