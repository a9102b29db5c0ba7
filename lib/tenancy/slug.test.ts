import { readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { SLUG_PATTERN, checkSlug, tenantDatabaseName, tenantRoleName } from "./slug.ts";

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

  it.each(["t", "agency", "api", "healthz", "next", "events", "manage", "sign-in", "tickets", "brand"])(
    "rejects the router's own path segment %j, saying why",
    (slug) => {
      expect(checkSlug(slug)).toEqual({
        ok: false,
        message: `"${slug}" is reserved: Portico's router uses the path /${slug} itself; choose another slug.`,
      });
    },
  );

  // Positive controls: names that merely contain or resemble a reserved segment stay available.
  it.each(["ta", "tea", "t1", "agency-one", "apis", "eventful", "my-events", "manager", "tickets-co"])(
    "accepts %j beside the reserved segments",
    (slug) => {
      expect(checkSlug(slug)).toEqual({ ok: true, slug });
    },
  );

  it("reserves every folder of app/ and public/, read from the file system", () => {
    const root = path.resolve(import.meta.dirname, "../..");
    const segments = new Set<string>();
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (!entry.isDirectory()) continue;
        walk(path.join(dir, entry.name));
        // [param] and (group) folders never appear in a URL; "audit.csv" is reached as /audit.csv.
        if (/^[[(]/.test(entry.name)) continue;
        segments.add(entry.name.replace(/\..*$/, ""));
      }
    };
    walk(path.join(root, "app"));
    for (const entry of readdirSync(path.join(root, "public"))) segments.add(entry.replace(/\..*$/, ""));
    const slugShaped = [...segments].filter((s) => SLUG_PATTERN.test(s));
    expect(slugShaped).toEqual(expect.arrayContaining(["t", "agency", "api", "manage", "events"]));
    expect(slugShaped.filter((s) => checkSlug(s).ok)).toEqual([]);
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
