/**
 * The connector conformance suites: the same checks run against a connector in-process and as a
 * subprocess, so both forms are held to one contract (the protocol, src/protocol/connector.ts). A
 * connector's test file calls describeSourceConformance / describeDestinationConformance once.
 */
import { describe, expect, test } from 'vitest';
import type { Destination, Source } from '../../src/protocol/connector.ts';
import { ValidationError } from '../../src/protocol/errors.ts';
import { expectMessage } from '../../src/protocol/expect-message.ts';
import { Catalog, Message, type ConfiguredCatalog, type RecordMessage, type StreamDescriptor } from '../../src/protocol/messages.ts';

/** Lets the suite see the processes a subprocess form starts, to check none is left running. */
export interface ProcessHooks {
  onSpawn(pid: number): void;
}

export interface SourceConformanceConfig {
  /** A config check accepts and read can run quickly (a few pages). */
  good: unknown;
  /** A config the connector must report as failed. */
  bad: unknown;
  /** When known: a state must follow at least every `pageSize` records. */
  pageSize?: number;
}

export interface DestinationConformanceConfig {
  good: unknown;
  bad: unknown;
  /** The records the destination has made durable so far under `good`, as `{ stream, data }`, oldest first. */
  readBack(): Promise<{ stream: string; data: Record<string, unknown> }[]>;
  /** Clears what readBack sees, before each test. */
  reset(): Promise<void>;
}

/** Collects every message, validating each against the protocol's schemas. */
export async function collect(messages: AsyncIterable<Message>): Promise<Message[]> {
  const out: Message[] = [];
  for await (const message of messages) out.push(Message.parse(message));
  return out;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function configure(stream: StreamDescriptor): ConfiguredCatalog {
  const sync_mode = stream.supported_sync_modes.includes('incremental') ? 'incremental' : 'full_refresh';
  return { streams: [{ stream, sync_mode }] };
}

/**
 * Source conformance: spec, check (good and bad config), discover, read of one selected stream
 * (valid messages, only that stream, a state after each page, started … complete), resume from a
 * state, a bad config on read, and an early `return()` that stops the source and its process.
 */
export function describeSourceConformance(
  name: string,
  makeInProcess: () => Source,
  makeSubprocess: (hooks: ProcessHooks) => Source,
  config: SourceConformanceConfig,
): void {
  const forms: [string, (hooks: ProcessHooks) => Source][] = [
    ['in-process', () => makeInProcess()],
    ['subprocess', makeSubprocess],
  ];
  for (const [form, make] of forms) {
    describe(`${name} (${form}) conforms to the source protocol`, () => {
      const pids: number[] = [];
      const source = () => make({ onSpawn: (pid) => pids.push(pid) });

      // The last stream, so a source that ignores the selection and reads the first one is caught.
      async function selectedStream(s: Source): Promise<StreamDescriptor> {
        const { catalog } = await expectMessage(s.discover({ config: config.good }), 'catalog');
        return catalog.streams[catalog.streams.length - 1]!;
      }

      test('spec describes the config with a JSON Schema object', async () => {
        const messages = await collect(source().spec());
        const spec = messages.find((m) => m.type === 'spec');
        expect(spec?.spec.config_schema).toMatchObject({ type: 'object' });
      });

      test('check succeeds with a good config', async () => {
        const { connection_status } = await expectMessage(source().check({ config: config.good }), 'connection_status');
        expect(connection_status.status).toBe('succeeded');
      });

      test('check reports failed, and does not throw, with a bad config', async () => {
        const messages = await collect(source().check({ config: config.bad }));
        const status = messages.find((m) => m.type === 'connection_status');
        expect(status?.connection_status.status).toBe('failed');
        expect(status?.connection_status.message).toBeTruthy();
      });

      test('discover returns a catalog whose streams validate and have unique names', async () => {
        const messages = await collect(source().discover({ config: config.good }));
        const catalogs = messages.filter((m) => m.type === 'catalog');
        expect(catalogs).toHaveLength(1);
        const catalog = Catalog.parse(catalogs[0]!.catalog);
        expect(catalog.streams.length).toBeGreaterThan(0);
        const names = catalog.streams.map((s) => s.name);
        expect(new Set(names).size).toBe(names.length);
      });

      test('read yields valid messages for the selected stream only: started, records and states, complete', async () => {
        const s = source();
        const stream = await selectedStream(s);
        const messages = await collect(s.read({ config: config.good, catalog: configure(stream) }));

        const records = messages.filter((m) => m.type === 'record');
        expect(records.length).toBeGreaterThan(0);
        for (const m of messages) {
          const about =
            m.type === 'record' ? m.record.stream
            : m.type === 'state' ? m.state.stream
            : m.type === 'stream_status' ? m.stream_status.stream
            : m.type === 'trace' && m.trace.type === 'progress' ? m.trace.progress.stream
            : stream.name;
          expect(about, JSON.stringify(m)).toBe(stream.name);
        }
        for (const r of records) for (const key of stream.primary_key) expect(r.record.data).toHaveProperty(key);

        const statuses = messages.filter((m) => m.type === 'stream_status').map((m) => m.stream_status.status);
        expect(statuses[0]).toBe('started');
        expect(statuses.at(-1)).toBe('complete');
        expect(messages.findIndex((m) => m.type === 'stream_status')).toBeLessThan(messages.findIndex((m) => m.type === 'record'));

        // Every record is covered by a later state, and states come at least once a page.
        let sinceState = 0;
        for (const m of messages) {
          if (m.type === 'record') sinceState++;
          if (m.type === 'state') sinceState = 0;
          if (config.pageSize !== undefined) expect(sinceState).toBeLessThanOrEqual(config.pageSize);
        }
        expect(sinceState).toBe(0);
      });

      test('read resumed from a state yields exactly the records that followed that state', async () => {
        const s = source();
        const stream = await selectedStream(s);
        const catalog = configure(stream);
        const first = await collect(s.read({ config: config.good, catalog }));
        const at = first.findIndex((m) => m.type === 'state');
        const state = first[at];
        if (state?.type !== 'state') throw new Error('the first read had no state message');
        const data = (ms: Message[]) => ms.filter((m): m is RecordMessage => m.type === 'record').map((m) => m.record.data);

        const resumed = await collect(s.read({ config: config.good, catalog, state: { [stream.name]: state.state.data } }));
        expect(data(first.slice(0, at)).length).toBeGreaterThan(0);
        expect(data(resumed)).toEqual(data(first.slice(at + 1)));
      });

      test('read with a bad config throws a non-retryable ValidationError', async () => {
        const s = source();
        const stream = await selectedStream(s);
        const error = await collect(s.read({ config: config.bad, catalog: configure(stream) })).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ValidationError);
        expect((error as ValidationError).retryable).toBe(false);
      });

      test('an early return() stops the source, and its process', async () => {
        const s = source();
        const stream = await selectedStream(s);
        pids.length = 0;
        const iterator = s.read({ config: config.good, catalog: configure(stream) })[Symbol.asyncIterator]();
        let next = await iterator.next();
        while (!next.done && next.value.type !== 'record') next = await iterator.next();
        expect(next.done).toBe(false);
        await iterator.return?.();
        expect(await iterator.next()).toEqual({ done: true, value: undefined });
        for (const pid of pids) expect(isAlive(pid), `process ${pid} still running`).toBe(false);
      });
    });
  }
}

/**
 * Destination conformance: spec, check (good and bad config), and write: every state comes back, in
 * order, and only once the records before it can be read back; records of every stream are kept.
 */
export function describeDestinationConformance(
  name: string,
  makeInProcess: () => Destination,
  makeSubprocess: (hooks: ProcessHooks) => Destination,
  config: DestinationConformanceConfig,
): void {
  const forms: [string, (hooks: ProcessHooks) => Destination][] = [
    ['in-process', () => makeInProcess()],
    ['subprocess', makeSubprocess],
  ];
  const stream = (name: string): StreamDescriptor => ({
    name,
    json_schema: { type: 'object', properties: { id: { type: 'integer' } } },
    primary_key: ['id'],
    supported_sync_modes: ['full_refresh'],
  });
  const catalog: ConfiguredCatalog = {
    streams: ['left', 'right'].map((n) => ({ stream: stream(n), sync_mode: 'full_refresh' as const, destination_sync_mode: 'append' as const })),
  };

  for (const [form, make] of forms) {
    describe(`${name} (${form}) conforms to the destination protocol`, () => {
      const destination = () => make({ onSpawn: () => {} });

      test('spec describes the config with a JSON Schema object', async () => {
        const { spec } = await expectMessage(destination().spec(), 'spec');
        expect(spec.config_schema).toMatchObject({ type: 'object' });
      });

      test('check succeeds with a good config and reports failed, not throws, with a bad one', async () => {
        expect((await expectMessage(destination().check({ config: config.good }), 'connection_status')).connection_status.status).toBe('succeeded');
        expect((await expectMessage(destination().check({ config: config.bad }), 'connection_status')).connection_status.status).toBe('failed');
      });

      test('write passes each state on, in order, only once the records before it are durable', async () => {
        await config.reset();
        const sent: { stream: string; data: Record<string, unknown> }[] = [];
        const input = async function* (): AsyncGenerator<Message> {
          let id = 0;
          for (let page = 1; page <= 4; page++) {
            const name = page % 2 ? 'left' : 'right';
            for (let i = 0; i < 5; i++) {
              const record = { stream: name, data: { id: ++id, page } };
              sent.push(record);
              yield { type: 'record', record: { ...record, emitted_at: new Date().toISOString() } };
            }
            yield { type: 'state', state: { stream: name, data: { page } } };
          }
        };
        const states: unknown[] = [];
        for await (const m of destination().write({ config: config.good, catalog }, input())) {
          Message.parse(m);
          if (m.type !== 'state') continue;
          states.push(m.state.data);
          const page = (m.state.data as { page: number }).page;
          // Everything sent up to this page's state must already be readable.
          const durable = await config.readBack();
          expect(durable.slice(0, page * 5)).toEqual(sent.slice(0, page * 5));
        }
        expect(states).toEqual([{ page: 1 }, { page: 2 }, { page: 3 }, { page: 4 }]);
        expect(await config.readBack()).toEqual(sent);
      });
    });
  }
}
