/**
 * Stripe-looking ids (`cus_QXg1o8vcGmoR32`, `ch_1PgafuB7WZ01zgkWXYmPNZs8`), deterministic per seed and unique per
 * prefix: a per-prefix counter goes through a bijection on 32-bit integers (murmur3's finaliser), so ids look random
 * but two counters never give the same id. The remaining characters come from the seeded PRNG.
 */
import { createPrng } from '../prng.ts';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** murmur3 fmix32: every step is invertible, so distinct inputs give distinct outputs. */
function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Six characters hold any 32-bit value (62^6 > 2^32). */
function base62x6(n: number): string {
  let out = '';
  for (let i = 0; i < 6; i++) {
    out = ALPHABET[n % 62]! + out;
    n = Math.floor(n / 62);
  }
  return out;
}

export class IdMint {
  readonly #counters = new Map<string, number>();
  readonly #random: () => number;
  readonly #offset: number;
  /** The account part of long ids, as in `ch_1Pgafu` + `B7WZ01zgkW` + …: one per fake account. */
  readonly #account: string;

  constructor(seed: number) {
    this.#random = createPrng(seed ^ 0x5eed1d5);
    this.#offset = Math.floor(this.#random() * 2 ** 32);
    this.#account = this.chars(10);
  }

  /**
   * `short` ids (customers, products, subscription items) are prefix + 14 characters; `long` ones (charges,
   * invoices, events…) prefix + `1` + 23 characters, like the fixtures. Unique for 2^32 ids per prefix.
   */
  next(prefix: string, style: 'short' | 'long' = 'long'): string {
    const n = this.#counters.get(prefix) ?? 0;
    this.#counters.set(prefix, n + 1);
    const unique = base62x6(mix32((n + this.#offset) >>> 0));
    return style === 'short' ? `${prefix}${unique}${this.chars(8)}` : `${prefix}1${unique}${this.#account}${this.chars(7)}`;
  }

  /** Characters from the seeded stream: for secrets and invoice prefixes, never relied on for uniqueness. */
  chars(length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += ALPHABET[Math.floor(this.#random() * 62)]!;
    return out;
  }
}
