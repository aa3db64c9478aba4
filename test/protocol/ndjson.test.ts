/**
 * The NDJSON codec: a message stream survives encoding and any chunking of the bytes (mid-line,
 * mid-character), CRLF and a missing final newline are accepted, and a line that is too long, not JSON,
 * or not a message stops the stream with an error naming its line.
 */
import { describe, expect, test } from 'vitest';
import { ProtocolError } from '../../src/protocol/connector-errors.ts';
import type { Message } from '../../src/protocol/messages.ts';
import { decodeNdjson, encodeNdjson } from '../../src/protocol/ndjson.ts';

const messages: Message[] = [
  { type: 'stream_status', stream_status: { stream: 'people', status: 'started' } },
  { type: 'record', record: { stream: 'people', data: { id: 1, name: 'Zoë Ångström 🚀', note: 'line\nbreak "quoted"' }, emitted_at: '2026-01-01T00:00:00.000Z' } },
  { type: 'record', record: { stream: 'people', data: { id: 2, name: '日本語' }, emitted_at: '2026-01-01T00:00:01.000Z', deleted: true } },
  { type: 'state', state: { stream: 'people', data: { last_id: 2 } } },
];

async function* from<T>(items: T[]): AsyncGenerator<T> {
  yield* items;
}

async function decodeAll(chunks: (string | Buffer)[], maxLineBytes?: number): Promise<Message[]> {
  const out: Message[] = [];
  for await (const m of decodeNdjson(from(chunks), maxLineBytes === undefined ? {} : { maxLineBytes })) out.push(m);
  return out;
}

async function encoded(): Promise<string> {
  let text = '';
  for await (const line of encodeNdjson(from(messages))) text += line;
  return text;
}

async function decodeError(chunks: (string | Buffer)[], maxLineBytes?: number): Promise<ProtocolError> {
  const err = await decodeAll(chunks, maxLineBytes).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProtocolError);
  return err as ProtocolError;
}

describe('encodeNdjson', () => {
  test('writes one line per message, each ending in a newline, with no raw newline inside', async () => {
    const text = await encoded();
    const lines = text.split('\n');
    expect(lines).toHaveLength(messages.length + 1);
    expect(lines.at(-1)).toBe('');
    expect(lines.slice(0, -1).map((l) => JSON.parse(l))).toEqual(messages);
  });
});

describe('decodeNdjson', () => {
  test('decodes what was encoded, whatever byte the chunks are cut at — mid-line or mid-character', async () => {
    const bytes = Buffer.from(await encoded());
    for (let cut = 0; cut <= bytes.length; cut++) {
      expect(await decodeAll([bytes.subarray(0, cut), bytes.subarray(cut)]), `cut at byte ${cut}`).toEqual(messages);
    }
    // And one byte at a time.
    expect(await decodeAll([...bytes].map((b) => Buffer.from([b])))).toEqual(messages);
  });

  test('accepts string chunks as well as buffers', async () => {
    const text = await encoded();
    expect(await decodeAll([text.slice(0, 50), text.slice(50)])).toEqual(messages);
  });

  test('accepts CRLF line ends, blank lines, and a final line without a newline', async () => {
    const lines = (await encoded()).trimEnd().split('\n');
    const text = `${lines[0]}\r\n\r\n${lines[1]}\r\n   \n${lines[2]}\n${lines[3]}`;
    expect(await decodeAll([text])).toEqual(messages);
  });

  test('an empty stream is no messages', async () => {
    expect(await decodeAll([])).toEqual([]);
    expect(await decodeAll(['', '\n\n'])).toEqual([]);
  });

  test('a line longer than maxLineBytes is rejected, before the rest of it arrives', async () => {
    const ok = JSON.stringify(messages[0]);
    let pulled = 0;
    async function* endless(): AsyncGenerator<string> {
      yield `${ok}\n`;
      while (true) {
        pulled++;
        yield 'x'.repeat(1000);
      }
    }
    const out: Message[] = [];
    const err = await (async () => {
      for await (const m of decodeNdjson(endless(), { maxLineBytes: 10_000 })) out.push(m);
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProtocolError);
    expect((err as Error).message).toBe('line 2: longer than 10000 bytes');
    expect(out).toEqual([messages[0]]);
    expect(pulled).toBeLessThanOrEqual(11);
  });

  test('a line of exactly maxLineBytes is accepted, with or without a carriage return', async () => {
    const line = JSON.stringify(messages[1]);
    const max = Buffer.byteLength(line);
    expect(await decodeAll([`${line}\n`], max)).toEqual([messages[1]]);
    expect(await decodeAll([`${line}\r\n`], max)).toEqual([messages[1]]);
    expect(await decodeAll([line], max)).toEqual([messages[1]]);
    expect((await decodeError([`${line} \n`], max)).detail).toMatchObject({ line: 1 });
  });

  test('a line that is not JSON is rejected with its line number and an excerpt', async () => {
    const err = await decodeError([`${JSON.stringify(messages[0])}\n\nStarting connector v1.2…\n`]);
    expect(err.message).toMatch(/^line 3: not JSON \(.*\): Starting connector v1\.2…$/);
    expect(err.detail).toMatchObject({ line: 3 });
  });

  test('a line that is JSON but not a message is rejected with its line number and the field', async () => {
    const bad = { type: 'state', state: { stream: '', data: 1 } };
    const err = await decodeError([`${JSON.stringify(messages[0])}\r\n${JSON.stringify(bad)}\r\n`]);
    expect(err.message).toMatch(/^line 2: invalid message: state\.stream: /);
    expect(err.detail).toMatchObject({ line: 2, path: 'state.stream' });
  });

  test('stops at the bad line: the messages before it were yielded, none after', async () => {
    const out: Message[] = [];
    const text = `${JSON.stringify(messages[0])}\n{oops\n${JSON.stringify(messages[1])}\n`;
    await expect(
      (async () => {
        for await (const m of decodeNdjson(from([text]))) out.push(m);
      })(),
    ).rejects.toThrow(/line 2/);
    expect(out).toEqual([messages[0]]);
  });
});
