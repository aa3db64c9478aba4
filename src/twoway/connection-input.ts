/**
 * What a caller sends to connect a repository (API body, CLI file, library call), validated with zod so
 * an error names the field (`config.repo`) and never echoes a secret. Secrets are marked with
 * `.meta({ secret: true })`: stored, used, and redacted from every view (sync/secrets.ts).
 */
import { z } from 'zod';
import { describeIssues } from '../protocol/messages.ts';
import { ValidationError } from '../protocol/errors.ts';
import { fieldIssues } from './field-issues.ts';

export const PROVIDERS = ['github', 'gitea', 'gitlab'] as const;
export type ProviderName = (typeof PROVIDERS)[number];

/** Fifteen minutes: the issue's default for polling reconciliation. */
export const DEFAULT_POLL_INTERVAL_SECONDS = 900;

export const ConnectionConfig = z.strictObject({
  base_url: z.url({ protocol: /^https?$/ }).describe('The API root: https://api.github.com, https://gitea.example/api/v1, https://gitlab.com/api/v4.'),
  repo: z.string().min(1).max(300).describe('owner/name (GitLab: the project path or id).'),
  token: z.string().min(1).max(1000).meta({ secret: true }).describe('An API token with read and write access to issues.'),
  webhook_secret: z.string().min(8).max(1000).meta({ secret: true }).describe('The secret the provider signs webhooks with (GitLab: the X-Gitlab-Token).'),
  timeout_ms: z.number().int().min(100).max(300_000).optional().describe('Per request; default 30000.'),
});
export type ConnectionConfig = z.output<typeof ConnectionConfig>;

export const MergePolicyInput = z.strictObject({
  same_field: z.enum(['conflict', 'last_writer_wins']).default('conflict').describe('Both sides changed one field: hold a conflict (default) or take the later edit.'),
  delete_vs_update: z.enum(['delete_wins', 'update_wins']).default('delete_wins').describe('One side deleted, the other edited: the delete wins (default) or the edit brings it back.'),
});
export type MergePolicyInput = z.output<typeof MergePolicyInput>;

export const ConnectionInput = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_.-]{0,99}$/, 'use 1 to 100 lowercase letters, digits, _ . - (starting with a letter or digit)')
    .refine((name) => !/^\d+$/.test(name), 'must not be all digits (that reads as a connection id)')
    .describe('Unique name, e.g. "acme-issues".'),
  provider: z.enum(PROVIDERS),
  config: ConnectionConfig,
  policy: MergePolicyInput.default({ same_field: 'conflict', delete_vs_update: 'delete_wins' }),
  poll_interval_seconds: z.number().int().min(1).max(86_400 * 7).default(DEFAULT_POLL_INTERVAL_SECONDS).describe('Polling reconciliation period; default 900 (15 minutes).'),
  notify_url: z.url({ protocol: /^https?$/ }).nullable().default(null).describe('Optional: each new conflict is POSTed here as JSON.'),
});
export type ConnectionInput = z.input<typeof ConnectionInput>;
export type ParsedConnectionInput = z.output<typeof ConnectionInput>;

/** Parses or throws ValidationError naming each bad field. */
export function parseConnectionInput(input: unknown): ParsedConnectionInput {
  const parsed = ConnectionInput.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new ValidationError(`invalid connection: ${describeIssues(parsed.error.issues)}`, { detail: { issues: fieldIssues(parsed.error.issues) } });
}
