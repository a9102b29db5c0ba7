import { describe, expect, it } from "vitest";
import { seededRandom, zipf } from "./zipf.ts";

describe("the Zipf sampler", () => {
  it("draws ranks in proportion to 1/rank^s", () => {
    const z = zipf(1000, 1.1, seededRandom(7));
    const counts = new Array<number>(1000).fill(0);
    for (let i = 0; i < 200_000; i++) counts[z.next()]! += 1;
    // Rank 1 is drawn about 2^1.1 ≈ 2.14 times as often as rank 2.
    expect(counts[0]! / counts[1]!).toBeGreaterThan(1.95);
    expect(counts[0]! / counts[1]!).toBeLessThan(2.35);
    const top100 = counts.slice(0, 100).reduce((a, b) => a + b, 0) / 200_000;
    expect(top100).toBeCloseTo(z.shareOfTop(100), 1);
    expect(counts.every((c) => c >= 0)).toBe(true);
    expect(counts.slice(900).some((c) => c > 0)).toBe(true);
  });

  it("is repeatable for a seed", () => {
    const a = zipf(50, 1, seededRandom(1));
    const b = zipf(50, 1, seededRandom(1));
    expect(Array.from({ length: 20 }, () => a.next())).toEqual(Array.from({ length: 20 }, () => b.next()));
  });
});
