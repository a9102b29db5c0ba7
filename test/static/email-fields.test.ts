import { describe, expect, it } from "vitest";
import { signUpSchema } from "../../lib/portal/sign-up.server.ts";
import { firstAdminSchema, operationInputs } from "../../lib/operations/kinds.ts";
import { parseTenantSpec } from "../../lib/provisioning/spec.ts";
import { FALLBACK_THEME } from "../../lib/tenancy/theme.ts";
import { EMAIL_HINT, checkEmailAddress } from "../../lib/mail/address.ts";
import { parseMailMessage } from "../../lib/mail/message.ts";

const mail = (to: string) => ({
  tenantId: null,
  to,
  fromName: "Acme",
  fromAddress: "no-reply@acme.localhost",
  subject: "Hi",
  text: "Hello",
});

const hostile = [
  "e@attacker.com\uFF20victim.com", // fullwidth at sign
  "e\uFF20victim.com",
  "a@b@example.com",
  "jo @example.com",
  "jo@example.com\r\nBcc: x@y.z",
  "jo@example",
  "jo@exa mple.com",
  "<jo@example.com>",
  "Jo <jo@example.com>",
  "jo@",
  "@example.com",
  `${"a".repeat(250)}@example.com`,
  "",
];
const normal: Array<[string, string]> = [
  ["jo@example.com", "jo@example.com"],
  ["  Ada.Lovelace+events@Example.CO.uk ", "ada.lovelace+events@example.co.uk"],
  ["o'brien@client.example", "o'brien@client.example"],
];

describe("the one email rule", () => {
  it.each(hostile)("refuses %j with the caller's message, as the mail layer does", (address) => {
    expect(checkEmailAddress(address, "Enter the person's email address.")).toEqual({
      ok: false,
      message: "Enter the person's email address.",
    });
    expect(() => parseMailMessage(mail(address))).toThrow(/cannot send this email/);
  });

  it.each(normal)("accepts %j as %j, and the mail layer sends to it (positive control)", (input, email) => {
    expect(checkEmailAddress(input)).toEqual({ ok: true, email });
    expect(parseMailMessage(mail(email)).to).toBe(email);
  });

  it("refuses non-strings with the default hint", () => {
    expect(checkEmailAddress(undefined)).toEqual({ ok: false, message: EMAIL_HINT });
    expect(checkEmailAddress(42)).toEqual({ ok: false, message: EMAIL_HINT });
  });

  // Every form that accepts an address applies the same rule: the hostile one is refused
  // everywhere, the normal one accepted everywhere.
  it.each([
    [
      "sign-up",
      (email: string) => signUpSchema.safeParse({ name: "Jo", email, password: "correct horse battery" }).success,
    ],
    ["wizard first admin", (email: string) => firstAdminSchema.safeParse({ name: "Jo", email }).success],
    [
      "agency invitation",
      (email: string) => operationInputs["agency-user-invite"].safeParse({ name: "Jo", email, role: "viewer" }).success,
    ],
    [
      "tenants/ spec",
      (email: string) => {
        try {
          parseTenantSpec(
            {
              slug: "acme",
              name: "Acme",
              theme: FALLBACK_THEME,
              demo: { users: [{ email, name: "Jo", role: "member" }] },
            },
            "test",
          );
          return true;
        } catch {
          return false;
        }
      },
    ],
  ])("%s uses it", (_, accepts) => {
    expect(accepts("e@attacker.com\uFF20victim.com")).toBe(false);
    expect(accepts("jo@example.com")).toBe(true);
  });
});
