import { describe, expect, it } from "vitest";
import { TENANT_ROLES } from "./roles.ts";
import { agencyNeedsSecondFactor, secondFactorPolicy, tenantNeedsSecondFactor } from "./second-factor-policy.ts";

describe("who needs a second factor", () => {
  it("in a portal: nobody, staff and above, or everyone", () => {
    const needs = (policy: "none" | "staff" | "everyone") =>
      TENANT_ROLES.filter((role) => tenantNeedsSecondFactor(policy, role));
    expect(needs("none")).toEqual([]);
    expect(needs("staff")).toEqual(["staff", "admin", "owner"]);
    expect(needs("everyone")).toEqual(["member", "staff", "admin", "owner"]);
  });

  it("at the agency: owners and operators always, viewers not", () => {
    expect(agencyNeedsSecondFactor("owner")).toBe(true);
    expect(agencyNeedsSecondFactor("operator")).toBe(true);
    expect(agencyNeedsSecondFactor("viewer")).toBe(false);
  });

  it("refuses a policy it does not know, with what to choose", () => {
    expect(secondFactorPolicy.parse("staff")).toBe("staff");
    expect(() => secondFactorPolicy.parse("admins")).toThrow(/choose nobody, staff and admins, or everyone/);
  });
});
