import { describe, expect, it } from "vitest";
import { emailDomainOf, normaliseEmailDomain, verificationRecord } from "./email-domains.server.ts";

describe("normaliseEmailDomain", () => {
  it("stores what people type in one form: lower case, punycode, no trailing dot or leading @", () => {
    expect(normaliseEmailDomain(" Acme.COM. ", false)).toBe("acme.com");
    expect(normaliseEmailDomain("@acme.com", false)).toBe("acme.com");
    expect(normaliseEmailDomain("Bücher.example.com", false)).toBe("xn--bcher-kva.example.com");
    expect(normaliseEmailDomain("mail.eu.acme.co.uk", false)).toBe("mail.eu.acme.co.uk");
    expect(normaliseEmailDomain("acme.xn--p1ai", false)).toBe("acme.xn--p1ai");
  });

  it("refuses what no one can prove, saying what to enter", () => {
    const cases: Array<[unknown, RegExp]> = [
      [undefined, /^Enter a domain, e\.g\. acme\.com\.$/],
      ["  ", /^Enter a domain/],
      ["jo@acme.com", /the part after the @/],
      ["https://acme.com", /without a port or scheme/],
      ["acme.com:25", /without a port or scheme/],
      ["10.0.0.1", /not an IP address/],
      ["::1", /not an IP address/],
      ["[::1]", /not an IP address/],
      ["localhost", /Enter the whole domain/],
      ["acme", /Enter the whole domain/],
      ["acme.1", /is not a domain name/],
      ["acme.c", /Enter the whole domain/],
      ["acme .com", /is not a domain name/],
      ["-acme.com", /is not a domain name/],
      ["acme.test", /reserved name/],
      ["portal.localhost", /reserved name/],
      ["acme.example", /reserved name/],
      ["printer.local", /reserved name/],
    ];
    for (const [input, message] of cases)
      expect(() => normaliseEmailDomain(input, false), String(input)).toThrow(message);
  });

  it("accepts reserved names outside production, never single labels or IPs", () => {
    expect(normaliseEmailDomain("acme.test", true)).toBe("acme.test");
    expect(normaliseEmailDomain("acme.localhost", true)).toBe("acme.localhost");
    expect(() => normaliseEmailDomain("localhost", true)).toThrow(/Enter the whole domain/);
    expect(() => normaliseEmailDomain("127.0.0.1", true)).toThrow(/not an IP address/);
  });
});

describe("emailDomainOf and verificationRecord", () => {
  it("reads an address's domain as it is stored", () => {
    expect(emailDomainOf("Jo@ACME.com")).toBe("acme.com");
    expect(emailDomainOf("jo@bücher.example.com")).toBe("xn--bcher-kva.example.com");
    expect(emailDomainOf("a@b@acme.com")).toBe("acme.com");
    expect(emailDomainOf("no-at-sign")).toBeNull();
    expect(emailDomainOf("@acme.com")).toBeNull();
    expect(emailDomainOf("jo@")).toBeNull();
    expect(emailDomainOf("jo@bad domain.com")).toBeNull();
  });

  it("names the record and its exact value", () => {
    expect(verificationRecord("acme.com", "tok")).toEqual({
      name: "_portico-verification.acme.com",
      value: "portico-verification=tok",
    });
  });
});
