/**
 * The Planning Center People source as a manifest adapter (`syncbridge/connectors/pco`): campuses, people,
 * households, addresses, emails and phone numbers, read through PCO's JSON:API with offset paging, kept current by
 * `updated_at` deltas and People webhooks. The engine owns order, checkpoints and the shared rate limit; this file
 * only wires the provider-specific parts together. Imports only the protocol and the shared HTTP client.
 */
import { createHash } from 'node:crypto';
import { NotFound } from '../../protocol/errors.ts';
import type { ManifestAdapter } from '../../protocol/manifest.ts';
import { PcoClient } from './client.ts';
import { flattenResource } from './jsonapi.ts';
import { listPage } from './list.ts';
import { pcoManifest, type PcoEntity } from './manifest.ts';
import { PcoConfig } from './spec.ts';
import { touchedByPcoWebhook, verifyPcoWebhook } from './webhooks.ts';

export { PcoConfig } from './spec.ts';
export type { PcoEntity } from './manifest.ts';
export { pcoManifest } from './manifest.ts';

/** PCO's published limit (§9): 100 requests per 20 seconds per authenticated user, all products together. */
export const PCO_RATE_LIMIT = { requests: 100, perSeconds: 20 } as const;

export const pcoAdapter: ManifestAdapter<PcoConfig, PcoEntity> = {
  name: 'pco',
  manifest: pcoManifest,
  configSchema: PcoConfig,

  rateLimit(config) {
    // The limit is per PCO user: the application id names a personal access token; a token is named by a digest,
    // so the key never spells a secret.
    const who = config.access_token !== undefined ? `token:${createHash('sha256').update(config.access_token).digest('hex').slice(0, 16)}` : `app:${config.application_id}`;
    const limit = config.rate_limit ? { requests: config.rate_limit.requests, perSeconds: config.rate_limit.per_seconds } : PCO_RATE_LIMIT;
    return { key: `pco:${new URL(config.base_url).host}:${who}`, ...limit };
  },

  listPage(params) {
    return listPage(new PcoClient(params.config, params), params);
  },

  async fetchOne({ config, entity, id, signal, acquire }) {
    const get = pcoManifest.entities[entity].endpoints.get!;
    try {
      const doc = await new PcoClient(config, { signal, acquire }).get(get.path.replace('{id}', encodeURIComponent(id)));
      return doc.data === null || Array.isArray(doc.data) ? null : flattenResource(doc.data);
    } catch (err) {
      // A deleted or merged-away record is a 404 (§10, §12).
      if (err instanceof NotFound) return null;
      throw err;
    }
  },

  webhooks: {
    verify: verifyPcoWebhook,
    touched: ({ delivery }) => touchedByPcoWebhook(delivery),
  },
};
