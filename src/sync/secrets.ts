/**
 * Hiding secrets of connector configs. A connector marks a config field secret in its zod schema
 * (`.meta({ secret: true })`); every view of a stored pipeline goes through `redactConfig`, so keys and
 * passwords are stored but never returned by the API, printed by the CLI, or shown in the UI.
 */
import { z } from 'zod';

export const REDACTED = '********';

type JsonSchema = { properties?: Record<string, JsonSchema>; secret?: boolean; writeOnly?: boolean; anyOf?: JsonSchema[] };

const secretPathsCache = new WeakMap<z.ZodType, string[][]>();

/** Paths of the fields the schema marks secret. */
export function secretPaths(schema: z.ZodType): string[][] {
  const cached = secretPathsCache.get(schema);
  if (cached) return cached;
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const paths: string[][] = [];
  const walk = (node: JsonSchema, path: string[]) => {
    if (node.secret === true) paths.push(path);
    for (const [key, child] of Object.entries(node.properties ?? {})) walk(child, [...path, key]);
    for (const option of node.anyOf ?? []) walk(option, path);
  };
  walk(json, []);
  secretPathsCache.set(schema, paths);
  return paths;
}

/** A copy of `config` with every secret field that is set replaced by REDACTED. */
export function redactConfig(config: unknown, schema: z.ZodType | undefined): unknown {
  if (typeof config !== 'object' || config === null) return config;
  const copy = structuredClone(config) as Record<string, unknown>;
  // An unknown connector: nothing says which fields are secret, so nothing is shown.
  if (!schema) return Object.fromEntries(Object.keys(copy).map((k) => [k, REDACTED]));
  for (const path of secretPaths(schema)) {
    let node: Record<string, unknown> | undefined = copy;
    for (const key of path.slice(0, -1)) node = typeof node?.[key] === 'object' && node[key] !== null ? (node[key] as Record<string, unknown>) : undefined;
    const last = path.at(-1);
    if (node && last !== undefined && Object.hasOwn(node, last) && node[last] !== undefined) node[last] = REDACTED;
  }
  return copy;
}
