/**
 * A Destination for sync tests: inserts each page of records into `<schema>.sink` of the engine's own
 * database (no key, so a duplicate shows up as a second row) and yields each state only after that
 * insert has committed. `failAtState` makes it throw on receiving that state, before committing or acknowledging it.
 */
import { z } from 'zod';
import type { Db } from '../../src/db/db.ts';
import { defineDestination, type Destination } from '../../src/protocol/connector.ts';
import { UpstreamUnavailable } from '../../src/protocol/errors.ts';
import type { Message } from '../../src/protocol/messages.ts';

export interface SinkOptions {
  /** 1-based number of the state message (counted across calls to write) on which to fail. */
  failAtState?: number;
}

export async function createSinkTable(db: Db, schema: string): Promise<void> {
  await db.query(`create table "${schema}".sink (stream text not null, id integer not null)`);
}

export function sinkDestination(db: Db, schema: string, options: SinkOptions = {}): Destination {
  let states = 0;
  return defineDestination({
    configSchema: z.object({}),
    async *check() {
      yield { type: 'connection_status', connection_status: { status: 'succeeded' } };
    },
    async *write(_params, messages): AsyncGenerator<Message> {
      let buffer: { stream: string; id: number }[] = [];
      for await (const message of messages) {
        if (message.type === 'record') {
          buffer.push({ stream: message.record.stream, id: Number(message.record.data.id) });
        } else if (message.type === 'state') {
          states++;
          if (options.failAtState === states) throw new UpstreamUnavailable(`sink: failing at state ${states}`);
          const page = buffer;
          buffer = [];
          await db.transaction(async (tx) => {
            if (page.length === 0) return;
            await tx.query(`insert into "${schema}".sink (stream, id) select $1, unnest($2::integer[])`, [page[0]!.stream, page.map((r) => r.id)]);
          });
          yield message;
        }
      }
    },
  });
}

export async function sinkIds(db: Db, schema: string, stream: string): Promise<number[]> {
  const { rows } = await db.query<{ id: number }>(`select id from "${schema}".sink where stream = $1 order by id`, [stream]);
  return rows.map((r) => r.id);
}
