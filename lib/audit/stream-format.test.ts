import { describe, expect, it } from "vitest";
import {
  backoffMs,
  dedupId,
  frame,
  parseSyslog,
  SD_ID,
  signBody,
  syslogMessage,
  unframe,
  verifySignature,
  type StreamEntry,
} from "./stream-format.ts";

const entry: StreamEntry = {
  dedupId: dedupId("agency", 42n, "ab".repeat(32)),
  id: "42",
  at: "2026-12-05T11:00:00.000Z",
  action: "tenant.create",
  actorType: "agency-user",
  actorLabel: 'ops "quoted" [x] \\ back',
  details: { note: "é ünïcode" },
};

describe("audit stream formats", () => {
  it("builds stable dedup ids from scope, id and hash", () => {
    expect(entry.dedupId).toBe("agency:42:abababababababab");
  });

  it("signs t.body with HMAC-SHA256 and verifies only the same key and body", () => {
    const header = signBody("k1", '{"a":1}', 1_700_000_000);
    expect(header).toMatch(/^t=1700000000,v1=[0-9a-f]{64}$/);
    expect(verifySignature("k1", '{"a":1}', header)).toBe(true);
    expect(verifySignature("k2", '{"a":1}', header)).toBe(false);
    expect(verifySignature("k1", '{"a":2}', header)).toBe(false);
    expect(verifySignature("k1", '{"a":1}', "garbage")).toBe(false);
  });

  it("writes RFC 5424 messages with escaped structured data that parse back", () => {
    const message = syslogMessage(entry, "agency", "portico host");
    expect(
      message.startsWith("<110>1 2026-12-05T11:00:00.000Z portico_host portico - tenant.create [portico@32473 "),
    ).toBe(true);
    const parsed = parseSyslog(message);
    expect(parsed.sd[SD_ID]).toEqual({
      dedupId: entry.dedupId,
      scope: "agency",
      entryId: "42",
      actor: entry.actorLabel,
    });
    expect(JSON.parse(parsed.msg)).toEqual(entry);
  });

  it("frames by octet count (bytes, not characters) and unframes across chunk boundaries", () => {
    const a = frame(syslogMessage(entry, "agency", "h"));
    const b = frame("<110>1 - - - - - - ü");
    const all = Buffer.concat([a, b]);
    const first = unframe(all.subarray(0, a.length + 3));
    expect(first.messages).toHaveLength(1);
    const second = unframe(Buffer.concat([first.rest, all.subarray(a.length + 3)]));
    expect(second.messages).toEqual(["<110>1 - - - - - - ü"]);
    expect(second.rest).toHaveLength(0);
  });

  it("backs off exponentially from the base, capped", () => {
    expect([1, 2, 3, 4].map((n) => backoffMs(n, 1_000, 5_000))).toEqual([1_000, 2_000, 4_000, 5_000]);
    expect(backoffMs(100)).toBe(15 * 60_000);
  });
});
