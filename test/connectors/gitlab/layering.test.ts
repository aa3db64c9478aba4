/**
 * The connector's import arrows (STYLE: a connector imports protocol and the shared HTTP client, never jobs, sync,
 * db or twoway): every import of src/connectors/gitlab is a sibling, protocol, ../http.ts, node: or zod.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, test } from 'vitest';

const DIR = resolve(import.meta.dirname, '../../../src/connectors/gitlab');

test('src/connectors/gitlab imports only protocol, the shared HTTP client, its own files, node: and zod', () => {
  const allowed = [/^\.\/[\w-]+\.ts$/, /^\.\.\/\.\.\/protocol\/[\w-]+\.ts$/, /^\.\.\/http\.ts$/, /^node:/, /^zod$/];
  const wrong: string[] = [];
  const files = readdirSync(DIR).filter((f) => f.endsWith('.ts'));
  expect(files.length).toBeGreaterThan(5);
  for (const file of files) {
    const text = readFileSync(resolve(DIR, file), 'utf8');
    for (const m of text.matchAll(/^\s*(?:import|export)\b[^;]*?\sfrom\s+'([^']+)'/gm)) {
      if (!allowed.some((re) => re.test(m[1]!))) wrong.push(`${file} → ${m[1]}`);
    }
  }
  expect(wrong).toEqual([]);
});
