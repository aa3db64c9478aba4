/**
 * A small least-recently-used cache of what one `GET …/issues/{number}` answered, kept with its ETag so the next
 * read can be conditional: GitHub answers `If-None-Match` with a `304` that does not count against the primary rate
 * limit (reference §5). Bounded, so a provider that reads every issue of a large repository stays small.
 */

export interface Cached<V> {
  etag: string;
  value: V;
}

export class EtagCache<V> {
  readonly #capacity: number;
  // A Map iterates in insertion order: re-inserting on every hit keeps the least recently used first.
  readonly #entries = new Map<number, Cached<V>>();

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0) throw new RangeError(`cache capacity must be a whole number ≥ 0, got ${capacity}`);
    this.#capacity = capacity;
  }

  /** The entry for `key`, now the most recently used. */
  get(key: number): Cached<V> | undefined {
    const hit = this.#entries.get(key);
    if (hit) {
      this.#entries.delete(key);
      this.#entries.set(key, hit);
    }
    return hit;
  }

  /** Stores `value` with its ETag, evicting the least recently used entry when full. */
  set(key: number, etag: string, value: V): void {
    if (this.#capacity === 0) return;
    this.#entries.delete(key);
    this.#entries.set(key, { etag, value });
    while (this.#entries.size > this.#capacity) this.#entries.delete(this.#entries.keys().next().value!);
  }

  delete(key: number): void {
    this.#entries.delete(key);
  }

  get size(): number {
    return this.#entries.size;
  }
}
