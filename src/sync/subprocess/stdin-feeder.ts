/**
 * Pumps messages into a child's stdin as NDJSON, one at a time and only as fast as the child reads:
 * after a write the pipe reports full, the next message is not even pulled from upstream until it
 * drains. So a slow destination slows its source, in this process and in the source's.
 */
import type { Writable } from 'node:stream';
import type { Message } from '../../protocol/messages.ts';
import type { IdleWatchdog } from './idle-watchdog.ts';

export class StdinFeeder {
  /** What the input threw, if it did: the write fails with this, as it would in-process. */
  error: unknown = undefined;
  private stopped = false;
  private readonly stdin: Writable;
  private wakeUp: (() => void) | undefined;

  constructor(input: AsyncIterable<Message>, stdin: Writable, watchdog: IdleWatchdog, onInputError: () => void) {
    this.stdin = stdin;
    void this.run(input, watchdog, onInputError);
  }

  /** Stops pulling input (the consumer left, or the child ended); the input is closed with `return()`. */
  stop(): void {
    this.stopped = true;
    this.wakeUp?.();
  }

  private async run(input: AsyncIterable<Message>, watchdog: IdleWatchdog, onInputError: () => void): Promise<void> {
    const messages = input[Symbol.asyncIterator]();
    let finished = false;
    try {
      while (!this.stopped) {
        watchdog.upstream(true);
        let next: IteratorResult<Message>;
        try {
          next = await messages.next();
        } finally {
          watchdog.upstream(false);
        }
        if (next.done) {
          finished = true;
          break;
        }
        if (this.stopped || this.stdin.destroyed) break;
        if (!this.stdin.write(`${JSON.stringify(next.value)}\n`)) await this.drained(watchdog);
      }
      if (finished && !this.stdin.destroyed) this.stdin.end();
    } catch (err) {
      finished = true; // a throwing iterator is done; return() would only queue behind nothing
      this.error = err;
      onInputError();
    } finally {
      if (!finished) await Promise.resolve(messages.return?.()).catch(() => {});
    }
  }

  private drained(watchdog: IdleWatchdog): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.wakeUp = undefined;
        this.stdin.off('drain', onDrain).off('close', done);
        resolve();
      };
      const onDrain = () => {
        watchdog.touch(); // the child is reading: alive
        done();
      };
      this.wakeUp = done;
      this.stdin.on('drain', onDrain).on('close', done);
    });
  }
}
