/**
 * Every fake's only source of randomness: a seeded PRNG (mulberry32), so ids, secrets, seeded records, shuffles and fault
 * sequences are the same on every run with the same seed. Never Math.random() in a fake.
 */

/** Returns a function yielding floats in [0, 1), fully determined by `seed`. */
export function createPrng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `length` lowercase hex characters from the stream. */
export function hex(random: () => number, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += Math.floor(random() * 16).toString(16);
  return out;
}

/** A version-4-shaped UUID from the stream: the delivery ids all three providers send. */
export function uuid(random: () => number): string {
  const h = hex(random, 32).split('');
  h[12] = '4';
  h[16] = '89ab'[Math.floor(random() * 4)]!;
  const s = h.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

/** Fisher–Yates over a copy, drawing from `random`. */
export function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
