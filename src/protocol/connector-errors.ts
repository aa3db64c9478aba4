/**
 * Errors of the connector boundary itself, as opposed to the upstream errors a connector reports
 * (errors.ts). Each keeps what an operator needs to see why a connector stopped — exit status and the
 * tail of its stderr, or the offending line — and never the connector's config, which holds secrets.
 */
import { SyncError, type SyncErrorOptions } from './errors.ts';

/**
 * A connector process exited non-zero or was killed without reporting a typed error. Retryable: a
 * crash is as likely to be an out-of-memory kill or a deploy as a bug, and the retry limit bounds it.
 * Detail: `{ exit_code, signal, stderr_tail }`.
 */
export class ConnectorFailed extends SyncError {
  readonly code = 'connector_failed';
  readonly retryable = true;
}

/**
 * A connector produced nothing (no stdout, no stderr) for its idle timeout while we waited on it, and
 * was killed. Retryable, like an upstream timeout. Detail: `{ idle_timeout_ms, stderr_tail }`.
 */
export class ConnectorTimeout extends SyncError {
  readonly code = 'connector_timeout';
  readonly retryable = true;
}

/**
 * A connector broke the protocol: a line that is not a valid message, or a command that ended without
 * its answer. Not retryable — the same connector will break it the same way. Detail names the `path`
 * of the bad field and, from a stream, the `line` number.
 */
export class ProtocolError extends SyncError {
  readonly code = 'protocol_error';
  readonly retryable = false;
}

/**
 * A typed error that crossed a process boundary with a code this process has no class for (a
 * connector's own error class). It keeps the code, retryability and detail as sent, and takes the
 * sender's class name as its `name`, so the attempt records the class the connector threw.
 */
export class RemoteError extends SyncError {
  readonly code: string;
  readonly retryable: boolean;

  constructor(message: string, options: SyncErrorOptions & { code: string; retryable: boolean; errorClass?: string }) {
    super(message, options);
    this.code = options.code;
    this.retryable = options.retryable;
    if (options.errorClass) this.name = options.errorClass;
  }
}
