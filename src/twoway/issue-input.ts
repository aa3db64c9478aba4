/**
 * What local code may send to create or edit a mirrored issue (API bodies, library calls), validated
 * with zod so an error names the field.
 */
import { z } from 'zod';
import { ValidationError } from '../protocol/errors.ts';
import { describeIssues } from '../protocol/messages.ts';
import { fieldIssues } from './field-issues.ts';

const Name = z.string().trim().min(1).max(255);

export const IssueCreateInput = z.strictObject({
  title: z.string().trim().min(1).max(1000),
  body: z.string().max(262_144).default(''),
  state: z.enum(['open', 'closed']).default('open'),
  labels: z.array(Name).max(100).default([]),
  assignees: z.array(Name).max(100).default([]),
});
export type IssueCreateInput = z.input<typeof IssueCreateInput>;

export const IssuePatchInput = z
  .object({
    title: z.string().trim().min(1).max(1000).optional(),
    body: z.string().max(262_144).optional(),
    state: z.enum(['open', 'closed']).optional(),
    labels: z.array(Name).max(100).optional(),
    assignees: z.array(Name).max(100).optional(),
  })
  .strict()
  .refine((p) => Object.keys(p).length > 0, 'give at least one of title, body, state, labels, assignees');
export type IssuePatchInput = z.input<typeof IssuePatchInput>;

export const ResolutionInput = z.union([
  z.object({ choice: z.enum(['local', 'remote']) }).strict(),
  z.object({ value: z.string().max(262_144) }).strict(),
]);
export type ResolutionInput = z.input<typeof ResolutionInput>;

export function parseWith<T extends z.ZodType>(schema: T, input: unknown, what: string): z.output<T> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new ValidationError(`invalid ${what}: ${describeIssues(parsed.error.issues)}`, { detail: { issues: fieldIssues(parsed.error.issues) } });
}
