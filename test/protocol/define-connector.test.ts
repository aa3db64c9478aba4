/**
 * defineSource / defineDestination: config is validated once, the same way for every connector —
 * check answers `failed` for a bad config or a definite upstream "no", the other methods throw a
 * ValidationError naming the field (never the value) — and spec defaults to the config's JSON Schema.
 */
import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { defineDestination, defineSource } from '../../src/protocol/connector.ts';
import { AuthError, UpstreamUnavailable, ValidationError } from '../../src/protocol/errors.ts';
import { expectMessage } from '../../src/protocol/expect-message.ts';
import { ProtocolError } from '../../src/protocol/connector-errors.ts';
import type { Message } from '../../src/protocol/messages.ts';
import { collect } from './conformance.ts';

const Config = z.object({
  api_key: z.string().min(10).describe('Secret key.'),
  page_size: z.number().int().positive().default(100).describe('Records per page.'),
});

function source(checkResult: () => AsyncIterable<Message> = succeeded) {
  const seen: unknown[] = [];
  const s = defineSource({
    configSchema: Config,
    documentationUrl: 'https://example.com/docs',
    check: () => checkResult(),
    async *discover({ config }) {
      seen.push(config);
      yield { type: 'catalog', catalog: { streams: [] } };
    },
    async *read({ config }) {
      seen.push(config);
      yield { type: 'log', log: { level: 'info', message: 'read' } };
    },
  });
  return { s, seen };
}

/** A check that fails the way an HTTP client would, before it has an answer. */
async function* throwing(err: Error): AsyncGenerator<Message> {
  if (err) throw err;
  yield* succeeded();
}

async function* succeeded(): AsyncGenerator<Message> {
  yield { type: 'connection_status', connection_status: { status: 'succeeded' } };
}

describe('defineSource', () => {
  test('methods get the parsed config, defaults applied', async () => {
    const { s, seen } = source();
    await collect(s.discover({ config: { api_key: 'sk_test_123456' } as never }));
    expect(seen).toEqual([{ api_key: 'sk_test_123456', page_size: 100 }]);
  });

  test('check reports a bad config as failed, naming the field and not its value', async () => {
    const { s } = source();
    const { connection_status } = await expectMessage(s.check({ config: { api_key: 'sk_short', page_size: 0 } as never }), 'connection_status');
    expect(connection_status.status).toBe('failed');
    expect(connection_status.message).toMatch(/api_key: .*; page_size: /);
    expect(connection_status.message).not.toContain('sk_short');
  });

  test('check answers failed for a definite upstream no, and throws a transient failure', async () => {
    const config = { api_key: 'sk_test_123456', page_size: 1 };
    const denied = source(() => throwing(new AuthError('the API key was revoked')));
    expect((await expectMessage(denied.s.check({ config }), 'connection_status')).connection_status).toEqual({ status: 'failed', message: 'the API key was revoked' });
    const down = source(() => throwing(new UpstreamUnavailable('503')));
    await expect(collect(down.s.check({ config }))).rejects.toBeInstanceOf(UpstreamUnavailable);
  });

  test('read and discover throw a ValidationError naming the bad field, lazily, when iterated', async () => {
    const { s, seen } = source();
    const messages = s.read({ config: { api_key: 'secre' } as never, catalog: { streams: [] } });
    const err = await collect(messages).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as Error).message).toMatch(/^invalid config: api_key: /);
    expect((err as Error).message).not.toContain('secre');
    expect((err as ValidationError).detail).toEqual({ issues: [{ path: ['api_key'], message: expect.any(String) }] });
    await expect(collect(s.discover({ config: {} as never }))).rejects.toBeInstanceOf(ValidationError);
    expect(seen).toEqual([]);
  });

  test('spec defaults to the JSON Schema of the config and the documentation url', async () => {
    const { s } = source();
    const { spec } = await expectMessage(s.spec(), 'spec');
    expect(spec.documentation_url).toBe('https://example.com/docs');
    expect(spec.config_schema).toMatchObject({
      type: 'object',
      properties: { api_key: { type: 'string', minLength: 10, description: 'Secret key.' }, page_size: { default: 100 } },
      required: ['api_key'],
    });
  });
});

describe('defineDestination', () => {
  test('write validates config before it reads any input', async () => {
    let pulled = 0;
    async function* input(): AsyncGenerator<Message> {
      pulled++;
      yield { type: 'state', state: { stream: 's', data: 1 } };
    }
    const d = defineDestination({
      configSchema: z.object({ url: z.url() }),
      check: succeeded,
      async *write(_params, messages) {
        for await (const m of messages) yield m;
      },
    });
    await expect(collect(d.write({ config: { url: 'nope' }, catalog: { streams: [] } }, input()))).rejects.toBeInstanceOf(ValidationError);
    expect(pulled).toBe(0);
    expect(await collect(d.write({ config: { url: 'https://db.example' }, catalog: { streams: [] } }, input()))).toHaveLength(1);
  });
});

describe('expectMessage', () => {
  test('a command that ends without its answer is a ProtocolError', async () => {
    async function* nothing(): AsyncGenerator<Message> {
      yield { type: 'log', log: { level: 'info', message: 'hello' } };
    }
    await expect(expectMessage(nothing(), 'spec')).rejects.toBeInstanceOf(ProtocolError);
  });
});
