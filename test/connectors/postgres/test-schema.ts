/**
 * Each Postgres destination test gets its own schema on the real local Postgres (TEST_DATABASE_URL),
 * dropped afterwards, and a client to look at what was written. Fails loud when Postgres is down.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { PostgresDestinationConfig } from '../../../src/connectors/postgres/spec.ts';
import type { ConfiguredCatalog, Message, StreamDescriptor } from '../../../src/protocol/messages.ts';
import { pgHelp, TEST_DATABASE_URL } from '../../helpers/backends.ts';

export { TEST_DATABASE_URL };

export interface TestSchema {
  /** This test's schema name (fresh per test). */
  readonly name: string;
  query(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
}

export function newSchemaName(): string {
  return `pgdest_${randomBytes(5).toString('hex')}`;
}

/** Registers the hooks; read `name` inside a test. */
export function useTestSchema(): TestSchema {
  let client: pg.Client;
  let name = '';
  beforeAll(async () => {
    client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect().catch((err: unknown) => {
      throw new Error(`${(err as Error).message}\n${pgHelp}`);
    });
  });
  afterAll(async () => {
    await client.end();
  });
  beforeEach(() => {
    name = newSchemaName();
  });
  afterEach(async () => {
    await client.query(`drop schema if exists "${name}" cascade`);
  });
  return {
    get name() {
      return name;
    },
    async query(sql, params) {
      return (await client.query(sql, params)).rows as Record<string, unknown>[];
    },
  };
}

export function stream(name: string, properties: Record<string, unknown>, primary_key = ['id']): StreamDescriptor {
  return { name, json_schema: { type: 'object', properties }, primary_key, supported_sync_modes: ['full_refresh', 'incremental'] };
}

export function catalogOf(...streams: StreamDescriptor[]): ConfiguredCatalog {
  return { streams: streams.map((s) => ({ stream: s, sync_mode: 'full_refresh' as const, destination_sync_mode: 'upsert' as const })) };
}

export function record(stream: string, data: Record<string, unknown>, deleted?: boolean): Message {
  return { type: 'record', record: { stream, data, emitted_at: new Date().toISOString(), ...(deleted ? { deleted } : {}) } };
}

export function state(stream: string, data: Record<string, unknown> | null): Message {
  return { type: 'state', state: { stream, data } };
}

export async function* from(messages: Iterable<Message>): AsyncGenerator<Message> {
  yield* messages;
}

/** The inserted/updated/skipped/deleted counts the write reported for `stream` (its postgres_stream_written log). */
export function countsOf(messages: readonly Message[], stream: string): Record<string, unknown> | undefined {
  for (const m of messages) {
    const fields = m.type === 'log' && m.log.message === 'postgres_stream_written' ? (m.log.fields ?? {}) : {};
    if (fields.stream === stream) {
      const { inserted, updated, skipped, deleted } = fields;
      return { inserted, updated, skipped, deleted };
    }
  }
  return undefined;
}

/** A destination config on the test database, defaults applied. */
export function pgConfig(schema: string, extra: Record<string, unknown> = {}, connection_string = TEST_DATABASE_URL): PostgresDestinationConfig {
  return PostgresDestinationConfig.parse({ connection_string, schema, ...extra });
}
