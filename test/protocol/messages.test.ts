/**
 * The wire format: every message kind parses in its documented shape, snake_case everywhere, and a bad
 * message is rejected with an error that names the path of the bad field.
 */
import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { ProtocolError } from '../../src/protocol/connector-errors.ts';
import { ConfiguredCatalog, Message, parseMessage, SourceState } from '../../src/protocol/messages.ts';

const stream = {
  name: 'customers',
  json_schema: { type: 'object', properties: { id: { type: 'string' } } },
  primary_key: ['id'],
  cursor_field: 'updated_at',
  supported_sync_modes: ['full_refresh', 'incremental'],
};

const valid: Record<Message['type'], unknown[]> = {
  record: [
    { type: 'record', record: { stream: 'customers', data: { id: 'c_1' }, emitted_at: '2026-01-01T00:00:00.000Z' } },
    { type: 'record', record: { stream: 'customers', data: { id: 'c_2' }, emitted_at: '2026-01-01T00:00:00Z', deleted: true } },
  ],
  state: [
    { type: 'state', state: { stream: 'customers', data: { cursor: 'abc', page: 3 } } },
    { type: 'state', state: { stream: 'customers', data: null } },
  ],
  catalog: [{ type: 'catalog', catalog: { streams: [stream] } }],
  log: [
    { type: 'log', log: { level: 'info', message: 'page.fetched' } },
    { type: 'log', log: { level: 'warn', message: 'page.slow', fields: { duration_ms: 912 } } },
  ],
  stream_status: [
    { type: 'stream_status', stream_status: { stream: 'customers', status: 'started' } },
    { type: 'stream_status', stream_status: { stream: 'customers', status: 'running', counts: { records: 10, pages: 1 } } },
    { type: 'stream_status', stream_status: { stream: 'customers', status: 'complete', counts: { records: 12, pages: 2, deleted: 1 } } },
    {
      type: 'stream_status',
      stream_status: { stream: 'customers', status: 'incomplete', counts: { records: 3 }, error: { code: 'not_found', message: 'gone', retryable: false } },
    },
  ],
  trace: [
    {
      type: 'trace',
      trace: {
        type: 'error',
        error: { code: 'upstream_rate_limited', message: '429', retryable: true, retry_at: '2026-01-01T00:01:00.000Z', detail: { status: 429 }, error_class: 'UpstreamRateLimited' },
      },
    },
    { type: 'trace', trace: { type: 'progress', progress: { stream: 'customers', records: 100, pages: 1, estimated_total: 5000 } } },
  ],
  spec: [
    { type: 'spec', spec: { config_schema: { type: 'object' } } },
    { type: 'spec', spec: { config_schema: { type: 'object' }, documentation_url: 'https://example.com/docs' } },
  ],
  connection_status: [
    { type: 'connection_status', connection_status: { status: 'succeeded' } },
    { type: 'connection_status', connection_status: { status: 'failed', message: 'bad api key' } },
  ],
};

/** The path and message parseMessage reports for `value`. */
function rejection(value: unknown): { path: unknown; message: string } {
  try {
    parseMessage(value);
  } catch (err) {
    expect(err).toBeInstanceOf(ProtocolError);
    return { path: (err as ProtocolError).detail?.path, message: (err as Error).message };
  }
  throw new Error(`accepted: ${JSON.stringify(value)}`);
}

describe('protocol messages', () => {
  test.each(Object.entries(valid).flatMap(([type, examples]) => examples.map((e, i) => [`${type} #${i + 1}`, e] as const)))(
    'a valid %s message parses to itself',
    (_name, example) => {
      expect(parseMessage(example)).toEqual(example);
      // And survives the wire.
      expect(parseMessage(JSON.parse(JSON.stringify(example)))).toEqual(example);
    },
  );

  test('every message kind has examples here', () => {
    const kinds = Message.options.map((o) => o.shape.type.value);
    expect(Object.keys(valid).sort()).toEqual([...kinds].sort());
  });

  test('every field name on the wire is snake_case', () => {
    const names = new Set<string>();
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) return node.forEach(walk);
      if (typeof node !== 'object' || node === null) return;
      for (const [key, value] of Object.entries(node)) {
        if (key === 'properties' && typeof value === 'object' && value) for (const name of Object.keys(value)) names.add(name);
        walk(value);
      }
    };
    walk(z.toJSONSchema(Message, { unrepresentable: 'any' }));
    walk(z.toJSONSchema(ConfiguredCatalog, { unrepresentable: 'any' }));
    expect(names.size).toBeGreaterThan(30);
    expect([...names].filter((n) => !/^[a-z][a-z0-9_]*$/.test(n))).toEqual([]);
  });

  test('every field is described', () => {
    const undocumented: string[] = [];
    const walk = (node: unknown, path: string): void => {
      if (typeof node !== 'object' || node === null) return;
      const n = node as { properties?: Record<string, { description?: string; $ref?: string }> };
      for (const [name, prop] of Object.entries(n.properties ?? {})) {
        if (name !== 'type' && !prop.description && !prop.$ref) undocumented.push(`${path}.${name}`);
      }
      for (const [key, value] of Object.entries(node)) walk(value, `${path}.${key}`);
    };
    walk(z.toJSONSchema(Message, { unrepresentable: 'any' }), '');
    expect(undocumented).toEqual([]);
  });
});

describe('a bad message is rejected naming the bad field', () => {
  test('an emitted_at that is not a UTC ISO timestamp', () => {
    expect(rejection({ type: 'record', record: { stream: 's', data: {}, emitted_at: '2026-01-01 10:00' } })).toMatchObject({
      path: 'record.emitted_at',
      message: expect.stringMatching(/^invalid message: record\.emitted_at: /),
    });
    expect(rejection({ type: 'record', record: { stream: 's', data: {}, emitted_at: '2026-01-01T10:00:00+02:00' } }).path).toBe('record.emitted_at');
  });

  test('camelCase field names are not accepted for snake_case ones', () => {
    expect(rejection({ type: 'record', record: { stream: 's', data: {}, emittedAt: '2026-01-01T00:00:00Z' } }).path).toBe('record.emitted_at');
    expect(rejection({ type: 'connectionStatus', connectionStatus: { status: 'succeeded' } }).path).toBe('type');
  });

  test('record data must be an object', () => {
    expect(rejection({ type: 'record', record: { stream: 's', data: [1, 2], emitted_at: '2026-01-01T00:00:00Z' } }).path).toBe('record.data');
  });

  test('an unknown message type names the known ones', () => {
    const { path, message } = rejection({ type: 'recrod', recrod: {} });
    expect(path).toBe('type');
    expect(message).toMatch(/'record'/);
  });

  test('a state without its cursor (null is a cursor; missing is not)', () => {
    expect(rejection({ type: 'state', state: { stream: 's' } })).toMatchObject({ path: 'state.data', message: expect.stringMatching(/cursor/) });
  });

  test('a catalog stream without a primary key, with the index of the stream', () => {
    const bad = { type: 'catalog', catalog: { streams: [stream, { ...stream, name: 'x', primary_key: [] }] } };
    expect(rejection(bad).path).toBe('catalog.streams[1].primary_key');
  });

  test('an unknown sync mode, a stream_status, a trace subtype', () => {
    expect(rejection({ type: 'catalog', catalog: { streams: [{ ...stream, supported_sync_modes: ['cdc'] }] } }).path).toBe('catalog.streams[0].supported_sync_modes[0]');
    expect(rejection({ type: 'stream_status', stream_status: { stream: 's', status: 'done' } }).path).toBe('stream_status.status');
    expect(rejection({ type: 'trace', trace: { type: 'estimate' } }).path).toBe('trace.type');
    expect(rejection({ type: 'trace', trace: { type: 'error', error: { code: 'x', message: 'm' } } }).path).toBe('trace.error.retryable');
  });

  test('a non-object', () => {
    expect(rejection('hello').message).toMatch(/invalid message: \(root\)/);
    expect(rejection(null).message).toMatch(/invalid message/);
  });
});

describe('configured catalog and state', () => {
  test('a configured catalog parses with and without a destination sync mode', () => {
    const catalog = { streams: [{ stream, sync_mode: 'incremental', destination_sync_mode: 'upsert' }, { stream: { ...stream, name: 'b' }, sync_mode: 'full_refresh' }] };
    expect(ConfiguredCatalog.parse(catalog)).toEqual(catalog);
  });

  test('a sync mode the stream does not support is rejected', () => {
    const result = ConfiguredCatalog.safeParse({ streams: [{ stream: { ...stream, supported_sync_modes: ['full_refresh'] }, sync_mode: 'incremental' }] });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['streams', 0, 'sync_mode']);
  });

  test('a stream selected twice is rejected', () => {
    const result = ConfiguredCatalog.safeParse({ streams: [{ stream, sync_mode: 'incremental' }, { stream, sync_mode: 'full_refresh' }] });
    expect(result.error?.issues[0]).toMatchObject({ path: ['streams', 1, 'stream', 'name'], message: 'stream "customers" is selected twice' });
  });

  test('an unknown destination sync mode is rejected', () => {
    expect(ConfiguredCatalog.safeParse({ streams: [{ stream, sync_mode: 'incremental', destination_sync_mode: 'merge' }] }).success).toBe(false);
  });

  test('source state maps stream names to opaque cursors', () => {
    expect(SourceState.parse({ customers: { cursor: 'x' }, invoices: 42 })).toEqual({ customers: { cursor: 'x' }, invoices: 42 });
    expect(SourceState.safeParse([1]).success).toBe(false);
  });
});
