/**
 * The page token of `listChangedSince`: a keyset on `updated_at`, not GitLab's page number. Offset pages over a list
 * ordered by `updated_at` shift while someone edits: an issue edited after its page was read moves to the end, every
 * later issue moves up one place, and the one that crosses a page boundary is never seen — and since the engine's
 * high-water mark passes it, not seen until a full reconcile. So each page asks again from the last `updated_at`
 * read (`updated_after` is inclusive), skips the issues already returned at exactly that time (`seen`), and falls
 * back to page numbers only within one instant shared by more than a page of issues. Restarting from page 1 also
 * stays clear of GitLab's maximum offset.
 */
import { ValidationError } from '../../protocol/errors.ts';

export interface ListCursor {
  /** Ask for issues updated at or after this (epoch ms); null: from the beginning. */
  after: number | null;
  /** Iids already returned whose `updated_at` is exactly `after`: skipped when they come again unchanged. */
  seen: number[];
  /** The page of the query `updated_after=after`; above 1 only inside a tie longer than a page. */
  page: number;
}

/** The first page's cursor for `since`. */
export function firstCursor(since: Date | null): ListCursor {
  if (since !== null && Number.isNaN(since.getTime())) throw new ValidationError('since is an invalid Date');
  return { after: since === null ? null : since.getTime(), seen: [], page: 1 };
}

/** Whether an issue of the answer was already returned, unchanged, by an earlier page. */
export function alreadySeen(cursor: ListCursor, iid: number, updatedAt: number): boolean {
  return updatedAt === cursor.after && cursor.seen.includes(iid);
}

/**
 * The cursor after one answer (`rows` in the answer's order, oldest first), or null when GitLab said it was the last
 * page. A whole page at the cursor's own instant keeps the instant and turns the page; otherwise the next query
 * starts at the newest instant read, skipping what was read at it.
 */
export function nextCursor(cursor: ListCursor, rows: readonly { iid: number; updatedAt: number }[], hasMore: boolean): ListCursor | null {
  const last = rows[rows.length - 1];
  if (!hasMore || last === undefined) return null;
  if (last.updatedAt === cursor.after) return { after: cursor.after, seen: cursor.seen, page: cursor.page + 1 };
  return { after: last.updatedAt, seen: rows.filter((r) => r.updatedAt === last.updatedAt).map((r) => r.iid), page: 1 };
}

/** The opaque token form: base64url JSON. */
export function encodeCursor(cursor: ListCursor): string {
  return Buffer.from(JSON.stringify({ a: cursor.after, s: cursor.seen, p: cursor.page })).toString('base64url');
}

/** Reads a token made by `encodeCursor`; ValidationError for anything else. */
export function decodeCursor(token: string): ListCursor {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw new ValidationError('not a GitLab page token');
  }
  const { a, s, p } = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const int = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v);
  if (!(a === null || int(a)) || !Array.isArray(s) || !s.every((v) => int(v) && v > 0) || !int(p) || (p as number) < 1) {
    throw new ValidationError('not a GitLab page token');
  }
  return { after: a as number | null, seen: s as number[], page: p as number };
}
