import "server-only";
import { InvalidInput, TenantNotFound } from "../util/errors.ts";
import { notifyTenantChanged } from "../tenancy/invalidation.server.ts";
import { syncPoolerAuth } from "../provisioning/pooler.server.ts";
import { log } from "../observability/logger.ts";
import { exportTenant, type ExportResult } from "./archive.server.ts";
import { dropTenantDatabase, type ProvisionDeps } from "../provisioning/servers.server.ts";

/**
 * Offboards a live tenant: exports everything first (nothing is dropped unless the export
 * succeeded), then ends its sessions and closes its portal, drops its database and role, and
 * removes its domains, credentials and logo. The tenant row stays, marked offboarded, so the
 * audit log keeps pointing at something.
 */
export async function offboardTenant(
  deps: ProvisionDeps,
  slug: string,
  options: {
    exportsDir: string;
    by: string;
    onStep?: (step: "export" | "close" | "drop" | "forget") => void | Promise<void>;
  },
): Promise<{ tenantId: string; export: ExportResult; dropped: string[] }> {
  const tenant = await deps.control.tenant.findUnique({ where: { slug }, include: { database: true } });
  if (!tenant) throw new TenantNotFound(`no tenant named "${slug}"`);
  if (tenant.status !== "active" && tenant.status !== "suspended") {
    throw new InvalidInput(
      `"${slug}" is ${tenant.status}; only a live tenant is offboarded${tenant.status === "failed" || tenant.status === "provisioning" ? " (discard it instead)" : ""}`,
    );
  }
  await options.onStep?.("export");
  const exported = await exportTenant(deps, slug, options.exportsDir, options.by);

  // Closed first: sessions stop working on the next request, on every instance.
  await options.onStep?.("close");
  await deps.control.tenant.update({ where: { id: tenant.id }, data: { status: "offboarded" } });
  await notifyTenantChanged(deps.control, tenant.id);

  await options.onStep?.("drop");
  const dropped = tenant.database ? await dropTenantDatabase(deps, tenant.database) : [];
  await options.onStep?.("forget");
  await deps.control.$transaction([
    deps.control.domain.deleteMany({ where: { tenantId: tenant.id } }),
    deps.control.tenantDatabase.deleteMany({ where: { tenantId: tenant.id } }),
    deps.control.tenantLogo.deleteMany({ where: { tenantId: tenant.id } }),
  ]);
  await notifyTenantChanged(deps.control, tenant.id);
  // Its role is gone from the server; the pooler's auth file follows. The data is already gone,
  // so a pooler that does not answer is logged, not a failed offboarding.
  if (tenant.database)
    await syncPoolerAuth(deps, tenant.database.serverId).catch((error: unknown) =>
      log().warn({ err: error, tenant: slug }, "PgBouncer's auth file was not updated after offboarding"),
    );
  return { tenantId: tenant.id, export: exported, dropped };
}
