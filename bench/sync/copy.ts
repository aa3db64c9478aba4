/**
 * `COPY … FROM STDIN` on a plain `pg` client, without pg-copy-streams: pg runs any "submittable" (an
 * object with `submit(connection)`) as the active query and hands it the protocol messages of its turn —
 * here CopyInResponse, CommandComplete, ErrorResponse, ReadyForQuery. The rows go out as CopyData messages
 * of about 64 KiB, waiting for the socket to drain, so memory stays bounded whatever the row count.
 */
import { once } from 'node:events';
import type pg from 'pg';

/** The parts of pg's Connection a COPY needs (its typings leave the copy methods out). */
interface CopyConnection {
  stream: NodeJS.WritableStream & { writableNeedDrain: boolean };
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
  sendCopyFail(message: string): void;
}

const CHUNK_BYTES = 64 * 1024;

/** One row in COPY's text format: tab-separated, `\N` for null, backslash escapes. */
export function copyTextRow(cells: readonly (string | null)[]): string {
  return `${cells.map((c) => (c === null ? '\\N' : c.replace(/[\\\n\r\t]/g, escapeChar))).join('\t')}\n`;
}

function escapeChar(ch: string): string {
  return ch === '\\' ? '\\\\' : ch === '\n' ? '\\n' : ch === '\r' ? '\\r' : '\\t';
}

/** Runs `sql` (a `copy … from stdin`) sending `lines`; resolves with the row count COPY reports. */
export function copyFromStdin(client: pg.Client, sql: string, lines: Iterable<string>): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    let rows = -1;
    let failure: Error | undefined;
    let settled = false;
    const settle = (err?: Error) => {
      if (settled) return;
      settled = true;
      if (err) reject(err);
      else resolve(rows);
    };

    async function pump(connection: CopyConnection): Promise<void> {
      let parts: string[] = [];
      let size = 0;
      const flush = async () => {
        connection.sendCopyFromChunk(Buffer.from(parts.join(''), 'utf8'));
        parts = [];
        size = 0;
        if (connection.stream.writableNeedDrain) await once(connection.stream, 'drain');
      };
      for (const line of lines) {
        parts.push(line);
        size += line.length;
        if (size >= CHUNK_BYTES) await flush();
      }
      if (size > 0) await flush();
      connection.endCopyFrom();
    }

    const submittable = {
      submit(connection: CopyConnection) {
        connection.query(sql);
      },
      handleCopyInResponse(connection: CopyConnection) {
        pump(connection).catch((err: unknown) => {
          failure = err instanceof Error ? err : new Error(String(err));
          connection.sendCopyFail(failure.message);
        });
      },
      handleCommandComplete(msg: { text: string }) {
        // "COPY 100000"
        rows = Number(msg.text.split(' ').at(-1));
      },
      handleError(err: Error) {
        failure ??= err;
        // A broken connection never sends ReadyForQuery: settle now.
        settle(failure);
      },
      handleReadyForQuery() {
        settle(failure);
      },
    };
    client.query(submittable as unknown as pg.Submittable);
  });
}
