/**
 * Turns whatever a handler threw into the attempt's error record and the engine's decision. This is
 * the one place failures are classified (STYLE: classification happens once).
 */
import { SyncError, UpstreamRateLimited } from '../protocol/errors.ts';

export interface ErrorSnapshot {
  class: string;
  code: string | undefined;
  message: string;
  retryable: boolean;
  detail: Record<string, unknown> | undefined;
  retry_at: string | undefined;
}

const MAX_MESSAGE = 2000;

export function snapshotError(err: unknown): ErrorSnapshot {
  if (err instanceof SyncError) {
    return {
      class: err.name,
      code: err.code,
      message: truncate(err.message),
      retryable: err.retryable,
      detail: err.detail,
      retry_at: err instanceof UpstreamRateLimited ? err.retryAt?.toISOString() : undefined,
    };
  }
  if (err instanceof Error) {
    return {
      class: err.constructor?.name && err.constructor.name !== 'Object' ? err.constructor.name : 'Error',
      code: typeof (err as { code?: unknown }).code === 'string' ? String((err as { code?: unknown }).code) : undefined,
      message: truncate(err.message),
      // Unknown failures are retried up to the limit (invariant 8).
      retryable: true,
      detail: err.stack ? { stack: truncate(err.stack, 4000) } : undefined,
      retry_at: undefined,
    };
  }
  return { class: typeof err, code: undefined, message: truncate(String(err)), retryable: true, detail: undefined, retry_at: undefined };
}

function truncate(s: string, max = MAX_MESSAGE): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}
