/**
 * GitLab takes parameters from the query string, a JSON body or a form alike (reference §1), and Grape coerces:
 * comma-separated strings or arrays for label lists, integers or integer strings for ids. One reader for all three.
 */
import { isObject, queryOf, readBody, type GitContext } from '../common/http.ts';
import { badRequest } from './errors.ts';

export type Params = Record<string, unknown>;

/** Query parameters merged with the body's (the body wins), `key[]` collected as arrays. */
export async function readParams(c: GitContext): Promise<Params> {
  const { one, many } = queryOf(c);
  const out: Params = {};
  for (const [k, v] of Object.entries(one)) out[k.endsWith('[]') ? k.slice(0, -2) : k] = k.endsWith('[]') ? many[k] : v;
  if (c.req.method === 'GET' || c.req.method === 'DELETE') return out;
  const body = await readBody(c);
  if (body.kind === 'invalid_json') throw badRequest('the request body is not valid JSON');
  if (body.kind === 'json') {
    if (!isObject(body.value)) throw badRequest('the request body must be a JSON object');
    Object.assign(out, body.value);
  }
  if (body.kind === 'form') Object.assign(out, body.value);
  return out;
}

/** A list of names from `"a,b"` or `["a","b"]`; undefined when absent. */
export function nameList(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const parts = Array.isArray(value) ? value.map(String) : String(value).split(',');
  return parts.map((s) => s.trim()).filter(Boolean);
}

/** A list of integers from `[1,2]`, `"1,2"` or `1`; undefined when absent, null when not integers. */
export function idList(value: unknown): number[] | null | undefined {
  if (value === undefined || value === null) return undefined;
  const parts = Array.isArray(value) ? value : typeof value === 'number' ? [value] : String(value).split(',').filter((s) => s.trim() !== '');
  const ids = parts.map((p) => Number(p));
  return ids.every((n) => Number.isInteger(n)) ? ids : null;
}
