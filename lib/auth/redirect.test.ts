import { describe, expect, it } from "vitest";
import { safeRedirect, safeReturnTo } from "./redirect.ts";

const origin = "http://acme.localhost:3000";

describe("safeRedirect", () => {
  it.each([
    ["/account", "/account"],
    ["/events/x?tab=1#top", "/events/x?tab=1#top"],
    ["http://acme.localhost:3000/account", "/account"],
    ["account", "/account"],
  ])("keeps %j on the tenant's own origin", (target, expected) => {
    expect(safeRedirect(target, origin)).toBe(expected);
  });

  it.each([
    "https://evil.com",
    "//evil.com",
    "//evil.com/account",
    "/\\evil.com",
    "\\\\evil.com",
    "http://globex.localhost:3000/account",
    "http://acme.localhost:4000/account",
    "https://acme.localhost:3000/account",
    "javascript:alert(1)",
    "data:text/html,hi",
    "/\t/evil.com",
    "http://acme.localhost:3000@evil.com/",
    "",
    null,
  ])("sends %j to the fallback", (target) => {
    expect(safeRedirect(target, origin)).toBe("/");
  });
});

describe("safeReturnTo", () => {
  it.each(["/events/spring-gala", "/account", "/events/x?tab=1#top", "/registrations", "/apiary", "/"])(
    "keeps the same-host path %j (positive control)",
    (path) => {
      expect(safeReturnTo(path)).toBe(path);
    },
  );

  it.each([
    "//evil.com",
    "//evil.com/events/x",
    "/\\evil.com",
    "\\\\evil.com",
    "/\t/evil.com",
    "/%0a/evil.com".replace("%0a", "\n"),
    "https://evil.com/",
    "http://acme.localhost:3000/account",
    "javascript:alert(1)",
    "data:text/html,hi",
    "events/x",
    "/api/auth/signout",
    "/API/auth/session",
    "/api",
    "/events/../api/auth/signout",
    "/events/%2e%2e/api/auth/signout",
    "/./account",
    "/" + "a".repeat(400),
    "",
    null,
    42,
  ])("refuses %j", (value) => {
    expect(safeReturnTo(value)).toBeNull();
  });
});
