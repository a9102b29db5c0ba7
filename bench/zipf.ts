/** A seeded PRNG (mulberry32), so every run draws the same request sequence. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * Ranks 0..n-1 drawn with probability ∝ 1/(rank+1)^s: a few tenants get most of the traffic, as
 * on a real fleet. Inverse CDF by binary search over precomputed cumulative weights.
 */
export function zipf(n: number, s: number, random: () => number): { next(): number; shareOfTop(k: number): number } {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    sum += 1 / (i + 1) ** s;
    cdf[i] = sum;
  }
  return {
    next() {
      const u = random() * sum;
      let lo = 0;
      let hi = n - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (cdf[mid]! < u) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    },
    shareOfTop: (k) => (cdf[Math.min(n, k) - 1] ?? 0) / sum,
  };
}
