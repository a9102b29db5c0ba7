import { describe, expect, it } from "vitest";
import { checkSlug, tenantDatabaseName, tenantRoleName } from "./slug.ts";

describe("checkSlug", () => {
  it.each(["acme", "acme-pharma", "a1", "x", "globex-2027", "a".repeat(40)])("accepts %j", (slug) => {
    expect(checkSlug(slug)).toEqual({ ok: true, slug });
  });

  // security case 14: hostile names are refused before any SQL runs, with a message that helps.
  it.each([
    ['x"; DROP DATABASE postgres; --', /not a valid slug/],
    ["acme'; --", /not a valid slug/],
    ["a".repeat(41), /at most 40 characters/],
    ["a".repeat(64), /at most 40 characters/],
    ["bücher", /not a valid slug/],
    ["ACME", /not a valid slug/],
    ["1acme", /not a valid slug/],
    ["-acme", /not a valid slug/],
    ["acme-", /not a valid slug/],
    ["ac--me", /not a valid slug/],
    ["ac_me", /not a valid slug/],
    ["acme.localhost", /not a valid slug/],
    ["postgres", /reserved/],
    ["template0", /reserved/],
    ["template1", /reserved/],
    ["admin", /reserved/],
    ["www", /reserved/],
    ["", /Enter a slug/],
  ])("rejects %j", (input, message) => {
    const result = checkSlug(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(message);
  });

  it("rejects non-strings", () => {
    expect(checkSlug(undefined).ok).toBe(false);
    expect(checkSlug(42).ok).toBe(false);
  });
});

describe("database identifiers", () => {
  it("derive from the slug and fit PostgreSQL's 63-byte limit", () => {
    const longest = "a".repeat(40);
    expect(tenantDatabaseName("acme-pharma")).toBe("t_acme_pharma");
    expect(tenantRoleName("acme-pharma")).toBe("t_acme_pharma_app");
    expect(tenantRoleName(longest).length).toBeLessThanOrEqual(63);
  });
});
