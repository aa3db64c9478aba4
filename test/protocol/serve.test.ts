/**
 * serveConnector, the connector-process side: the command line contract, exit codes (0 ok, 1 failed
 * with a final error trace, 2 usage), stdout written only as fast as it is read, stdin as the input of
 * `write`, and a reader that goes away ends the connector instead of crashing it.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { defineSource, type Destination, type Source } from '../../src/protocol/connector.ts';
import type { ConfiguredCatalog, Message } from '../../src/protocol/messages.ts';
import { decodeNdjson } from '../../src/protocol/ndjson.ts';
import { serveConnector } from '../../src/protocol/serve.ts';
import { collectDestination } from '../fixtures/connectors/collect-destination.ts';
import { counterSource } from '../fixtures/connectors/counter-source.ts';
import { collect } from './conformance.ts';

let dir: string;
const file = async (name: string, value: unknown) => {
  const path = join(dir, name);
  await writeFile(path, typeof value === 'string' ? value : JSON.stringify(value));
  return path;
};
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'serve-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const catalog: ConfiguredCatalog = {
  streams: [{ stream: { name: 'alpha', json_schema: {}, primary_key: ['id'], supported_sync_modes: ['incremental'] }, sync_mode: 'incremental' }],
};

/** Runs a command with stdout captured, and returns the exit code and the messages written. */
async function serve(connector: Source | Destination, argv: string[], stdin: AsyncIterable<string> = (async function* () {})()) {
  const stdout = new PassThrough();
  const written = collect(decodeNdjson(stdout));
  const code = await serveConnector(connector, argv, stdin, stdout);
  stdout.end();
  return { code, messages: await written };
}

describe('serveConnector', () => {
  test('read writes the source’s messages as NDJSON and exits 0', async () => {
    const config = await file('config.json', { count: 3, page_size: 2 });
    const state = await file('state.json', { alpha: { last_id: 1 } });
    const { code, messages } = await serve(counterSource, ['read', '--config', config, '--catalog', await file('catalog.json', catalog), '--state', state]);
    expect(code).toBe(0);
    expect(messages.filter((m) => m.type === 'record').map((m) => m.record.data.id)).toEqual([2, 3]);
    expect(messages.at(-1)).toMatchObject({ type: 'stream_status', stream_status: { status: 'complete' } });
  });

  test('a thrown error ends the output with its error trace and exits 1', async () => {
    const config = await file('failing.json', { count: 10, page_size: 2, fail_after: 1 });
    const { code, messages } = await serve(counterSource, ['read', '--config', config, '--catalog', await file('catalog.json', catalog)]);
    expect(code).toBe(1);
    expect(messages.at(-1)).toMatchObject({ type: 'trace', trace: { type: 'error', error: { code: 'upstream_rate_limited', retry_at: '2030-01-01T00:00:00.000Z' } } });
  });

  test.each([
    ['no command', []],
    ['an unknown command', ['sing']],
    ['a command the connector does not have', ['write', '--config', '/dev/null', '--catalog', '/dev/null']],
    ['an unknown flag', ['spec', '--verbose']],
    ['a missing --config', ['check']],
    ['a missing --catalog', ['read', '--config', '/etc/hostname']],
    ['a config file that does not exist', ['check', '--config', '/nonexistent.json']],
  ])('%s is a usage error: exit 2 and a validation_error trace', async (_name, argv) => {
    const { code, messages } = await serve(counterSource, argv);
    expect(code).toBe(2);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ type: 'trace', trace: { type: 'error', error: { code: 'validation_error', retryable: false } } });
  });

  test('a config file that is not JSON is reported without its contents', async () => {
    const path = await file('broken.json', '{"api_key": "sk_live_SECRET"');
    const { code, messages } = await serve(counterSource, ['check', '--config', path]);
    expect(code).toBe(2);
    expect(JSON.stringify(messages)).not.toContain('SECRET');
  });

  test('an invalid catalog file is a usage error naming the bad field', async () => {
    const bad = { streams: [{ stream: { ...catalog.streams[0]!.stream, primary_key: [] }, sync_mode: 'incremental' }] };
    const config = await file('config.json', { count: 1, page_size: 1 });
    const { code, messages } = await serve(counterSource, ['read', '--config', config, '--catalog', await file('bad-catalog.json', bad)]);
    expect(code).toBe(2);
    expect(messages[0]).toMatchObject({ trace: { error: { message: expect.stringMatching(/^--catalog: streams\[0\]\.stream\.primary_key: /) } } });
  });

  test('write reads its input messages from stdin and answers each state', async () => {
    const out = join(dir, 'collected.jsonl');
    const input = [
      { type: 'record', record: { stream: 'alpha', data: { id: 1 }, emitted_at: '2026-01-01T00:00:00.000Z' } },
      { type: 'state', state: { stream: 'alpha', data: { last_id: 1 } } },
    ];
    async function* stdin() {
      // Split mid-line, as a pipe may deliver it.
      const text = input.map((m) => `${JSON.stringify(m)}\n`).join('');
      yield text.slice(0, 17);
      yield text.slice(17);
    }
    const argv = ['write', '--config', await file('collect.json', { path: out }), '--catalog', await file('catalog.json', catalog)];
    const { code, messages } = await serve(collectDestination, argv, stdin());
    expect(code).toBe(0);
    expect(messages).toEqual([input[1]]);
  });

  test('stdout is written only as fast as it is read', async () => {
    let produced = 0;
    const endless = defineSource({
      configSchema: counterSource.configSchema,
      check: counterSource.check,
      discover: counterSource.discover,
      async *read() {
        while (true) {
          produced++;
          yield { type: 'log', log: { level: 'info', message: 'tick' } } satisfies Message;
        }
      },
    });
    let accepted = 0;
    let gone!: () => void;
    const stopped = new Promise<void>((resolve) => (gone = resolve));
    const slow = new Writable({
      highWaterMark: 1024,
      write(_chunk, _enc, callback) {
        accepted++;
        if (accepted === 50) {
          gone();
          callback(new Error('EPIPE: the reader went away'));
        } else setTimeout(callback, 5);
      },
    });
    const config = await file('config.json', { count: 1, page_size: 1 });
    const exit = serveConnector(endless, ['read', '--config', config, '--catalog', await file('catalog.json', catalog)], (async function* () {})(), slow);
    await stopped;
    // While the reader took 50 lines, the source was pulled only as far as the stream's buffer allows.
    expect(produced).toBeLessThan(accepted + 1024 / 50 + 5);
    // And a reader that goes away ends the connector with exit 1, not a crash or a hang.
    expect(await Promise.race([exit, sleep(2000).then(() => 'hung')])).toBe(1);
  });
});
