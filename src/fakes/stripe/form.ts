/**
 * Stripe's parameter encoding: query strings and `application/x-www-form-urlencoded` bodies with bracketed keys
 * (`created[gte]=1`, `metadata[k]=v`), arrays written `k[]=a` (docs) or `k[0]=a` (stripe-node), brackets raw or
 * as %5B/%5D (reference §1). Parsed once into nested plain values; the rest of the fake never sees raw keys.
 */
import { invalidRequest } from './errors.ts';

export type Param = string | Param[] | { [key: string]: Param };
export type Params = { [key: string]: Param };

const KEY = /^([^[\]]+)((?:\[[^[\]]*\])*)$/;
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

/** Nested params from a query string or form body; `URLSearchParams` has already decoded %5B/%5D. */
export function parseParams(input: URLSearchParams | string): Params {
  const search = typeof input === 'string' ? new URLSearchParams(input) : input;
  const root: Params = {};
  for (const [key, value] of search) {
    const m = KEY.exec(key);
    const path = m ? [m[1]!, ...[...m[2]!.matchAll(/\[([^[\]]*)\]/g)].map((s) => s[1]!)] : [key];
    if (path.some((p) => FORBIDDEN.has(p))) throw invalidRequest(`Invalid parameter name: ${key}`, key);
    assign(root, path, value, key);
  }
  return compact(root) as Params;
}

type Container = Param[] | { [key: string]: Param };

function assign(root: Params, path: string[], value: string, key: string): void {
  let container: Container = root;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!;
    const last = i === path.length - 1;
    if (Array.isArray(container)) {
      // `k[]` appends; `k[3]` addresses an index (stripe-node's style).
      const index = seg === '' ? container.length : /^\d+$/.test(seg) ? Number(seg) : NaN;
      if (Number.isNaN(index)) throw invalidRequest(`Invalid array index in parameter ${key}`, key);
      if (last) container[index] = value;
      else container = child(container, index, path[i + 1]!, key);
    } else {
      if (seg === '') throw invalidRequest(`Invalid parameter name: ${key}`, key);
      if (last) container[seg] = value;
      else container = child(container, seg, path[i + 1]!, key);
    }
  }
}

function child(parent: Container, at: string | number, nextSeg: string, key: string): Container {
  const wantArray = nextSeg === '' || /^\d+$/.test(nextSeg);
  const existing = (parent as Record<string | number, Param | undefined>)[at];
  if (existing === undefined) {
    const created: Container = wantArray ? [] : {};
    (parent as Record<string | number, Param>)[at] = created;
    return created;
  }
  if (typeof existing === 'string' || Array.isArray(existing) !== wantArray) {
    throw invalidRequest(`Conflicting values for parameter ${key}`, key);
  }
  return existing;
}

/** Drops holes left by sparse indices (`k[0]`, `k[2]`). */
function compact(value: Param): Param {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.filter((v) => v !== undefined).map(compact);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, compact(v)]));
}

/** A scalar param, or a 400 naming it when an object or array came instead. */
export function stringParam(params: Params, name: string): string | undefined {
  const v = params[name];
  if (v === undefined || typeof v === 'string') return v;
  throw invalidRequest(`Invalid ${name}: must be a string`, name);
}

/** `k[]=a&k[]=b`, `k[0]=a` or a single `k=a`, as a list of strings. */
export function listParam(params: Params, name: string): string[] | undefined {
  const v = params[name];
  if (v === undefined) return undefined;
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  throw invalidRequest(`Invalid array: ${name}`, name);
}
