import { describe, expect, it } from "vitest";
import { clientIp, normaliseIp, parseTrustedProxies } from "./client-ip.ts";

const none = parseTrustedProxies(undefined);
const proxies = parseTrustedProxies("10.0.0.5, 192.168.0.0/16, fd00::/8");

describe("clientIp", () => {
  it.each([
    // [case, socket peer, X-Forwarded-For, trusted, expected]
    ["no proxy configured: the socket, whatever the header says", "203.0.113.9", "1.2.3.4", none, "203.0.113.9"],
    ["no proxy configured, no header", "203.0.113.9", undefined, none, "203.0.113.9"],
    ["IPv4 on a dual-stack socket", "::ffff:127.0.0.1", "9.9.9.9", none, "127.0.0.1"],
    ["IPv6 peer", "2001:DB8::1", undefined, none, "2001:db8::1"],
    ["peer not a trusted proxy: header ignored", "203.0.113.9", "1.2.3.4", proxies, "203.0.113.9"],
    ["trusted proxy: the address it appended", "10.0.0.5", "198.51.100.7", proxies, "198.51.100.7"],
    [
      "trusted proxy: a client-sent entry on the left never counts",
      "10.0.0.5",
      "1.2.3.4, 198.51.100.7",
      proxies,
      "198.51.100.7",
    ],
    ["two trusted hops (CIDR)", "10.0.0.5", "1.2.3.4, 198.51.100.7, 192.168.4.4", proxies, "198.51.100.7"],
    ["trusted IPv6 range", "fd00::1", "198.51.100.7", proxies, "198.51.100.7"],
    ["several header lines", "10.0.0.5", ["1.2.3.4", "198.51.100.7"], proxies, "198.51.100.7"],
    ["entry with a port", "10.0.0.5", "198.51.100.7:5555", proxies, "198.51.100.7"],
    [
      "malformed entry: stops at the last trusted hop",
      "10.0.0.5",
      "198.51.100.7, evil, 192.168.1.1",
      proxies,
      "192.168.1.1",
    ],
    ["only trusted hops: the left-most of them", "10.0.0.5", "192.168.1.1", proxies, "192.168.1.1"],
    ["trusted proxy without a header: the proxy itself", "10.0.0.5", undefined, proxies, "10.0.0.5"],
    ["no socket address", undefined, "1.2.3.4", proxies, "unknown"],
  ] as const)("%s", (_case, peer, header, trusted, expected) => {
    expect(clientIp(peer, header as string | string[] | undefined, trusted)).toBe(expected);
  });
});

describe("parseTrustedProxies", () => {
  it("accepts addresses and ranges of both families", () => {
    expect(parseTrustedProxies(" 10.0.0.1 ,10.1.0.0/16,fd00::/8,::1 ").entries).toEqual([
      "10.0.0.1",
      "10.1.0.0/16",
      "fd00::/8",
      "::1",
    ]);
    expect(parseTrustedProxies("").entries).toEqual([]);
  });

  it.each(["proxy.internal", "10.0.0.0/33", "10.0.0.1/8/2", "fd00::/129", "10.0.0.0/x", "300.1.1.1"])(
    "refuses %s, naming it",
    (entry) => {
      expect(() => parseTrustedProxies(`10.0.0.1,${entry}`)).toThrow(`entry 2 ("${entry}")`);
    },
  );
});

describe("normaliseIp", () => {
  it.each([
    ["[2001:db8::1]:443", "2001:db8::1"],
    ["10.0.0.1:8080", "10.0.0.1"],
    ["not-an-ip", null],
    ["", null],
  ])("%s → %s", (raw, expected) => expect(normaliseIp(raw)).toBe(expected));
});
