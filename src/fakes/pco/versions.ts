/**
 * Dated API versions per product (reference §2): `X-PCO-API-Version` picks the newest version on or before the date
 * asked for, `LATEST` the newest; anything older than 2018-08-01 (or not a date) is a 400. Without the header a
 * request runs as the application's default, 2018-08-01 unless configured, and the answer says which in
 * `X-PCO-API-Processed-As-Version`.
 */
import { unsupportedVersion } from './errors.ts';

export const PEOPLE_VERSIONS = [
  '2018-08-01', '2019-01-14', '2019-10-10', '2020-04-06', '2020-07-22', '2021-08-17', '2022-01-05', '2022-01-28',
  '2022-07-14', '2023-02-15', '2023-03-21', '2024-09-12', '2025-03-20', '2025-07-02', '2025-07-17', '2025-11-10',
] as const;

export const WEBHOOKS_VERSIONS = ['2018-08-01', '2022-10-20'] as const;

export type Product = 'people' | 'webhooks';

export const VERSIONS: Record<Product, readonly string[]> = { people: PEOPLE_VERSIONS, webhooks: WEBHOOKS_VERSIONS };

export const LATEST_PEOPLE_VERSION = PEOPLE_VERSIONS[PEOPLE_VERSIONS.length - 1]!;

/** Address `street` became `street_line_1` + `street_line_2` in this People version. */
export const ADDRESS_LINES_SINCE = '2023-03-21';

/** Webhooks' `Subscription` became `WebhookSubscription` (and its path `webhook_subscriptions`) in this version. */
export const WEBHOOK_SUBSCRIPTIONS_SINCE = '2022-10-20';

/** The version a request runs as; throws PCO's 400 for an unsupported one. */
export function resolveVersion(product: Product, requested: string | undefined, fallback: string): string {
  const available = VERSIONS[product];
  const asked = requested?.trim() || fallback;
  if (asked.toUpperCase() === 'LATEST') return available[available.length - 1]!;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(asked)) throw unsupportedVersion(asked);
  let found: string | undefined;
  for (const v of available) if (v <= asked) found = v;
  if (!found) throw unsupportedVersion(asked);
  return found;
}
