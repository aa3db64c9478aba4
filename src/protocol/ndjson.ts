/**
 * The protocol on a byte stream: one JSON message per line. Decoding works on bytes, so a chunk may end
 * anywhere (mid-line, mid-character); a line's length is bounded before it is buffered whole; every line
 * is validated, and a bad one stops the stream with an error naming its line number and field.
 */
import { ProtocolError } from './connector-errors.ts';
import { parseMessage, type Message } from './messages.ts';

/** The longest line decoded unless the caller says otherwise: large records fit, a runaway line does not. */
export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const EXCERPT_CHARS = 120;

/** One line per message, each ending in `\n`. */
export async function* encodeNdjson(messages: AsyncIterable<Message>): AsyncGenerator<string> {
  for await (const message of messages) yield `${JSON.stringify(message)}\n`;
}

/**
 * Messages from NDJSON chunks. Accepts `\n` and `\r\n` line ends, skips blank lines, accepts a last
 * line without a newline, and throws a ProtocolError for a line over `maxLineBytes`, a line that is not
 * JSON, or one that is not a valid message.
 */
export async function* decodeNdjson(
  chunks: AsyncIterable<string | Buffer>,
  { maxLineBytes = DEFAULT_MAX_LINE_BYTES }: { maxLineBytes?: number } = {},
): AsyncGenerator<Message> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let lineNumber = 0;
  for await (const chunk of chunks) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    let start = 0;
    for (let nl = bytes.indexOf(NEWLINE, start); nl !== -1; nl = bytes.indexOf(NEWLINE, start)) {
      lineNumber++;
      const tail = bytes.subarray(start, nl);
      if (pendingBytes + tail.length > maxLineBytes + 1) throw tooLong(lineNumber, maxLineBytes);
      const line = pendingBytes === 0 ? tail : Buffer.concat([...pending, tail], pendingBytes + tail.length);
      pending = [];
      pendingBytes = 0;
      start = nl + 1;
      const message = decodeLine(line, lineNumber, maxLineBytes);
      if (message) yield message;
    }
    if (start < bytes.length) {
      pending.push(bytes.subarray(start));
      pendingBytes += bytes.length - start;
      // Checked as it grows, so a line that never ends cannot fill memory. (+1: a `\r` before the newline.)
      if (pendingBytes > maxLineBytes + 1) throw tooLong(lineNumber + 1, maxLineBytes);
    }
  }
  if (pendingBytes > 0) {
    const message = decodeLine(Buffer.concat(pending, pendingBytes), lineNumber + 1, maxLineBytes);
    if (message) yield message;
  }
}

function decodeLine(raw: Buffer, lineNumber: number, maxLineBytes: number): Message | undefined {
  const line = raw.length > 0 && raw[raw.length - 1] === CARRIAGE_RETURN ? raw.subarray(0, raw.length - 1) : raw;
  if (line.length > maxLineBytes) throw tooLong(lineNumber, maxLineBytes);
  const text = line.toString('utf8');
  if (text.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ProtocolError(`line ${lineNumber}: not JSON (${(err as Error).message}): ${excerpt(text)}`, {
      detail: { line: lineNumber, excerpt: excerpt(text) },
    });
  }
  try {
    return parseMessage(value);
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err;
    throw new ProtocolError(`line ${lineNumber}: ${err.message}`, { detail: { ...err.detail, line: lineNumber } });
  }
}

function tooLong(lineNumber: number, maxLineBytes: number): ProtocolError {
  return new ProtocolError(`line ${lineNumber}: longer than ${maxLineBytes} bytes`, { detail: { line: lineNumber, max_line_bytes: maxLineBytes } });
}

function excerpt(text: string): string {
  return text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS)}…` : text;
}
