/**
 * A proactive limit of N requests per rolling second: the start times of the last N requests are kept and
 * a new one waits until the oldest is a second (plus a small margin for network jitter) old. Stricter than
 * a token bucket, whose full burst plus refill can reach 2N in one rolling second.
 */
import { setTimeout as sleep } from 'node:timers/promises';

// Arrival at the upstream can compress send gaps (a busy event loop delays one send, not the next); the
// margin keeps its window ≤ N too. 60 ms held on a loaded 2-core machine where 15 ms did not.
const MARGIN_MS = 60;

export class RateWindow {
  readonly #perSecond: number;
  readonly #starts: number[] = [];
  #queue: Promise<void> = Promise.resolve();

  constructor(perSecond: number) {
    this.#perSecond = Math.max(1, Math.floor(perSecond));
  }

  /** Resolves when one more request may start; callers are served in order. */
  take(signal?: AbortSignal): Promise<void> {
    const turn = this.#queue.then(() => this.#wait(signal));
    // A failed wait (abort) must not block the callers behind it.
    this.#queue = turn.catch(() => {});
    return turn;
  }

  async #wait(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const now = Date.now();
      while (this.#starts.length > 0 && now - this.#starts[0]! >= 1000 + MARGIN_MS) this.#starts.shift();
      if (this.#starts.length < this.#perSecond) {
        this.#starts.push(now);
        return;
      }
      await sleep(this.#starts[0]! + 1000 + MARGIN_MS - now, undefined, signal ? { signal } : undefined);
    }
  }
}
