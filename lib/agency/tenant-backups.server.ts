import "server-only";
import { assertAgencyRole, type AgencyUser } from "../auth/agency-guard.server.ts";
import { backupSummaries, type BackupSummary } from "../backups/schedule.server.ts";
import { platform } from "../platform/platform.server.ts";

export interface BackupView {
  id: string;
  kind: string;
  tier: string | null;
  status: string;
  bytes: number | null;
  createdAt: Date;
  createdBy: string;
  error: string | null;
}

/** A tenant's backups, newest first, with its summary; for any agency user (viewers included). */
export async function tenantBackupsForAgency(
  viewer: AgencyUser,
  tenant: { id: string; status: string; createdAt: Date },
): Promise<{ backups: BackupView[]; summary: BackupSummary }> {
  assertAgencyRole(viewer, "viewer");
  const { control } = platform();
  const rows = await control.backup.findMany({
    where: { tenantId: tenant.id, status: { not: "expired" } },
    orderBy: { createdAt: "desc" },
    take: 20,
  });
  const summary = (await backupSummaries(control, [tenant])).get(tenant.id) as BackupSummary;
  return {
    backups: rows.map((b) => ({
      id: b.id,
      kind: b.kind,
      tier: b.tier,
      status: b.status,
      bytes: b.bytes == null ? null : Number(b.bytes),
      createdAt: b.createdAt,
      createdBy: b.createdBy,
      error: b.error,
    })),
    summary,
  };
}

/** The fleet list's "Last backup" column: per tenant id, its newest backup and a missed flag. */
export async function fleetBackupSummaries(
  viewer: AgencyUser,
  tenantIds: string[],
): Promise<Record<string, BackupSummary>> {
  assertAgencyRole(viewer, "viewer");
  const { control } = platform();
  const tenants = await control.tenant.findMany({
    where: { id: { in: tenantIds } },
    select: { id: true, status: true, createdAt: true },
  });
  return Object.fromEntries(await backupSummaries(control, tenants));
}
