/** zod issues as `{ field, message }`, an unknown key named as its own field (a typo is refused by name). */
import type { z } from 'zod';

export function fieldIssues(issues: readonly z.core.$ZodIssue[]): { field: string; message: string }[] {
  return issues.flatMap((i) =>
    i.code === 'unrecognized_keys'
      ? i.keys.map((key) => ({ field: [...i.path, key].join('.'), message: `unknown field "${key}"` }))
      : [{ field: i.path.join('.'), message: i.message }],
  );
}
