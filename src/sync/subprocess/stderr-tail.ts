/**
 * A connector's stderr as lines: each complete line goes to a callback (the caller's log), and only
 * the last `maxBytes` are kept, for the error that reports why the connector stopped. Memory stays
 * bounded however much or however long the lines a child writes.
 */
import { StringDecoder } from 'node:string_decoder';

/** Longest line handed on whole; a longer one is cut into pieces of this size. */
const MAX_LINE_CHARS = 16 * 1024;

export class StderrTail {
  private readonly maxBytes: number;
  private readonly onLine: ((line: string) => void) | undefined;
  private readonly decoder = new StringDecoder('utf8');
  private readonly lines: string[] = [];
  private keptBytes = 0;
  private partial = '';

  constructor(maxBytes: number, onLine?: (line: string) => void) {
    this.maxBytes = maxBytes;
    this.onLine = onLine;
  }

  push(chunk: Buffer | string): void {
    let text = this.partial + (typeof chunk === 'string' ? chunk : this.decoder.write(chunk));
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n')) {
      this.line(text.slice(0, nl));
      text = text.slice(nl + 1);
    }
    while (text.length > MAX_LINE_CHARS) {
      this.line(text.slice(0, MAX_LINE_CHARS));
      text = text.slice(MAX_LINE_CHARS);
    }
    this.partial = text;
  }

  /** The stream ended: a last line without a newline still counts. */
  end(): void {
    const rest = this.partial + this.decoder.end();
    this.partial = '';
    if (rest !== '') this.line(rest);
  }

  /** The last lines, at most about `maxBytes` of them (the oldest kept line may be cut at its start). */
  text(): string {
    const all = [...this.lines, ...(this.partial ? [this.partial] : [])].join('\n');
    return all.length > this.maxBytes ? all.slice(all.length - this.maxBytes) : all;
  }

  private line(raw: string): void {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    this.onLine?.(line);
    this.lines.push(line);
    this.keptBytes += Buffer.byteLength(line) + 1;
    while (this.lines.length > 1 && this.keptBytes - Buffer.byteLength(this.lines[0]!) - 1 >= this.maxBytes) {
      this.keptBytes -= Buffer.byteLength(this.lines.shift()!) + 1;
    }
  }
}
