/**
 * The Postgres destination's config. `connection_string` is a secret: it is never echoed, logged or
 * put in an error (errors.ts redacts its password); zod issues name the path, never the value.
 */
import { z } from 'zod';
import { ValidationError } from '../../protocol/errors.ts';

export const PostgresDestinationConfig = z.object({
  connection_string: z
    .string()
    .min(1)
    .optional()
    .meta({ secret: true })
    .describe(
      'libpq URL of the database to write to, e.g. postgres://user:password@host:5432/db. Secret. Omit it in a pipeline to write into SyncBridge’s own database, where each page and its checkpoint commit in one transaction.',
    ),
  schema: z.string().min(1).max(63).describe('Schema the pipeline’s tables live in; created if missing.'),
  batch_size: z.number().int().positive().default(1000).describe('Records of one stream buffered before they are written.'),
  deletes: z
    .enum(['flag', 'delete'])
    .default('flag')
    .describe('flag keeps a deleted record’s row with _deleted = true; delete removes the row.'),
  updated_at_field: z
    .string()
    .min(1)
    .optional()
    .describe('Record field that orders versions (e.g. "updated"): a record whose value is older than the stored one never replaces it.'),
});
export type PostgresDestinationConfig = z.infer<typeof PostgresDestinationConfig>;

/**
 * The connection string, which a destination run on its own (a subprocess, `check`) needs: only the
 * engine can stand in for a missing one, with its own database.
 */
export function requireConnectionString(config: PostgresDestinationConfig): string {
  if (config.connection_string === undefined) {
    throw new ValidationError('invalid config: connection_string: required when the destination runs on its own (omit it only in a pipeline, to write into SyncBridge’s own database)', {
      detail: { issues: [{ path: ['connection_string'], message: 'required' }] },
    });
  }
  return config.connection_string;
}
