import { describe, expect, it } from "vitest";
import { parseAuditFilter } from "./audit-filter.ts";

describe("audit log filters", () => {
  it("reads actor, tenant, action and an inclusive date range", () => {
    const r = parseAuditFilter({
      actor: " Olive@Agency.localhost ",
      tenant: "acme",
      action: "tenant.suspend",
      from: "2026-11-01",
      to: "2026-11-23",
      page: "2",
    });
    expect(r).toEqual({
      ok: true,
      filter: {
        actor: "olive@agency.localhost",
        tenant: "acme",
        action: "tenant.suspend",
        from: new Date("2026-11-01T00:00:00Z"),
        to: new Date("2026-11-24T00:00:00Z"),
        page: 2,
      },
    });
    expect(parseAuditFilter({})).toEqual({ ok: true, filter: { page: 1 } });
  });

  it("refuses nonsense with a message per field", () => {
    const r = parseAuditFilter({
      tenant: "'; DROP TABLE",
      action: "<script>",
      from: "2026-02-30",
      to: "yesterday",
      page: "-1",
    });
    expect(r.ok).toBe(false);
    expect(Object.keys(r.ok ? {} : r.errors).sort()).toEqual(["action", "from", "page", "tenant", "to"]);
    expect(parseAuditFilter({ from: "2026-11-23", to: "2026-11-01" })).toMatchObject({
      ok: false,
      errors: { to: "The end date is before the start date." },
    });
  });
});
