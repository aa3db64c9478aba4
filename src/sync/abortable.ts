/**
 * Iterates an async iterable until it ends or `signal` aborts — even while a `next()` is pending (a hung
 * upstream, a slow commit). On any early exit it calls the iterator's `return()` so its `finally` runs;
 * not awaited when a `next()` is still pending, since a generator queues `return()` behind it.
 */

export async function* abortable<T>(iterable: AsyncIterable<T>, signal: AbortSignal): AsyncGenerator<T> {
  const it = iterable[Symbol.asyncIterator]();
  let finished = false;
  let pending = false;
  try {
    for (;;) {
      signal.throwIfAborted();
      pending = true;
      let step: IteratorResult<T>;
      try {
        step = await raceAbort(it.next(), signal);
      } catch (err) {
        // A rejected next() has ended the iterator already; only an abort leaves it mid-step.
        if (!signal.aborted) finished = true;
        throw err;
      }
      pending = false;
      if (step.done) {
        finished = true;
        return;
      }
      yield step.value;
    }
  } finally {
    if (!finished && it.return) {
      const closing = Promise.resolve(it.return()).catch(() => {});
      if (!pending) await closing;
    }
  }
}

/** `promise`, or a rejection with the signal's reason as soon as it aborts, whichever is first. */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
