/**
 * One resource's objects in list order. Rows are kept sorted by (created, seq) ascending, seq being the insertion
 * number, so "newest first with a deterministic tiebreak" is a backwards walk and a cursor is a binary search:
 * a page costs O(log n + limit) on 100 000 rows. Removed rows keep their key so a cursor on them still works.
 */

export interface Keyed {
  id: string;
  created: number;
}

interface Key {
  created: number;
  seq: number;
}

interface Row<T> extends Key {
  obj: T;
}

export interface PageQuery {
  /** Page size, already validated (1–100). */
  limit: number;
  /** `starting_after`: rows strictly older than this key. */
  after?: Key;
  /** `ending_before`: rows strictly newer than this key. */
  before?: Key;
  /** Inclusive `created` bounds in unix seconds (gt/lt are turned into gte/lte by the caller). */
  gte?: number;
  lte?: number;
}

export interface Page<T> {
  data: T[];
  has_more: boolean;
}

const compare = (a: Key, b: Key) => a.created - b.created || a.seq - b.seq;

export class Collection<T extends Keyed> {
  readonly #rows: Row<T>[] = [];
  readonly #byId = new Map<string, Row<T>>();
  readonly #removed = new Map<string, Key>();
  #seq = 0;

  get size(): number {
    return this.#rows.length;
  }

  get(id: string): T | undefined {
    return this.#byId.get(id)?.obj;
  }

  /** Whether the id was ever used here, live or removed. */
  known(id: string): boolean {
    return this.#byId.has(id) || this.#removed.has(id);
  }

  /** The list position of a live or removed row: what a cursor needs. */
  keyOf(id: string): Key | undefined {
    const row = this.#byId.get(id);
    return row ? { created: row.created, seq: row.seq } : this.#removed.get(id);
  }

  insert(obj: T): void {
    if (this.known(obj.id)) throw new Error(`duplicate id ${obj.id}`);
    const row: Row<T> = { obj, created: obj.created, seq: this.#seq++ };
    this.#byId.set(obj.id, row);
    const last = this.#rows[this.#rows.length - 1];
    // The common case (a new object is the newest) appends; older `created` values are spliced into place.
    if (!last || compare(last, row) < 0) this.#rows.push(row);
    else this.#rows.splice(this.#lowerBound(row), 0, row);
  }

  /** Bulk insert for seeding: one sort at the end instead of a splice per row. */
  insertMany(objs: readonly T[]): void {
    let sorted = true;
    let prev = this.#rows[this.#rows.length - 1];
    for (const obj of objs) {
      if (this.known(obj.id)) throw new Error(`duplicate id ${obj.id}`);
      const row: Row<T> = { obj, created: obj.created, seq: this.#seq++ };
      this.#byId.set(obj.id, row);
      this.#rows.push(row);
      if (prev && compare(prev, row) > 0) sorted = false;
      prev = row;
    }
    if (!sorted) this.#rows.sort(compare);
  }

  /** Swaps in a new version of an object; `created` never changes in Stripe, so the position stays. */
  replace(obj: T): void {
    const row = this.#byId.get(obj.id);
    if (!row) throw new Error(`no row ${obj.id}`);
    if (row.created !== obj.created) throw new Error(`created of ${obj.id} is immutable`);
    row.obj = obj;
  }

  remove(id: string): T | undefined {
    const row = this.#byId.get(id);
    if (!row) return undefined;
    this.#rows.splice(this.#lowerBound(row), 1);
    this.#byId.delete(id);
    this.#removed.set(id, { created: row.created, seq: row.seq });
    return row.obj;
  }

  /** Every live object, newest first. */
  *newestFirst(): IterableIterator<T> {
    for (let i = this.#rows.length - 1; i >= 0; i--) yield this.#rows[i]!.obj;
  }

  /** One page in Stripe's order (newest first), with `has_more` in the walking direction. */
  page(q: PageQuery, match: (obj: T) => boolean = () => true): Page<T> {
    const rows = this.#rows;
    let lo = q.gte === undefined ? 0 : this.#lowerBound({ created: q.gte, seq: -Infinity });
    let hi = q.lte === undefined ? rows.length : this.#lowerBound({ created: q.lte + 1, seq: -Infinity });
    if (q.after) hi = Math.min(hi, this.#lowerBound(q.after));
    if (q.before) lo = Math.max(lo, this.#lowerBound({ created: q.before.created, seq: q.before.seq + 1 }));
    const found: T[] = [];
    if (q.before) {
      // ending_before: the rows just newer than the cursor, closest first, then flipped to newest-first.
      for (let i = lo; i < hi && found.length <= q.limit; i++) if (match(rows[i]!.obj)) found.push(rows[i]!.obj);
      const has_more = found.length > q.limit;
      return { data: found.slice(0, q.limit).reverse(), has_more };
    }
    for (let i = hi - 1; i >= lo && found.length <= q.limit; i--) if (match(rows[i]!.obj)) found.push(rows[i]!.obj);
    const has_more = found.length > q.limit;
    return { data: found.slice(0, q.limit), has_more };
  }

  /** First index whose key is >= key. */
  #lowerBound(key: Key): number {
    let lo = 0;
    let hi = this.#rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compare(this.#rows[mid]!, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
