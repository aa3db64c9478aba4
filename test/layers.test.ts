/**
 * Layers import downward only (shared STYLE): protocol ← connectors; db ← jobs ← sync ← twoway;
 * http and cli on top. A wrong arrow fails here with the file and the import named.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { describe, expect, test } from 'vitest';

const SRC = resolve(import.meta.dirname, '../src');

// What each layer may import from our own code (besides itself).
const ALLOWED: Record<string, string[]> = {
  protocol: [],
  db: [],
  connectors: ['protocol', 'connectors'],
  fakes: ['protocol'],
  jobs: ['db', 'protocol', 'log.ts'],
  sync: ['db', 'jobs', 'protocol', 'connectors', 'log.ts'],
  twoway: ['db', 'jobs', 'sync', 'protocol', 'connectors', 'log.ts'],
  demo: ['jobs', 'connectors', 'fakes', 'protocol', 'log.ts', 'db'],
  http: ['*'],
  cli: ['*'],
  'log.ts': [],
  'config.ts': [],
  'syncbridge.ts': ['*'],
  'index.ts': ['*'],
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : [];
  });
}

const layerOf = (file: string) => relative(SRC, file).split('/')[0]!;

describe('layering', () => {
  test('every source file imports only from the layers below it', () => {
    const violations: string[] = [];
    for (const file of files(SRC)) {
      const layer = layerOf(file);
      const allowed = ALLOWED[layer];
      if (!allowed) {
        violations.push(`${relative(SRC, file)}: layer "${layer}" is not in the table in test/layers.test.ts`);
        continue;
      }
      const source = readFileSync(file, 'utf8');
      for (const m of source.matchAll(/(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]/g)) {
        const target = resolve(dirname(file), m[1]!);
        const targetLayer = layerOf(target);
        if (targetLayer === layer || allowed.includes('*') || allowed.includes(targetLayer)) continue;
        violations.push(`LAYER VIOLATION ${relative(SRC, file)} imports ${m[1]} (layer "${targetLayer}"); "${layer}" may import ${allowed.join(', ') || 'nothing of ours'} — see shared STYLE.md`);
      }
    }
    expect(violations).toEqual([]);
  });

  test('the checker sees imports at all', () => {
    const jobsFiles = files(join(SRC, 'jobs'));
    expect(jobsFiles.length).toBeGreaterThan(3);
    expect(readFileSync(join(SRC, 'jobs/store.ts'), 'utf8')).toMatch(/from '\.\.\/db\/db\.ts'/);
  });
});
