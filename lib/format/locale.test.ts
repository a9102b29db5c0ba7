import { describe, expect, it } from "vitest";
import { LOCALES, intlLocale, isLocale, resolveLocale } from "./locale.ts";

describe("resolveLocale", () => {
  it("takes the member's own choice first", () => {
    expect(resolveLocale({ member: "fr", cookie: "de", tenant: "de" })).toBe("fr");
  });

  it("then the visitor's picker cookie, then the portal's default", () => {
    expect(resolveLocale({ member: null, cookie: "de", tenant: "fr" })).toBe("de");
    expect(resolveLocale({ member: null, cookie: undefined, tenant: "fr" })).toBe("fr");
  });

  it("falls back to English when nothing is set", () => {
    expect(resolveLocale({})).toBe("en");
  });

  it("skips values outside the closed set at every step", () => {
    expect(resolveLocale({ member: "xx", cookie: "<script>", tenant: "de" })).toBe("de");
    expect(resolveLocale({ member: "EN", cookie: "de-DE", tenant: "zz" })).toBe("en");
    // Positive control beside the refusals: the same sources, valid, are taken.
    expect(resolveLocale({ member: "en", cookie: "de", tenant: "de" })).toBe("en");
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
