import { describe, expect, it } from "vitest";
import { classifyHost, normaliseHost, requestHost, type HostConfig } from "./host.ts";

const dev: HostConfig = { rootDomain: "localhost", agencyHost: "admin.localhost", bareHost: "notFound" };
const prod: HostConfig = { rootDomain: "portico.example", agencyHost: "agency.portico.example", bareHost: "agency" };

describe("normaliseHost", () => {
  it.each([
    ["acme.localhost", "acme.localhost"],
    ["ACME.LocalHost", "acme.localhost"],
    ["acme.localhost:3000", "acme.localhost"],
    ["acme.localhost.", "acme.localhost"],
    ["acme.localhost.:3000", "acme.localhost"],
    ["  acme.localhost  ", "acme.localhost"],
    ["bücher.example", "xn--bcher-kva.example"],
    ["xn--bcher-kva.example", "xn--bcher-kva.example"],
    ["BÜCHER.example", "xn--bcher-kva.example"],
    ["127.0.0.1:3000", "127.0.0.1"],
    ["[::1]:3000", "[::1]"],
  ])("%s → %s", (raw, expected) => {
    expect(normaliseHost(raw)).toBe(expected);
  });

  it.each([
    [""],
    ["   "],
    ["acme.localhost:"],
    ["acme.localhost:99999"],
    ["acme.localhost:3000:1"],
    ["user@acme.localhost"],
    ["acme.localhost/path"],
    ["acme.localhost\\evil.com"],
    ["acme..localhost"],
    ["-acme.localhost"],
    ["acme-.localhost"],
    ["acme_corp.localhost"],
    ["acme.localhost%00"],
    ["acme localhost"],
    ["acme.localhost\r\nX-Injected: 1"],
    [`${"a".repeat(64)}.localhost`],
    [`${"a.".repeat(130)}com`],
    ["[::1"],
    ["."],
  ])("rejects %j", (raw) => {
    expect(normaliseHost(raw)).toBeNull();
  });

  it("rejects a missing header", () => {
    expect(normaliseHost(null)).toBeNull();
    expect(normaliseHost(undefined)).toBeNull();
  });
});

describe("classifyHost", () => {
  it.each([
    // tenant subdomains, in every spelling that must reach the same tenant (security case 3)
    ["acme.localhost:3000", dev, { kind: "subdomain", hostname: "acme.localhost", slug: "acme" }],
    ["ACME.localhost.", dev, { kind: "subdomain", hostname: "acme.localhost", slug: "acme" }],
    ["www.acme.localhost", dev, { kind: "subdomain", hostname: "acme.localhost", slug: "acme" }],
    ["globex.portico.example", prod, { kind: "subdomain", hostname: "globex.portico.example", slug: "globex" }],
    // custom domains are candidates for the resolver
    ["portal.globex.localhost", dev, { kind: "custom", hostname: "portal.globex.localhost" }],
    ["events.acme-pharma.com", prod, { kind: "custom", hostname: "events.acme-pharma.com" }],
    ["www.acme-pharma.com", prod, { kind: "custom", hostname: "acme-pharma.com" }],
    ["bücher.example", prod, { kind: "custom", hostname: "xn--bcher-kva.example" }],
    ["evil.com", dev, { kind: "custom", hostname: "evil.com" }],
    // the agency
    ["admin.localhost:3000", dev, { kind: "agency", hostname: "admin.localhost" }],
    ["ADMIN.localhost.", dev, { kind: "agency", hostname: "admin.localhost" }],
    ["agency.portico.example", prod, { kind: "agency", hostname: "agency.portico.example" }],
    // bare hosts follow configuration, never a default tenant (security case 4)
    ["localhost:3000", dev, { kind: "none", reason: "bare host is not configured to serve anything" }],
    ["127.0.0.1", dev, { kind: "none", reason: "bare host is not configured to serve anything" }],
    ["[::1]:3000", dev, { kind: "none", reason: "bare host is not configured to serve anything" }],
    ["portico.example", prod, { kind: "agency", hostname: "portico.example" }],
    ["10.0.0.7:443", prod, { kind: "agency", hostname: "10.0.0.7" }],
    // malformed
    ["acme.localhost/x", dev, { kind: "none", reason: "malformed host" }],
    ["", dev, { kind: "none", reason: "malformed host" }],
  ] as const)("%s → %o", (raw, config, expected) => {
    expect(classifyHost(raw, config)).toEqual(expected);
  });

  it("never strips www. down to the root or a bare label", () => {
    expect(classifyHost("www.localhost", dev)).toEqual({ kind: "subdomain", hostname: "www.localhost", slug: "www" });
    expect(classifyHost("www.com", prod)).toEqual({ kind: "custom", hostname: "www.com" });
  });

  it("treats a nested subdomain of the root as a custom-domain candidate, not a slug", () => {
    expect(classifyHost("a.b.localhost", dev)).toEqual({ kind: "custom", hostname: "a.b.localhost" });
  });
});

describe("requestHost", () => {
  const headers = new Headers({ host: "acme.localhost:3000", "x-forwarded-host": "globex.localhost" });

  it("ignores X-Forwarded-Host unless it is trusted (security case 2)", () => {
    expect(requestHost(headers, false)).toBe("acme.localhost:3000");
  });

  it("uses the first X-Forwarded-Host when configured as trusted", () => {
    expect(
      requestHost(new Headers({ host: "lb.internal", "x-forwarded-host": "globex.localhost, acme.localhost" }), true),
    ).toBe("globex.localhost");
  });

  it("falls back to Host when a trusted proxy sent no forwarded host", () => {
    expect(requestHost(new Headers({ host: "acme.localhost" }), true)).toBe("acme.localhost");
  });
});
