import { describe, expect, it } from "vitest";
import { TimeoutError, mapSettledBounded, withTimeout } from "./concurrency.ts";

describe("mapSettledBounded", () => {
  it("never runs more than `limit` at once, and keeps order", async () => {
    let running = 0;
    let peak = 0;
    const results = await mapSettledBounded(
      Array.from({ length: 40 }, (_, i) => i),
      5,
      async (n) => {
        running += 1;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 1 + (n % 3)));
        running -= 1;
        return n * 2;
      },
    );
    expect(peak).toBe(5);
    expect(results.map((r) => (r.status === "fulfilled" ? r.value : null))).toEqual(
      Array.from({ length: 40 }, (_, i) => i * 2),
    );
  });

  it("settles every item even when some fail", async () => {
    const results = await mapSettledBounded([1, 2, 3], 2, async (n) => {
      if (n === 2) throw new Error("two failed");
      return n;
    });
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
  });

  it("handles an empty list", async () => {
    expect(await mapSettledBounded([], 4, async () => 1)).toEqual([]);
  });
});

describe("withTimeout", () => {
  it("passes a fast result through", async () => {
    await expect(withTimeout(Promise.resolve(7), 50, "fast")).resolves.toBe(7);
  });

  it("rejects a slow one with a message naming it", async () => {
    const slow = new Promise((r) => setTimeout(r, 500));
    await expect(withTimeout(slow, 20, "database of acme")).rejects.toThrow(
      new TimeoutError("database of acme did not answer within 20 ms"),
    );
  });
});
