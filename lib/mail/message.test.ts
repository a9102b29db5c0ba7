import { describe, expect, it } from "vitest";
import { parseMailMessage } from "./message.ts";

const ok = {
  tenantId: null,
  to: "Ada@Example.com",
  fromName: "Acme Academy",
  fromAddress: "no-reply@acme.localhost",
  subject: "Your sign-in link",
  text: "Hello",
};

describe("parseMailMessage", () => {
  it("accepts a message and lower-cases the recipient", () => {
    expect(parseMailMessage(ok).to).toBe("ada@example.com");
  });

  it.each([
    ["subject", "Hi\r\nBcc: victim@example.com"],
    ["fromName", "Acme\nBcc: x@y.z"],
    ["to", "ada@example.com\r\nBcc: x@y.z"],
    ["to", "not an address"],
  ])("refuses header injection or junk in %s", (field, value) => {
    expect(() => parseMailMessage({ ...ok, [field]: value })).toThrow(/cannot send this email/);
  });
});

describe("parseMailMessage with HTML and attachments", () => {
  const ics = { filename: "invite.ics", contentType: "text/calendar; charset=utf-8; method=PUBLISH", content: "X" };

  it("accepts an HTML part and a calendar file (positive control)", () => {
    const m = parseMailMessage({ ...ok, html: "<p>Hello</p>", attachments: [ics] });
    expect(m.html).toBe("<p>Hello</p>");
    expect(m.attachments).toEqual([ics]);
    expect(parseMailMessage(ok).attachments).toEqual([]);
  });

  it.each([
    ["a path as file name", { ...ics, filename: "../../etc/passwd" }],
    ["a header in the content type", { ...ics, contentType: "text/calendar\r\nBcc: x@y.z" }],
  ])("refuses %s", (_, attachment) => {
    expect(() => parseMailMessage({ ...ok, attachments: [attachment] })).toThrow(/cannot send this email/);
  });
});
