/**
 * What a caller may send to create a pipeline (API body, CLI file), validated in two steps: the shape
 * here with zod, then each connector's own config against that connector's schema (pipelines.ts), so
 * an error names the exact field — `source.config.api_key` — and never echoes its value.
 */
import { z } from 'zod';
import { ValidationError } from '../protocol/errors.ts';

const ConnectorRefInput = z.object({
  connector: z.string().min(1).max(100).describe('A registered connector, e.g. "stripe" or "postgres".'),
  config: z.record(z.string(), z.unknown()).default({}).describe('The connector’s config; secrets are stored and never returned.'),
});

export const PipelineInput = z.object({
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_.-]{0,99}$/, 'use 1 to 100 lowercase letters, digits, _ . - (starting with a letter or digit)')
    // References are an id or a name, told apart by being all digits: a name must not look like an id.
    .refine((name) => !/^\d+$/.test(name), 'must not be all digits (that reads as a pipeline id)')
    .describe('Unique name, e.g. "stripe-to-warehouse".'),
  source: ConnectorRefInput,
  destination: ConnectorRefInput,
  streams: z.array(z.string().min(1).max(100)).min(1).max(100).describe('Streams of the source to sync.'),
  mode: z.enum(['full_refresh', 'incremental', 'reconcile']).default('incremental').describe('incremental (delta where the source can), full_refresh, or reconcile (full, then records missing upstream are marked deleted; manifest sources).'),
  schedule: z
    .string()
    .max(100)
    .nullable()
    .default(null)
    .describe('Cron (UTC, 5 or 6 fields) or an interval like "every 15m"; null runs on demand only.'),
});
export type PipelineInput = z.input<typeof PipelineInput>;

export type ParsedSchedule = { cron: string } | { everySeconds: number };

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** "every 15m" → 900 s; anything else is taken as cron (validated by the scheduler). */
export function parseSchedule(text: string): ParsedSchedule {
  const every = /^every\s+(\d+(?:\.\d+)?)\s*([smhd])$/i.exec(text.trim());
  if (every) {
    const seconds = Number(every[1]) * UNIT_SECONDS[every[2]!.toLowerCase()]!;
    if (!(seconds >= 1)) throw new ValidationError('schedule: an interval must be at least 1s', { detail: { field: 'schedule' } });
    return { everySeconds: seconds };
  }
  if (/^every\b/i.test(text.trim())) throw new ValidationError('schedule: write an interval as "every <n><s|m|h|d>", e.g. "every 15m"', { detail: { field: 'schedule' } });
  return { cron: text.trim() };
}
