import { describe, expect, it } from "vitest";
import { checkResolvedAddress, checkSyslogTarget, checkWebhookUrl, isPublicAddress } from "./sink-address.ts";

describe("audit sink addresses (security case 112)", () => {
  it.each([
    ["8.8.8.8", true],
    ["2001:4860:4860::8888", true],
    ["127.0.0.1", false],
    ["10.1.2.3", false],
    ["172.20.0.1", false],
    ["192.168.1.1", false],
    ["169.254.169.254", false],
    ["100.64.0.1", false],
    ["0.0.0.0", false],
    ["::1", false],
    ["fe80::1", false],
    ["fd00::1", false],
    ["::ffff:127.0.0.1", false],
    ["::ffff:8.8.8.8", true],
    ["not-an-ip", false],
  ])("%s is public: %s", (ip, expected) => {
    expect(isPublicAddress(ip)).toBe(expected);
  });

  it("takes https webhooks with public or named hosts, refuses the rest with what to do", () => {
    expect(checkWebhookUrl("https://siem.example.com/in", false)).toEqual({
      ok: true,
      target: { kind: "webhook", url: "https://siem.example.com/in" },
    });
    const refusals: Array<[string, RegExp]> = [
      ["http://siem.example.com/in", /must use https/],
      ["ftp://siem.example.com/in", /must use https/],
      ["https://user:pw@siem.example.com/in", /Leave credentials out/],
      ["https://127.0.0.1/in", /private, loopback/],
      ["https://[::1]/in", /private, loopback/],
      ["https://localhost/in", /local name/],
      ["https://169.254.169.254/latest", /private, loopback/],
      ["siem", /full address/],
    ];
    for (const [url, message] of refusals) {
      const check = checkWebhookUrl(url, false);
      expect(check.ok, url).toBe(false);
      if (!check.ok) expect(check.error).toMatch(message);
    }
  });

  it("allows loopback (and http to it) only when private addresses are allowed", () => {
    expect(checkWebhookUrl("http://127.0.0.1:9999/in", true).ok).toBe(true);
    expect(checkWebhookUrl("http://localhost:9999/in", true).ok).toBe(true);
    expect(checkWebhookUrl("http://siem.example.com/in", true).ok).toBe(false);
    expect(checkSyslogTarget("127.0.0.1", 6514, true).ok).toBe(true);
    expect(checkSyslogTarget("127.0.0.1", 6514, false).ok).toBe(false);
    expect(checkSyslogTarget("logs.siem.example.com", 6514, false).ok).toBe(true);
    expect(checkSyslogTarget("logs.siem.example.com", 70000, false).ok).toBe(false);
    expect(checkSyslogTarget("bad host", 6514, false).ok).toBe(false);
  });

  it("refuses a resolved private address at delivery unless allowed", () => {
    expect(checkResolvedAddress("siem.example.com", "10.0.0.5", false)).toMatch(/resolves to 10.0.0.5/);
    expect(checkResolvedAddress("siem.example.com", "93.184.216.34", false)).toBeNull();
    expect(checkResolvedAddress("siem.example.com", "10.0.0.5", true)).toBeNull();
  });
});
