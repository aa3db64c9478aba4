/**
 * Label names ↔ ids for one repository. Gitea's issue create and label routes take label ids (reference gitea.md
 * §3) while sync speaks names, so the repository's labels are listed once and cached; a name not in the cache
 * causes one re-list (someone may have made it in the web UI) and is then created. Loads and creations are
 * single-flight, so concurrent writes asking for the same new label create it once — Gitea itself accepts
 * duplicate label names.
 */
import type { HttpJsonResponse } from '../http.ts';
import type { GiteaClient } from './client.ts';
import { GiteaLabel } from './map.ts';
import { nextPage, PAGE_LIMIT } from './paging.ts';
import { ValidationError } from '../../protocol/errors.ts';

/** The colour of labels this provider creates (Gitea requires one). */
export const DEFAULT_LABEL_COLOR = '#c0c0c0';

/** Never more pages than this when listing labels: a server ignoring `page` must not loop us forever. */
const MAX_LABEL_PAGES = 200;

/**
 * The repository's label ids by name, cached per provider. A shared load or creation runs under the signal of the
 * call that started it.
 */
export class GiteaLabels {
  readonly #client: GiteaClient;
  #cache: Promise<Map<string, number>> | null = null;
  /** Whether `#cache` has finished loading (it may be older than the call now asking). */
  #loaded = false;
  readonly #creating = new Map<string, Promise<number>>();

  constructor(client: GiteaClient) {
    this.#client = client;
  }

  /** The ids of the labels with these names, creating the missing ones; in the order given, duplicates dropped. */
  async ids(names: readonly string[], signal?: AbortSignal): Promise<number[]> {
    const wanted = [...new Set(names)];
    if (wanted.length === 0) return [];
    // A list loaded (or loading) for this very call is fresh: only one loaded earlier is worth a second look.
    const wasLoaded = this.#loaded;
    let known = await this.#labels(signal);
    if (wasLoaded && wanted.some((n) => find(known, n) === undefined)) {
      this.invalidate();
      known = await this.#labels(signal);
    }
    return Promise.all(wanted.map((name) => find(known, name) ?? this.#create(known, name, signal)));
  }

  /** Forgets the cached ids: they may be stale (a label deleted and made again in the web UI has a new id). */
  invalidate(): void {
    this.#cache = null;
    this.#loaded = false;
  }

  #labels(signal?: AbortSignal): Promise<Map<string, number>> {
    if (!this.#cache) {
      const loading = this.#list(signal);
      this.#cache = loading;
      loading.then(
        () => {
          if (this.#cache === loading) this.#loaded = true;
        },
        // A failed load is not cached: the next call tries again.
        () => {
          if (this.#cache === loading) this.#cache = null;
        },
      );
    }
    return this.#cache;
  }

  async #list(signal?: AbortSignal): Promise<Map<string, number>> {
    const byName = new Map<string, number>();
    const seen = new Set<number>();
    let page: number | null = 1;
    for (let n = 0; page !== null && n < MAX_LABEL_PAGES; n++) {
      const res: HttpJsonResponse<unknown> = await this.#client.send<unknown>({ method: 'GET', path: '/labels', query: { limit: PAGE_LIMIT, page }, signal });
      const labels = GiteaLabel.array().safeParse(res.body);
      if (!labels.success) throw new ValidationError('GET labels answered with something that is not a list of labels');
      let fresh = 0;
      for (const l of labels.data) {
        if (seen.has(l.id)) continue;
        seen.add(l.id);
        fresh++;
        if (!byName.has(l.name)) byName.set(l.name, l.id);
      }
      // A page with nothing new means the server ignores `page`: stop rather than ask forever.
      page = fresh === 0 ? null : nextPage(res.headers, page, labels.data.length);
    }
    return byName;
  }

  #create(known: Map<string, number>, name: string, signal?: AbortSignal): Promise<number> {
    let pending = this.#creating.get(name);
    if (!pending) {
      pending = (async () => {
        const res = await this.#client.send<unknown>({ method: 'POST', path: '/labels', body: { name, color: DEFAULT_LABEL_COLOR, description: '' }, signal });
        const label = GiteaLabel.safeParse(res.body);
        if (!label.success) throw new ValidationError(`POST labels answered with something that is not a label`);
        known.set(label.data.name, label.data.id);
        known.set(name, label.data.id);
        return label.data.id;
      })().finally(() => this.#creating.delete(name));
      this.#creating.set(name, pending);
    }
    return pending;
  }
}

/**
 * The id for `name`: an exact match first, else one differing only in case, so a different spelling reuses the
 * label rather than making a near-duplicate.
 */
function find(known: Map<string, number>, name: string): number | undefined {
  const exact = known.get(name);
  if (exact !== undefined) return exact;
  const lower = name.toLowerCase();
  for (const [n, id] of known) if (n.toLowerCase() === lower) return id;
  return undefined;
}
