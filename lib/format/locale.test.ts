import { describe, expect, it } from "vitest";
import { LOCALES, intlLocale, isLocale, resolveLocale } from "./locale.ts";

describe("resolveLocale", () => {
  it("takes a signed-in member's own choice first", () => {
    expect(resolveLocale({ signedIn: true, member: "fr", tenant: "de" })).toBe("fr");
  });

  it("lets a member who follows the portal see its default, whatever an old cookie says", () => {
    expect(resolveLocale({ signedIn: true, member: null, tenant: "de" })).toBe("de");
  });

  it("takes a visitor's picker cookie, then the portal's default", () => {
    expect(resolveLocale({ signedIn: false, cookie: "fr", tenant: "de" })).toBe("fr");
    expect(resolveLocale({ signedIn: false, cookie: undefined, tenant: "de" })).toBe("de");
  });

  it("falls back to English when nothing is set", () => {
    expect(resolveLocale({ signedIn: false })).toBe("en");
    expect(resolveLocale({ signedIn: true, member: null })).toBe("en");
  });

  it("skips values outside the closed set at every step", () => {
    expect(resolveLocale({ signedIn: true, member: "xx", tenant: "de" })).toBe("de");
    expect(resolveLocale({ signedIn: false, cookie: "<script>", tenant: "de" })).toBe("de");
    expect(resolveLocale({ signedIn: false, cookie: "de-DE", tenant: "zz" })).toBe("en");
    // Positive control beside the refusals: the same sources, valid, are taken.
    expect(resolveLocale({ signedIn: false, cookie: "fr", tenant: "zz" })).toBe("fr");
  });
});

describe("isLocale", () => {
  it("accepts exactly the shipped languages", () => {
    for (const locale of LOCALES) expect(isLocale(locale)).toBe(true);
    for (const other of ["", "EN", "de-DE", "es", "__proto__", 1, null]) expect(isLocale(other)).toBe(false);
  });
});

describe("intlLocale", () => {
  it("keeps British English dates and maps the others to their Intl locale", () => {
    expect(intlLocale("en")).toBe("en-GB");
    expect(intlLocale("de")).toBe("de-DE");
    expect(intlLocale("fr")).toBe("fr-FR");
  });
});
