/**
 * One resource's rows, by id, with secondary indexes on the references children are looked up by (an address's
 * person, a membership's household and person). Rows store only attributes that differ from the resource's
 * defaults, so 200 000 seeded rows stay small; a row is replaced, never edited, so an old reference stays a snapshot.
 */

export interface Row {
  id: number;
  createdAt: number;
  updatedAt: number;
  /** Non-default attribute values only; render() fills in the rest. */
  attrs: Record<string, unknown>;
  /** Ids of the records this one points at (`person`, `primary_campus`, `household`, `primary_contact`…); null = unset. */
  refs: Record<string, number | null>;
}

export class Table {
  readonly #rows = new Map<number, Row>();
  readonly #indexes = new Map<string, Map<number, number[]>>();
  /** Ids ascending, rebuilt lazily: the default list order. */
  #sorted: Row[] | null = [];
  #nextId: number;

  constructor(idBase: number, indexedRefs: readonly string[] = []) {
    this.#nextId = idBase;
    for (const ref of indexedRefs) this.#indexes.set(ref, new Map());
  }

  get size(): number {
    return this.#rows.size;
  }

  /** The next id to mint; explicit ids move it past themselves. */
  mintId(): number {
    return this.#nextId++;
  }

  get(id: number): Row | undefined {
    return this.#rows.get(id);
  }

  has(id: number): boolean {
    return this.#rows.has(id);
  }

  insert(row: Row): void {
    if (this.#rows.has(row.id)) throw new Error(`duplicate id ${row.id}`);
    this.#rows.set(row.id, row);
    if (row.id >= this.#nextId) this.#nextId = row.id + 1;
    this.#index(row, 1);
    const sorted = this.#sorted;
    // Minted ids only grow, so the common case appends and keeps the order.
    if (sorted && (sorted.length === 0 || sorted[sorted.length - 1]!.id < row.id)) sorted.push(row);
    else this.#sorted = null;
  }

  /** Swaps in a new version of a row (same id). */
  replace(row: Row): void {
    const old = this.#rows.get(row.id);
    if (!old) throw new Error(`no row ${row.id}`);
    this.#index(old, -1);
    this.#rows.set(row.id, row);
    this.#index(row, 1);
    if (this.#sorted) {
      const i = lowerBound(this.#sorted, row.id);
      this.#sorted[i] = row;
    }
  }

  remove(id: number): Row | undefined {
    const row = this.#rows.get(id);
    if (!row) return undefined;
    this.#rows.delete(id);
    this.#index(row, -1);
    if (this.#sorted) this.#sorted.splice(lowerBound(this.#sorted, id), 1);
    return row;
  }

  /** Every row, ids ascending. Do not mutate the array. */
  all(): readonly Row[] {
    this.#sorted ??= [...this.#rows.values()].sort((a, b) => a.id - b.id);
    return this.#sorted;
  }

  /** Rows whose `ref` points at `id`, ids ascending. */
  byRef(ref: string, id: number): Row[] {
    const ids = this.#indexes.get(ref)?.get(id);
    if (!ids) return [];
    return ids.map((i) => this.#rows.get(i)!);
  }

  #index(row: Row, delta: 1 | -1): void {
    for (const [ref, index] of this.#indexes) {
      const target = row.refs[ref];
      if (target === null || target === undefined) continue;
      let ids = index.get(target);
      if (delta === 1) {
        if (!ids) index.set(target, (ids = []));
        // Kept sorted: children are listed by id.
        const at = ids.length === 0 || ids[ids.length - 1]! < row.id ? ids.length : lowerBoundIds(ids, row.id);
        ids.splice(at, 0, row.id);
      } else if (ids) {
        const at = lowerBoundIds(ids, row.id);
        if (ids[at] === row.id) ids.splice(at, 1);
        if (ids.length === 0) index.delete(target);
      }
    }
  }
}

function lowerBound(rows: readonly Row[], id: number): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (rows[mid]!.id < id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function lowerBoundIds(ids: readonly number[], id: number): number {
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ids[mid]! < id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
