/** Shared by the PCO adapter's tests: a fake PCO on loopback, a config pointing at it, and a counting RequestContext. */
import { startFakePco, type FakePco, type FakePcoOptions } from '../../../src/fakes/pco/index.ts';
import { pcoAdapter, PcoConfig, type PcoEntity } from '../../../src/connectors/pco/index.ts';
import type { RequestContext } from '../../../src/protocol/manifest.ts';
import { resolve } from 'node:path';

// Real recorded payloads, copied from the shared reference with their SOURCE.md.
export const FIXTURES = resolve(import.meta.dirname, '../../fixtures/planning-center');

export function configFor(fake: FakePco, overrides: Record<string, unknown> = {}): PcoConfig {
  return PcoConfig.parse({ application_id: 'app-id', secret: 'app-secret', base_url: fake.url, retry_base_ms: 5, ...overrides });
}

export interface CountingContext extends RequestContext {
  /** How many times acquire() was awaited. */
  acquired: number;
  controller: AbortController;
}

export function countingContext(): CountingContext {
  const controller = new AbortController();
  const ctx: CountingContext = {
    acquired: 0,
    controller,
    signal: controller.signal,
    acquire: async () => {
      ctx.acquired++;
    },
  };
  return ctx;
}

/** Every page of an entity's list, as the engine would walk it: the `next` of each page into the next call. */
export async function walk(config: PcoConfig, entity: PcoEntity, options: { since?: string; pageSize?: number; ctx?: RequestContext } = {}) {
  const ctx = options.ctx ?? countingContext();
  const pages: { records: Record<string, unknown>[]; next: string | null }[] = [];
  let page: string | null = null;
  do {
    const result = await pcoAdapter.listPage({ config, entity, page, since: options.since, pageSize: options.pageSize ?? 100, signal: ctx.signal, acquire: ctx.acquire });
    pages.push(result as (typeof pages)[number]);
    page = result.next;
    if (pages.length > 1000) throw new Error('runaway paging');
  } while (page !== null);
  return { pages, records: pages.flatMap((p) => p.records) };
}

export async function startFake(options: FakePcoOptions = {}): Promise<FakePco> {
  return startFakePco({ rateLimit: null, ...options });
}

/**
 * The engine's keyset walk (sync/manifest/source.ts, reproduced so these tests do not depend on it): each page asks
 * again from the newest `updated_at` seen, skipping ids already seen at exactly that instant; a page that is all one
 * instant is followed by its token instead.
 */
export async function keysetWalk(config: PcoConfig, entity: PcoEntity, options: { since: string; pageSize?: number; ctx?: RequestContext; afterPage?: (n: number) => void }) {
  const ctx = options.ctx ?? countingContext();
  const at = (v: unknown) => Date.parse(String(v));
  let since = options.since;
  let seen = new Set<string>();
  let page: string | null = null;
  const ids: string[] = [];
  for (let n = 0; ; n++) {
    if (n > 1000) throw new Error('runaway paging');
    const result = await pcoAdapter.listPage({ config, entity, page, since, pageSize: options.pageSize ?? 100, signal: ctx.signal, acquire: ctx.acquire });
    const batch = result.records as { id: string; updated_at: string }[];
    for (const r of batch) if (!(at(r.updated_at) === at(since) && seen.has(r.id))) ids.push(r.id);
    options.afterPage?.(n);
    if (result.next === null) break;
    const last = batch.at(-1)?.updated_at;
    if (last !== undefined && at(last) > at(since)) {
      since = last;
      seen = new Set(batch.filter((r) => at(r.updated_at) === at(last)).map((r) => r.id));
      page = null;
    } else {
      for (const r of batch) seen.add(r.id);
      page = result.next;
    }
  }
  return ids;
}
