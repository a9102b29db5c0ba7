import { describe, expect, it } from "vitest";
import { isAllowedIdpUrl, samlRoleFor } from "./saml-connection.server.ts";

describe("an IdP's sign-in URL", () => {
  it("is https, or http on this machine only", () => {
    expect(isAllowedIdpUrl("https://idp.example/sso")).toBe(true);
    expect(isAllowedIdpUrl("http://localhost:8080/sso")).toBe(true);
    expect(isAllowedIdpUrl("http://127.0.0.1:9000/sso")).toBe(true);
    expect(isAllowedIdpUrl("http://idp.example/sso")).toBe(false);
    expect(isAllowedIdpUrl("http://localhost.evil.example/sso")).toBe(false);
    expect(isAllowedIdpUrl("https://user:secret@idp.example/sso")).toBe(false);
    expect(isAllowedIdpUrl("javascript:alert(1)")).toBe(false);
    expect(isAllowedIdpUrl("idp.example/sso")).toBe(false);
  });
});

describe("the role an IdP's groups map to", () => {
  const connection = {
    roleMapping: [
      { group: "events-team", role: "staff" as const },
      { group: "it-admins", role: "admin" as const },
    ],
  };

  it("is the highest mapped role, member otherwise, never owner", () => {
    expect(samlRoleFor(connection, ["events-team"])).toBe("staff");
    expect(samlRoleFor(connection, ["events-team", "it-admins"])).toBe("admin");
    expect(samlRoleFor(connection, ["it-admins", "events-team"])).toBe("admin");
    expect(samlRoleFor(connection, ["sales"])).toBe("member");
    expect(samlRoleFor(connection, [])).toBe("member");
    expect(samlRoleFor({ roleMapping: [] }, ["owner"])).toBe("member");
  });

  it("falls back to the connection's default role when no group is mapped; a mapped group still decides", () => {
    const staffByDefault = { ...connection, defaultRole: "staff" as const };
    expect(samlRoleFor(staffByDefault, ["sales"])).toBe("staff");
    expect(samlRoleFor(staffByDefault, ["it-admins"])).toBe("admin");
    expect(
      samlRoleFor({ roleMapping: [{ group: "guests", role: "member" as const }], defaultRole: "staff" }, ["guests"]),
    ).toBe("member");
  });
});
