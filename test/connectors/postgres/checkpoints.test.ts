/**
 * Checkpoints never run ahead of data: when the database fails while a batch is written, the state
 * after that batch is never passed on, none of the batch is left half-written, and the failure
 * surfaces as a typed error (non-retryable for bad data, retryable for a lost connection).
 */
import pg from 'pg';
import { describe, expect, test } from 'vitest';
import { postgresDestination } from '../../../src/connectors/postgres/index.ts';
import { UpstreamUnavailable, ValidationError } from '../../../src/protocol/errors.ts';
import type { Message } from '../../../src/protocol/messages.ts';
import { catalogOf, from, pgConfig, record, state, stream, TEST_DATABASE_URL, useTestSchema } from './test-schema.ts';

const db = useTestSchema();
const catalog = catalogOf(stream('items', { id: { type: 'integer' }, name: { type: 'string' } }));
const page = (first: number, names: string[]): Message[] => [...names.map((name, i) => record('items', { id: first + i, name })), state('items', { after: first + names.length - 1 })];

async function drain(messages: AsyncIterable<Message>): Promise<{ seen: Message[]; error: unknown }> {
  const seen: Message[] = [];
  try {
    for await (const m of messages) seen.push(m);
  } catch (error) {
    return { seen, error };
  }
  return { seen, error: undefined };
}

describe('postgres destination checkpoints', () => {
  test.each([100, 2])('a batch the database rejects yields no state after it, and a typed ValidationError (batch_size %i)', async (batch_size) => {
    // A constraint the destination does not know about makes the second page fail in the database.
    await db.query(`create schema "${db.name}"`);
    await db.query(
      `create table "${db.name}".items (id bigint primary key, name text check (name <> 'poison'), _raw jsonb not null, _synced_at timestamptz not null, _deleted boolean not null default false)`,
    );
    const input = [...page(1, ['a', 'b', 'c']), ...page(4, ['d', 'poison', 'f']), ...page(7, ['g'])];
    const { seen, error } = await drain(postgresDestination.write({ config: pgConfig(db.name, { batch_size }), catalog }, from(input)));

    expect(seen.filter((m) => m.type === 'state').map((m) => m.state.data)).toEqual([{ after: 3 }]);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).message).toMatch(/writing stream "items".*check constraint/);
    expect((error as ValidationError).detail).toMatchObject({ sqlstate: '23514', table: 'items' });
    expect(seen.at(-1)).toMatchObject({ type: 'stream_status', stream_status: { stream: 'items', status: 'incomplete', error: { code: 'validation_error' } } });
    // Everything before the last passed state is there; of the failed transaction, nothing is.
    const ids = (await db.query(`select id::int from "${db.name}".items order by id`)).map((r) => r.id);
    expect(ids.slice(0, 3)).toEqual([1, 2, 3]);
    expect(ids).not.toContain(5);
    if (batch_size === 100) expect(ids).toEqual([1, 2, 3]);
  });

  test('a state of a stream outside the catalog (a global checkpoint) comes back only after every stream is written', async () => {
    const two = catalogOf(stream('items', { id: { type: 'integer' } }), stream('others', { id: { type: 'integer' } }));
    const input = [record('items', { id: 1 }), record('others', { id: 2 }), state('_global', { at: 1 })];
    const it = postgresDestination.write({ config: pgConfig(db.name), catalog: two }, from(input))[Symbol.asyncIterator]();
    expect((await it.next()).value).toEqual(state('_global', { at: 1 }));
    expect(await db.query(`select (select count(*) from "${db.name}".items)::int as items, (select count(*) from "${db.name}".others)::int as others`)).toEqual([{ items: 1, others: 1 }]);
    await it.return?.();
  });

  test('a connection terminated mid-batch yields no state for that batch, and a retryable error', async () => {
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    try {
      const input = async function* (): AsyncGenerator<Message> {
        yield* page(1, ['a', 'b']);
        yield* page(3, ['c', 'd']);
      };
      const it = postgresDestination.write({ config: pgConfig(db.name), catalog }, input())[Symbol.asyncIterator]();
      const first = await it.next();
      expect(first.value).toMatchObject({ type: 'state', state: { data: { after: 2 } } });

      // Hold a lock so the next batch's upsert waits, then terminate exactly the connection waiting on it.
      await admin.query('begin');
      await admin.query(`lock table "${db.name}".items in access exclusive mode`);
      const adminPid = (await admin.query('select pg_backend_pid() as pid')).rows[0].pid as number;
      const killer = (async () => {
        for (let i = 0; i < 200; i++) {
          const { rows } = await admin.query('select pid from pg_stat_activity where $1 = any(pg_blocking_pids(pid))', [adminPid]);
          if (rows.length > 0) {
            await admin.query('select pg_terminate_backend($1)', [rows[0].pid]);
            return;
          }
          await new Promise((r) => setTimeout(r, 25));
        }
        throw new Error('the destination never blocked on the lock');
      })();
      const next = it.next().then(
        (r) => ({ r, error: undefined as unknown }),
        (error: unknown) => ({ r: undefined, error }),
      );
      await killer;
      await admin.query('rollback');

      const rest: Message[] = [];
      let { r, error } = await next;
      while (r && !r.done) {
        rest.push(r.value);
        ({ r, error } = await it.next().then((x) => ({ r: x, error: undefined as unknown }), (e: unknown) => ({ r: undefined, error: e })));
      }
      expect(rest.filter((m) => m.type === 'state')).toEqual([]);
      expect(error).toBeInstanceOf(UpstreamUnavailable);
      expect((error as UpstreamUnavailable).retryable).toBe(true);
      expect((await db.query(`select id::int from "${db.name}".items order by id`)).map((x) => x.id)).toEqual([1, 2]);
    } finally {
      await admin.end();
    }
  });
});

describe('postgres destination connections', () => {
  test('an early return() closes the destination’s connection', async () => {
    const input = async function* (): AsyncGenerator<Message> {
      yield* page(1, ['a']);
      yield* page(2, ['b']);
    };
    const it = postgresDestination.write({ config: pgConfig(db.name), catalog }, input())[Symbol.asyncIterator]();
    expect((await it.next()).value).toMatchObject({ type: 'state' });
    const open = async () =>
      (await db.query(`select count(*)::int as n from pg_stat_activity where application_name = $1`, [`syncbridge-destination-postgres:${db.name}`]))[0]?.n as number;
    expect(await open()).toBe(1);
    await it.return?.();
    for (let i = 0; i < 100 && (await open()) > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await open()).toBe(0);
  });
});
