/** Service validation errors as the API's 422 body. */
import { ValidationError } from '../../protocol/errors.ts';
import { HttpError } from '../errors.ts';

/**
 * The service names a bad field in `detail.field` or `detail.issues`; the API answers every 422 with
 * the details list the request validator uses, so clients read one shape.
 */
export function asBodyError(err: unknown): unknown {
  if (!(err instanceof ValidationError)) return err;
  const detail = err.detail ?? {};
  const issues = Array.isArray(detail.issues)
    ? (detail.issues as { field: string; message: string }[]).map((i) => ({ field: i.field, location: 'json', message: i.message }))
    : [{ field: typeof detail.field === 'string' ? detail.field : 'json', location: 'json', message: err.message }];
  return new HttpError(422, 'validation_error', err.message, issues);
}
