import { describe, expect, it } from "vitest";
import { RateLimitedLog } from "./rate-limited-log.ts";

describe("RateLimitedLog", () => {
  it("writes a key once per interval, then says how many it left out", () => {
    let now = 0;
    const lines: string[] = [];
    const log = new RateLimitedLog(
      (l) => lines.push(l),
      60_000,
      () => now,
    );
    for (let i = 0; i < 100; i++) log.say("umbrella", "tenant umbrella unavailable");
    expect(lines).toEqual(["tenant umbrella unavailable"]);
    now = 59_999;
    expect(log.say("umbrella", "tenant umbrella unavailable")).toBe(false);
    now = 60_000;
    expect(log.say("umbrella", "tenant umbrella unavailable")).toBe(true);
    expect(lines).toEqual([
      "tenant umbrella unavailable",
      "tenant umbrella unavailable (100 more since the last report)",
    ]);
  });

  it("keeps keys apart: another tenant is reported at once (positive control)", () => {
    const lines: string[] = [];
    const log = new RateLimitedLog(
      (l) => lines.push(l),
      60_000,
      () => 0,
    );
    log.say("a", "tenant a unavailable");
    log.say("a", "tenant a unavailable");
    log.say("b", "tenant b unavailable");
    expect(lines).toEqual(["tenant a unavailable", "tenant b unavailable"]);
  });
});
