import { describe, expect, it } from "vitest";
import { median, quantile } from "./stats.ts";

describe("quantiles", () => {
  it("interpolate between the nearest values, whatever the order", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(quantile([10, 20, 30, 40, 50], 0.25)).toBe(20);
    expect(quantile([1, 2], 0.75)).toBe(1.75);
    expect(quantile([7], 0.9)).toBe(7);
    expect(median([])).toBeNaN();
  });
});
