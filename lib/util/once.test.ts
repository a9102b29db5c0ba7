import { describe, expect, it, vi } from "vitest";
import { onceByKey } from "./once.ts";

describe("onceByKey", () => {
  it("loads each key once, also for concurrent callers", async () => {
    const load = vi.fn(async (key: string) => key.toUpperCase());
    const get = onceByKey(load);
    expect(await Promise.all([get("a"), get("a"), get("b")])).toEqual(["A", "A", "B"]);
    expect(await get("a")).toBe("A");
    expect(load).toHaveBeenCalledTimes(2);
  });

  it("forgets a failure so the next call retries", async () => {
    let fail = true;
    const get = onceByKey(async () => {
      if (fail) throw new Error("down");
      return "up";
    });
    await expect(get("k")).rejects.toThrow("down");
    fail = false;
    expect(await get("k")).toBe("up");
  });
});
