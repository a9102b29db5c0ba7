import Link from "next/link";
import { ActionForm } from "@/components/agency/action-form.tsx";
import { requireAgencyUser } from "@/lib/auth/agency-guard.server.ts";
import { loadMigrations, migrationsDir } from "@/lib/migrations/migrator.ts";
import { platform } from "@/lib/platform/platform.server.ts";
import { queueAction } from "../operations/actions.ts";

export const metadata = { title: "Fleet migrations" };

/** Every tenant's schema version against the newest migration; migrate what is left. */
export default async function MigrationsPage() {
  const user = await requireAgencyUser("/migrations");
  const { control } = platform();
  const migrations = (await loadMigrations(migrationsDir("tenant"))).map((m) => m.name);
  const latest = migrations.at(-1) ?? null;
  const [tenants, last] = await Promise.all([
    control.tenant.findMany({
      where: { status: { not: "offboarded" }, database: { isNot: null } },
      orderBy: { slug: "asc" },
      select: {
        slug: true,
        name: true,
        status: true,
        database: { select: { schemaVersion: true, migrationError: true, migratedAt: true } },
      },
    }),
    control.operation.findFirst({
      where: { kind: "migrate-fleet" },
      orderBy: { createdAt: "desc" },
      select: { id: true, status: true, createdAt: true },
    }),
  ]);
  const rows = tenants.map((t) => {
    const version = t.database?.schemaVersion ?? null;
    const pending = version ? migrations.length - 1 - migrations.indexOf(version) : migrations.length;
    return { ...t, version, pending: Math.max(0, pending), error: t.database?.migrationError ?? null };
  });
  const left = rows.filter((r) => r.pending > 0 || r.error).length;
  return (
    <>
      <div className="mb-2 text-sm">
        <Link href="/" className="text-slate-500 hover:underline">
          Tenants
        </Link>{" "}
        / Migrations
      </div>
      <h1 className="text-2xl font-semibold">Fleet migrations</h1>
      <p className="mt-1 text-sm text-slate-500">
        Newest tenant migration: <span className="font-mono">{latest}</span> ·{" "}
        <span data-testid="migrations-left">{left}</span> tenant(s) left to migrate. A tenant behind shows its visitors
        a maintenance page until it is migrated.
      </p>
      {user.role !== "viewer" && (
        <div className="mt-4 flex items-center gap-4">
          <ActionForm
            queue={queueAction}
            kind="migrate-fleet"
            slug={null}
            label={left ? `Migrate ${left} tenant(s)` : "Check the fleet again"}
            confirm="Each tenant left is migrated with its own role, four at a time; a failing tenant is recorded and the others go on."
          />
          {last && (
            <Link className="text-sm text-sky-700 hover:underline" href={`/operations/${last.id}`}>
              last run: {last.status}
            </Link>
          )}
        </div>
      )}
      <table className="stack-table mt-6 w-full text-left text-sm">
        <thead className="text-xs uppercase tracking-wide text-slate-500">
          <tr>
            <th className="py-2">Tenant</th>
            <th>Status</th>
            <th>Schema version</th>
            <th>Pending</th>
            <th>Last error</th>
          </tr>
        </thead>
        <tbody data-testid="migration-rows">
          {rows.map((r) => (
            <tr key={r.slug} className="border-t border-slate-200" data-slug={r.slug}>
              <td data-label="Tenant" className="py-2">
                <Link className="hover:underline" href={`/tenants/${r.slug}`}>
                  {r.name}
                </Link>
              </td>
              <td data-label="Status">{r.status}</td>
              <td data-label="Schema version" className="font-mono text-xs">
                {r.version ?? "—"}
              </td>
              <td data-label="Pending" className={r.pending ? "text-amber-700" : "text-emerald-700"}>
                {r.pending ? `${r.pending} pending` : "current"}
              </td>
              <td data-label="Last error" className="max-w-md truncate text-red-700" title={r.error ?? ""}>
                {r.error}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
