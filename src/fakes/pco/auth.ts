/**
 * Who is calling (reference §3): HTTP Basic with a personal access token's application id and secret, or
 * `Authorization: Bearer <token>` (OAuth access token). By default any non-empty pair or token is accepted; once
 * apps (or tokens) are registered only those are. Tokens can expire (hint BABOON), be revoked (CAPUCHIN) or lack the
 * product's scope (PELICAN); every failure is PCO's 401 body. The rate limiter counts per credential.
 */
import { unauthorized } from './errors.ts';
import { toMs, type TimeInput } from './time.ts';
import type { Product } from './versions.ts';

export interface AppCredential {
  id: string;
  secret: string;
}

export interface TokenSpec {
  token: string;
  /** After this instant (on the fake's clock) the token is expired: 401 with hint BABOON. */
  expiresAt?: TimeInput;
  /** OAuth scopes (`people`, `webhooks`…); a request to a product outside them is a 401 PELICAN. Default: all. */
  scopes?: string[];
}

export interface Caller {
  /** What the limiter and the log key on: the application id, or the token itself. */
  id: string;
  method: 'basic' | 'bearer';
}

export class Auth {
  readonly #apps = new Map<string, string>();
  readonly #tokens = new Map<string, { expiresAt: number | null; scopes: string[] | null }>();
  readonly #revoked = new Set<string>();
  readonly #now: () => number;
  #strictApps = false;
  #strictTokens = false;

  constructor(now: () => number, options: { apps?: AppCredential[]; tokens?: (string | TokenSpec)[] } = {}) {
    this.#now = now;
    for (const app of options.apps ?? []) this.addApp(app.id, app.secret);
    for (const token of options.tokens ?? []) this.addToken(token);
  }

  /** Registers a personal access token; from then on only registered ones are accepted. */
  addApp(id: string, secret: string): void {
    this.#strictApps = true;
    this.#apps.set(id, secret);
  }

  /** Registers a bearer token; from then on only registered ones are accepted. */
  addToken(token: string | TokenSpec): void {
    const spec = typeof token === 'string' ? { token } : token;
    this.#strictTokens = true;
    this.#revoked.delete(spec.token);
    this.#tokens.set(spec.token, { expiresAt: spec.expiresAt === undefined ? null : toMs(spec.expiresAt), scopes: spec.scopes ?? null });
  }

  /** The token is refused from now on with hint CAPUCHIN. */
  revoke(token: string): void {
    this.#revoked.add(token);
  }

  /** The token is refused from now on with hint BABOON, as after its two hours. */
  expire(token: string): void {
    const known = this.#tokens.get(token);
    // In open mode this records the token without closing the door to others.
    this.#tokens.set(token, { expiresAt: this.#now() - 1, scopes: known?.scopes ?? null });
  }

  /** The caller, or a thrown 401. */
  authenticate(header: string | undefined, product: Product | null): Caller {
    if (!header) throw unauthorized();
    const [scheme = '', value = ''] = header.trim().split(/\s+/, 2);
    if (scheme.toLowerCase() === 'basic') {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const id = colon < 0 ? decoded : decoded.slice(0, colon);
      const secret = colon < 0 ? '' : decoded.slice(colon + 1);
      if (!id || !secret) throw unauthorized();
      // CHINCHILLA: "client application missing or invalid".
      if (this.#strictApps && this.#apps.get(id) !== secret) throw unauthorized('CHINCHILLA');
      return { id, method: 'basic' };
    }
    if (scheme.toLowerCase() === 'bearer' && value) {
      if (this.#revoked.has(value)) throw unauthorized('CAPUCHIN');
      const token = this.#tokens.get(value);
      if (this.#strictTokens && !token) throw unauthorized();
      if (token?.expiresAt != null && this.#now() >= token.expiresAt) throw unauthorized('BABOON');
      if (token?.scopes && product && !token.scopes.includes(product)) throw unauthorized('PELICAN');
      return { id: value, method: 'bearer' };
    }
    throw unauthorized();
  }
}
