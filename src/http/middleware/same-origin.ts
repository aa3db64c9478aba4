/**
 * Telling a browser's cross-site request apart: what both the API and the UI refuse, so another web
 * page open in the operator's browser cannot drive a server that runs without a token.
 */

/** Why a POST is refused as cross-site, or undefined when it may proceed. */
export function crossSiteReason(headers: { fetchSite: string | undefined; origin: string | undefined }, ownOrigin: string): string | undefined {
  const site = headers.fetchSite?.toLowerCase();
  // 'same-site' is refused too: another app on a sibling subdomain or port is not us.
  if (site !== undefined) return site === 'same-origin' || site === 'none' ? undefined : `Sec-Fetch-Site: ${site}`;
  if (headers.origin !== undefined && headers.origin !== ownOrigin) return `Origin: ${headers.origin}`;
  // Neither header: not a browser form (curl, a test, a script holding the token); browsers send both.
  return undefined;
}
