/**
 * Accepted tokens and whose they are. By default any non-empty token is accepted and acts as the default user, so a
 * test needs no setup; a list makes every other token a 401 and lets two tokens be two people (and two rate windows).
 */
import type { Caller } from './http.ts';

export type TokenSpec = string | { token: string; login: string };

export class Tokens {
  readonly #known = new Map<string, string>();
  readonly #open: boolean;
  readonly #defaultLogin: string;

  constructor(specs: readonly TokenSpec[] | undefined, defaultLogin: string) {
    this.#open = specs === undefined;
    this.#defaultLogin = defaultLogin;
    for (const s of specs ?? []) this.add(s);
  }

  add(spec: TokenSpec): void {
    if (typeof spec === 'string') this.#known.set(spec, this.#defaultLogin);
    else this.#known.set(spec.token, spec.login);
  }

  revoke(token: string): void {
    this.#known.delete(token);
  }

  /** The caller for a presented token, or null when it is not accepted. */
  resolve(token: string | null | undefined): Caller | null {
    if (!token) return null;
    const login = this.#known.get(token) ?? (this.#open ? this.#defaultLogin : undefined);
    return login === undefined ? null : { token, login };
  }
}

/** `<scheme> <value>` from an Authorization header, the scheme compared case-insensitively. */
export function authorizationValue(header: string | undefined, schemes: readonly string[]): string | null {
  if (!header) return null;
  const m = /^\s*(\S+)\s+(\S+)\s*$/.exec(header);
  if (!m) return null;
  return schemes.includes(m[1]!.toLowerCase()) ? m[2]! : null;
}
