import { afterEach, describe, expect, it } from "vitest";
import { kickAuditStreams, setAuditStreamKicker } from "./stream-kick.server.ts";

describe("kickAuditStreams (security case 110)", () => {
  afterEach(() => setAuditStreamKicker(null));

  it("asks for the scope's delivery and returns without waiting for it", async () => {
    const asked: Array<string | null> = [];
    setAuditStreamKicker((scope) => {
      asked.push(scope);
      return new Promise(() => {}); // a request that never finishes
    });
    await expect(kickAuditStreams("6f1c2a52-0000-4000-8000-000000000001")).resolves.toBeUndefined();
    await expect(kickAuditStreams(null)).resolves.toBeUndefined();
    expect(asked).toEqual(["6f1c2a52-0000-4000-8000-000000000001", null]);
  });

  it("never throws into the caller, whether asking fails at once or later", async () => {
    setAuditStreamKicker(() => {
      throw new Error("control plane down");
    });
    await expect(kickAuditStreams(null)).resolves.toBeUndefined();
    setAuditStreamKicker(() => Promise.reject(new Error("queue refused")));
    await expect(kickAuditStreams(null)).resolves.toBeUndefined();
    setAuditStreamKicker(null);
    await expect(kickAuditStreams(null)).resolves.toBeUndefined();
  });
});
