import { describe, expect, it } from "vitest";
import { mappedAgencyRole } from "./agency-sso.server.ts";
import { checkIssuerUrl, discoveryUrl, insecureLoopbackAllowed } from "./oidc-discovery.server.ts";
import { formatRoleMap, parseRoleMap } from "./sso-connection.server.ts";
import { isVerified, mappedRole } from "./sso-members.server.ts";
import { needsSsoProvider } from "./tenant-options.server.ts";

describe("the role mapping a connection stores", () => {
  it("reads one `value = role` per line, skipping blanks and comments, and writes it back", () => {
    const map = parseRoleMap("# groups\nportico-staff = staff\n\n cn=Admins,ou=x = admin \n");
    expect(map).toEqual({ "portico-staff": "staff", "cn=Admins,ou=x": "admin" });
    expect(parseRoleMap(formatRoleMap(map))).toEqual(map);
  });

  it("refuses owner, unknown roles and lines without a value, naming the line", () => {
    expect(() => parseRoleMap("boss = owner")).toThrow(/Line 1/);
    expect(() => parseRoleMap("ok = staff\n= admin")).toThrow(/Line 2/);
    expect(() => parseRoleMap("nothing here")).toThrow(/Line 1/);
  });
});

describe("the role a sign-in gets", () => {
  const mapping = {
    roleClaim: "groups",
    roleMap: { "portico-staff": "staff", "portico-admins": "admin" } as const,
    defaultRole: "member" as const,
  };

  it("takes the highest role any claim value maps to, else the default", () => {
    expect(mappedRole(mapping, { groups: ["portico-staff", "portico-admins"] })).toBe("admin");
    expect(mappedRole(mapping, { groups: "portico-staff" })).toBe("staff");
    expect(mappedRole(mapping, { groups: ["other"] })).toBe("member");
    expect(mappedRole(mapping, {})).toBe("member");
    expect(mappedRole({ ...mapping, roleClaim: null, defaultRole: "staff" }, { groups: ["portico-admins"] })).toBe(
      "staff",
    );
  });

  it("gives agency roles only where the claim maps to one, and viewer without a role claim", () => {
    const agency = { roleClaim: "groups", roles: { ops: "operator", boss: "owner" } as const };
    expect(mappedAgencyRole(agency, { groups: ["ops", "boss"] })).toBe("owner");
    expect(mappedAgencyRole(agency, { groups: ["nobody"] })).toBeNull();
    expect(mappedAgencyRole({ roleClaim: null, roles: {} }, {})).toBe("viewer");
  });

  it("accepts only a verified email as the provider states it", () => {
    expect(isVerified(true)).toBe(true);
    expect(isVerified("true")).toBe(true);
    expect(isVerified(false)).toBe(false);
    expect(isVerified(undefined)).toBe(false);
    expect(isVerified("yes")).toBe(false);
  });
});

describe("issuer URLs", () => {
  it("need https, except for this machine where plain http is allowed", () => {
    expect(checkIssuerUrl("https://login.example.com/realms/x", false).host).toBe("login.example.com");
    expect(() => checkIssuerUrl("http://login.example.com", true)).toThrow(/https/);
    expect(() => checkIssuerUrl("http://127.0.0.1:4000", false)).toThrow(/https/);
    expect(checkIssuerUrl("http://127.0.0.1:4000", true).port).toBe("4000");
    expect(() => checkIssuerUrl("https://x.example/?a=1", false)).toThrow(/query/);
    expect(() => checkIssuerUrl("not a url", false)).toThrow(/full URL/);
  });

  it("allow plain http on this machine only outside a production deployment served over https", () => {
    const before = process.env.NODE_ENV;
    try {
      (process.env as Record<string, string>).NODE_ENV = "production";
      expect(insecureLoopbackAllowed("https")).toBe(false);
      expect(insecureLoopbackAllowed("http")).toBe(true);
    } finally {
      (process.env as Record<string, string | undefined>).NODE_ENV = before;
    }
    expect(insecureLoopbackAllowed("https")).toBe(true); // tests run with NODE_ENV=test
  });

  it("find the discovery document under the issuer, with or without its trailing slash", () => {
    expect(discoveryUrl("https://a.example/realms/x")).toBe(
      "https://a.example/realms/x/.well-known/openid-configuration",
    );
    expect(discoveryUrl("https://a.example/")).toBe("https://a.example/.well-known/openid-configuration");
  });
});

describe("which auth requests load a tenant's SSO connection", () => {
  it("only the provider list, the SSO sign-in start and its callback", () => {
    expect(needsSsoProvider(["providers"])).toBe(true);
    expect(needsSsoProvider(["signin", "oidc"])).toBe(true);
    expect(needsSsoProvider(["callback", "oidc"])).toBe(true);
    for (const other of [["session"], ["csrf"], ["signout"], ["callback", "password"], ["callback", "email-link"]])
      expect(needsSsoProvider(other)).toBe(false);
  });
});
