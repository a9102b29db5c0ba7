import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAuditFilter } from "../../lib/agency/audit-filter.ts";
import { auditPage, auditRows } from "../../lib/agency/audit-views.server.ts";
import { appendAudit } from "../../lib/audit/log.server.ts";
import { testControlPlane, type TestControlPlane } from "../support/databases.ts";
import { agencyViewer } from "../support/viewers.ts";

const viewer = agencyViewer();

let cp: TestControlPlane;

beforeAll(async () => {
  cp = await testControlPlane();
  const tenant = await cp.deps.control.tenant.create({ data: { slug: "audited", name: "Audited", theme: {} } });
  for (let i = 0; i < 60; i++) {
    await appendAudit(cp.deps.control, {
      actor: { type: "agency-user", label: i % 2 ? "olive@agency.example" : "vic@agency.example" },
      action: i % 3 ? "tenant.suspend" : "fleet.read",
      tenantId: i % 3 ? tenant.id : null,
    });
  }
});
afterAll(() => cp?.cleanup());

const filter = (q: Record<string, string>) => {
  const r = parseAuditFilter(q);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.filter;
};

describe("the audit log viewer's queries", () => {
  it("filters by actor, tenant and action prefix, newest first, 50 a page", async () => {
    const all = await auditPage(viewer, cp.deps.control, filter({}));
    expect([all.total, all.pages, all.rows.length]).toEqual([60, 2, 50]);
    expect(Number(all.rows[0]!.id)).toBeGreaterThan(Number(all.rows[1]!.id));
    const olive = await auditPage(viewer, cp.deps.control, filter({ actor: "OLIVE" }));
    expect(olive.total).toBe(30);
    const tenant = await auditPage(viewer, cp.deps.control, filter({ tenant: "audited", action: "tenant." }));
    expect(tenant.total).toBe(40);
    expect(tenant.rows.every((r) => r.tenant === "audited" && r.action === "tenant.suspend")).toBe(true);
    expect((await auditPage(viewer, cp.deps.control, filter({ tenant: "nobody" }))).total).toBe(0);
    expect((await auditPage(viewer, cp.deps.control, filter({ from: "2999-01-01" }))).total).toBe(0);
  });

  it("exports oldest first", async () => {
    const rows = await auditRows(viewer, cp.deps.control, filter({ action: "fleet" }));
    expect(rows).toHaveLength(20);
    expect(rows.map((r) => Number(r.id))).toEqual([...rows.map((r) => Number(r.id))].sort((a, b) => a - b));
  });
});
