import { describe, expect, it } from "vitest";
import { describeFailure } from "./fleet-metrics.server.ts";
import { TimeoutError, withTimeout } from "../util/concurrency.ts";

describe("describeFailure", () => {
  it("names a cancelled statement as a timeout", () => {
    expect(describeFailure(Object.assign(new Error("canceling statement"), { code: "57014" }), 2000)).toBe(
      "timed out: no answer within 2000 ms (statement cancelled)",
    );
  });

  it("names a wait that passed its deadline (connecting included) as a timeout too", async () => {
    const error = await withTimeout(new Promise(() => {}), 5, "the database of acme").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(describeFailure(error, 2000)).toBe("timed out: the database of acme did not answer within 5 ms");
  });

  it("keeps any other failure's last line, which is not a timeout", () => {
    const reason = describeFailure(new Error("connect failed\ndatabase is not currently accepting connections"), 2000);
    expect(reason).toBe("database is not currently accepting connections");
    expect(reason.startsWith("timed out")).toBe(false);
  });
});
