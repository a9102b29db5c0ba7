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
