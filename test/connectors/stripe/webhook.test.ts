/**
 * Webhook verification against the reference's computed vectors (§14), its typed refusals, and a real signed
 * delivery from the fake to a loopback receiver, converted to the record the events path would emit.
 */
import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, test } from 'vitest';
import { eventToRecord, verifyStripeSignature } from '../../../src/connectors/stripe/index.ts';
import { startFakeStripe } from '../../../src/fakes/stripe/index.ts';
import { AuthError, ValidationError } from '../../../src/protocol/errors.ts';

const PAYLOAD = '{"id":"evt_test_webhook","object":"event"}';
const T = 1_700_000_000;
const V1 = 'd95c6b7477fbd7e9f90b1b0ef5f9c7ac25abca5382460e0d988c2b2a5b71b990';
const V1_SECOND = '426f8293c7867427fa07c889e920a1cbc6a88b25c7bf176e9178d23d12df0166';
const at = (seconds: number) => () => seconds * 1000;
// The vector's payload is not a full event; a body with data.object is signed the same way below.
const parseOnly = (body: string | Buffer, header: string, secrets: string[], now = at(T)) => () => verifyStripeSignature(body, header, secrets, 300, now);

describe('verifyStripeSignature', () => {
  test('the reference vectors: the signature matches, and a v1 of another secret or a v0 does not get in the way', () => {
    // Signature checks pass; the payload then fails only the event-shape check.
    expect(parseOnly(PAYLOAD, `t=${T},v1=${V1}`, ['whsec_test_secret'])).toThrow(/not a Stripe event/);
    expect(parseOnly(PAYLOAD, `t=${T},v1=${V1_SECOND},v1=${V1},v0=abc`, ['whsec_test_secret'])).toThrow(/not a Stripe event/);
    expect(parseOnly(Buffer.from(PAYLOAD), `t=${T},v1=${V1}`, ['whsec_second_secret', 'whsec_test_secret'])).toThrow(ValidationError);
  });

  test('tolerance: accepted at t+300 s and in the future, refused at t+301 s', () => {
    const event = '{"id":"evt_1","object":"event","type":"customer.created","created":1,"data":{"object":{"id":"cus_1","object":"customer"}}}';
    const header = (t: number, secret = 'whsec_test_secret') => `t=${t},v1=${hmac(secret, t, event)}`;
    expect(verifyStripeSignature(event, header(T), ['whsec_test_secret'], 300, at(T + 300)).id).toBe('evt_1');
    expect(verifyStripeSignature(event, header(T), ['whsec_test_secret'], 300, at(T - 10_000)).id).toBe('evt_1');
    expect(() => verifyStripeSignature(event, header(T), ['whsec_test_secret'], 300, at(T + 301))).toThrow(AuthError);
    expect(() => verifyStripeSignature(event, header(T), ['whsec_test_secret'], 300, at(T + 301))).toThrow(/tolerance/);
  });

  test('tampered body, wrong secret, stripped prefix, no v1 and malformed headers are typed errors', () => {
    expect(parseOnly(PAYLOAD.replace('webhook', 'webhooK'), `t=${T},v1=${V1}`, ['whsec_test_secret'])).toThrow(AuthError);
    expect(parseOnly(PAYLOAD, `t=${T},v1=${V1}`, ['whsec_other'])).toThrow(AuthError);
    expect(parseOnly(PAYLOAD, `t=${T},v1=${V1}`, ['test_secret'])).toThrow(AuthError);
    expect(parseOnly(PAYLOAD, `t=${T},v0=${V1}`, ['whsec_test_secret'])).toThrow(ValidationError);
    // A space after the comma is not the format: no v1 is found (as in stripe-node).
    expect(parseOnly(PAYLOAD, `t=${T}, v1=${V1}`, ['whsec_test_secret'])).toThrow(ValidationError);
    expect(parseOnly(PAYLOAD, '', ['whsec_test_secret'])).toThrow(ValidationError);
    expect(parseOnly(PAYLOAD, `v1=${V1}`, ['whsec_test_secret'])).toThrow(ValidationError);
  });

  test('a real delivery from the fake verifies and converts to the right record; a deletion is deleted: true', async () => {
    const received: { body: string; signature: string }[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ body: Buffer.concat(chunks).toString('utf8'), signature: String(req.headers['stripe-signature']) });
        res.writeHead(200).end();
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const fake = await startFakeStripe();
    try {
      fake.webhooks.register(`http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, 'whsec_loopback');
      const customer = fake.store.create('customers', { email: 'hook@example.com' });
      fake.store.delete('customers', customer.id);
      for (let i = 0; i < 100 && received.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
      expect(received).toHaveLength(2);
      const records = received.map(({ body, signature }) => eventToRecord(verifyStripeSignature(body, signature, ['whsec_loopback'])));
      expect(records[0]).toMatchObject({ stream: 'customers', deleted: false, data: { id: customer.id, email: 'hook@example.com' } });
      expect(records[1]).toMatchObject({ stream: 'customers', deleted: true, data: { id: customer.id, deleted: true } });
      expect(() => verifyStripeSignature(received[0]!.body, received[0]!.signature, ['whsec_wrong'])).toThrow(AuthError);
    } finally {
      await fake.close();
      server.close();
    }
  });
});

function hmac(secret: string, t: number, body: string): string {
  return createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
}
