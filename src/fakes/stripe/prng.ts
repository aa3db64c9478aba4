/**
 * The fake's only source of randomness: a seeded PRNG (mulberry32), so ids and fault sequences are the
 * same on every run with the same seed. Never Math.random() in the fake.
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
