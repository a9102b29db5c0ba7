import { describe, expect, it } from "vitest";
import { requestIdFor } from "./request-id.ts";
import { routeGroup } from "./route-group.ts";
import { scrapeAuthorised, statusClass } from "./metrics.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe("requestIdFor", () => {
  it("replaces an id sent by a client that is not a trusted proxy", () => {
    const id = requestIdFor("chosen-by-the-client", false);
    expect(id).not.toBe("chosen-by-the-client");
    expect(id).toMatch(UUID);
  });

  it("keeps a trusted proxy's id (positive control), but not one that would break a log line", () => {
    expect(requestIdFor("nginx-7f3a9c2e41d0", true)).toBe("nginx-7f3a9c2e41d0");
    expect(requestIdFor(["a1b2c3d4e5f6", "other"], true)).toBe("a1b2c3d4e5f6");
    expect(requestIdFor('x"\n{"level":"fatal"}', true)).toMatch(UUID);
    expect(requestIdFor("short", true)).toMatch(UUID);
    expect(requestIdFor(undefined, true)).toMatch(UUID);
  });
});

describe("routeGroup", () => {
  it.each([
    [{ method: "GET", path: "/", realm: "tenant", serverAction: false }, "portal-page"],
    [{ method: "POST", path: "/events/x", realm: "tenant", serverAction: true }, "portal-action"],
    [{ method: "POST", path: "/events/x", realm: "tenant", serverAction: false }, "portal-page"],
    [{ method: "GET", path: "/tenants/acme", realm: "agency", serverAction: false }, "agency-page"],
    [{ method: "POST", path: "/tenants/new", realm: "agency", serverAction: true }, "agency-action"],
    [{ method: "POST", path: "/api/auth/callback/password", realm: "tenant", serverAction: false }, "api"],
    [{ method: "GET", path: "/_next/static/chunks/a.js", realm: undefined, serverAction: false }, "asset"],
    [{ method: "GET", path: "/logo/abc.png", realm: "tenant", serverAction: false }, "asset"],
    [{ method: "GET", path: "/__nextjs_font/geist-latin.woff2", realm: undefined, serverAction: false }, "asset"],
    [{ method: "GET", path: "/readyz", realm: undefined, serverAction: false }, "ops"],
    [{ method: "GET", path: "/", realm: "none", serverAction: false }, "unknown-host"],
  ] as const)("%o → %s", (request, group) => {
    expect(routeGroup(request)).toBe(group);
  });
});

describe("scrapeAuthorised (security case 57)", () => {
  const token = "a".repeat(16) + "b".repeat(16);
  it("refuses no header, another scheme, a wrong or partial token, and any token when none is configured", () => {
    expect(scrapeAuthorised(undefined, token)).toBe(false);
    expect(scrapeAuthorised(`Basic ${token}`, token)).toBe(false);
    expect(scrapeAuthorised(`Bearer ${token}x`, token)).toBe(false);
    expect(scrapeAuthorised(`Bearer ${token.slice(0, 31)}`, token)).toBe(false);
    expect(scrapeAuthorised("Bearer ", undefined)).toBe(false);
    expect(scrapeAuthorised(`Bearer ${token}`, undefined)).toBe(false);
  });

  it("accepts the configured token (positive control)", () => {
    expect(scrapeAuthorised(`Bearer ${token}`, token)).toBe(true);
    expect(scrapeAuthorised(`bearer ${token}`, token)).toBe(true);
  });
});

describe("statusClass", () => {
  it("has five values and a catch-all, never the status itself", () => {
    expect([200, 204, 302, 404, 503, 0].map(statusClass)).toEqual(["2xx", "2xx", "3xx", "4xx", "5xx", "other"]);
  });
});
