/**
 * A typed error survives a process boundary: every error class of the protocol layer, turned into an
 * error trace, sent as JSON and turned back, is the same class with the same code, retryability,
 * message, detail and (for rate limits) retry time. Unknown errors keep their class name and stay retryable.
 */
import { describe, expect, test } from 'vitest';
import * as connectorErrors from '../../src/protocol/connector-errors.ts';
import { RemoteError } from '../../src/protocol/connector-errors.ts';
import { ERROR_CLASSES, traceToError, typedErrorToTrace } from '../../src/protocol/error-trace.ts';
import * as errors from '../../src/protocol/errors.ts';
import { Conflict, SyncError, UpstreamRateLimited } from '../../src/protocol/errors.ts';
import { parseMessage, type ErrorTraceMessage } from '../../src/protocol/messages.ts';

/** Through the wire for real: JSON text, then validation. */
function overTheWire(trace: ErrorTraceMessage): ErrorTraceMessage {
  return parseMessage(JSON.parse(JSON.stringify(trace))) as ErrorTraceMessage;
}

type ErrorClass = new (message: string, options?: errors.SyncErrorOptions) => SyncError;

const concreteClasses = ([...Object.values(errors), ...Object.values(connectorErrors)] as unknown[]).filter(
  (v): v is ErrorClass =>
    typeof v === 'function' && v.prototype instanceof SyncError && v !== RemoteError,
);

describe('typed errors across a process boundary', () => {
  test('every concrete error class of the protocol layer has a code in the mapping table', () => {
    expect(concreteClasses.length).toBeGreaterThanOrEqual(10);
    const mapped = new Set(Object.values(ERROR_CLASSES));
    expect(concreteClasses.filter((C) => !mapped.has(C)).map((C) => C.name)).toEqual([]);
    for (const [code, C] of Object.entries(ERROR_CLASSES)) expect(new C('x').code).toBe(code);
  });

  test.each(concreteClasses.map((C) => [C.name, C] as const))('%s comes back as itself', (_name, ErrorClass) => {
    const original = new ErrorClass('it went wrong', { detail: { status: 502, request_id: 'req_1' } });
    const back = traceToError(overTheWire(typedErrorToTrace(original)));
    expect(back).toBeInstanceOf(ErrorClass);
    expect(back.constructor).toBe(ErrorClass);
    expect(back.name).toBe(original.name);
    expect(back.code).toBe(original.code);
    expect(back.retryable).toBe(original.retryable);
    expect(back.message).toBe('it went wrong');
    expect(back.detail).toEqual({ status: 502, request_id: 'req_1' });
  });

  test('UpstreamRateLimited keeps its retry time', () => {
    const retryAt = new Date('2026-03-04T05:06:07.890Z');
    const trace = typedErrorToTrace(new UpstreamRateLimited('429 from billing', { retryAt }));
    expect(trace.trace.error.retry_at).toBe('2026-03-04T05:06:07.890Z');
    const back = traceToError(overTheWire(trace));
    expect(back).toBeInstanceOf(UpstreamRateLimited);
    expect((back as UpstreamRateLimited).retryAt).toEqual(retryAt);
  });

  test('an error class this side does not know keeps its code, retryability and class name', () => {
    class InvoiceLocked extends Conflict {
      override readonly code = 'invoice_locked';
    }
    const back = traceToError(overTheWire(typedErrorToTrace(new InvoiceLocked('invoice in_1 is locked', { detail: { invoice: 'in_1' } }))));
    expect(back).toBeInstanceOf(RemoteError);
    expect(back).toMatchObject({ name: 'InvoiceLocked', code: 'invoice_locked', retryable: false, message: 'invoice in_1 is locked', detail: { invoice: 'in_1' } });
  });

  test('an unknown exception travels as a retryable unknown_error with its class and stack (invariant 8)', () => {
    const trace = typedErrorToTrace(new TypeError("cannot read properties of undefined (reading 'id')"));
    expect(trace.trace.error).toMatchObject({ code: 'unknown_error', retryable: true, error_class: 'TypeError' });
    expect(trace.trace.error.detail?.stack).toMatch(/TypeError/);
    const back = traceToError(overTheWire(trace));
    expect(back).toMatchObject({ name: 'TypeError', code: 'unknown_error', retryable: true });
  });

  test('a thrown non-error value is still reported', () => {
    expect(typedErrorToTrace('boom').trace.error).toMatchObject({ code: 'unknown_error', message: 'boom', retryable: true, error_class: 'string' });
  });

  test('the stream an error belongs to goes along', () => {
    expect(overTheWire(typedErrorToTrace(new errors.NotFound('gone'), 'invoices')).trace.error.stream).toBe('invoices');
  });
});
