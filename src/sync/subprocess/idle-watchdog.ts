/**
 * Decides when a connector is hung: the timer runs only while we wait on the child — the consumer asked
 * for the next message and the child is not itself waiting on input we have yet to get from upstream —
 * and any sign of life (a byte on stdout or stderr, stdin draining) restarts it. A slow consumer or a
 * slow upstream therefore never times a connector out; a silent connector does.
 */
export class IdleWatchdog {
  private readonly timeoutMs: number;
  private readonly onIdle: () => void;
  private consumerWaiting = false;
  private upstreamWaiting = false;
  private timer: NodeJS.Timeout | undefined;
  private fired = false;

  constructor(timeoutMs: number, onIdle: () => void) {
    this.timeoutMs = timeoutMs;
    this.onIdle = onIdle;
  }

  /** The consumer is (or stopped) waiting for the child's next message or exit. */
  waiting(on: boolean): void {
    this.consumerWaiting = on;
    this.reschedule();
  }

  /** We are (or stopped) waiting on upstream for the next message to give the child. */
  upstream(on: boolean): void {
    this.upstreamWaiting = on;
    this.reschedule();
  }

  /** The child did something. */
  touch(): void {
    if (this.timer) this.reschedule();
  }

  stop(): void {
    this.fired = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private reschedule(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.fired || !this.consumerWaiting || this.upstreamWaiting) return;
    this.timer = setTimeout(() => {
      this.fired = true;
      this.onIdle();
    }, this.timeoutMs);
  }
}
