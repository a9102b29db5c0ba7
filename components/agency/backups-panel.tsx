import type { ActionState, FormAction } from "@/lib/actions/action-state.ts";
import type { BackupView } from "@/lib/agency/tenant-backups.server.ts";
import type { BackupSummary } from "@/lib/backups/schedule.server.ts";
import { formatAgo, formatBytes } from "@/lib/format/units.ts";
import { ActionForm } from "./action-form.tsx";
import { Field } from "@/components/ui/field.tsx";
import { Input } from "@/components/ui/input.tsx";

/**
 * A tenant's backups on its dashboard page (docs/decisions/052): the newest one's age and size,
 * a missed schedule flagged, Back up now, and per backup Restore (in place) or Restore into a new
 * tenant. Owners also see the cross-tenant copy, which needs the source tenant's slug typed.
 */
export function BackupsPanel({
  slug,
  queue,
  backups,
  summary,
  canAct,
  isOwner,
  now,
}: {
  slug: string;
  queue: FormAction<ActionState>;
  backups: BackupView[];
  summary: BackupSummary;
  canAct: boolean;
  isOwner: boolean;
  now: Date;
}) {
  return (
    <section className="mt-8 rounded-xl bg-white p-5 ring-1 ring-slate-200" data-testid="backups">
      <h2 className="font-medium">Backups</h2>
      <p className="mt-1 text-sm text-slate-600" data-testid="backups-last">
        Last backup:{" "}
        {summary.lastAt ? (
          <>
            {formatAgo(summary.lastAt, now)} ({formatBytes(summary.lastBytes ?? 0)})
          </>
        ) : (
          "never"
        )}
        {summary.missed && (
          <span className="ml-2 rounded bg-amber-100 px-1.5 py-0.5 text-amber-900" data-testid="backups-missed">
            missed its schedule
          </span>
        )}
      </p>
      {canAct && (
        <div className="mt-4 max-w-xs">
          <ActionForm queue={queue} kind="backup" slug={slug} label="Back up now">
            <p className="text-sm text-slate-600">One consistent snapshot, compressed and encrypted.</p>
          </ActionForm>
        </div>
      )}
      {backups.length === 0 ? (
        <p className="mt-4 text-sm text-slate-600">No backups yet.</p>
      ) : (
        <div className="mt-4 overflow-x-auto">
          <table className="w-full text-left text-sm">
            <thead className="text-slate-600">
              <tr>
                <th className="py-1 pr-4 font-medium">Made</th>
                <th className="py-1 pr-4 font-medium">Kind</th>
                <th className="py-1 pr-4 font-medium">Size</th>
                <th className="py-1 pr-4 font-medium">Status</th>
                {canAct && <th className="py-1 font-medium">Restore</th>}
              </tr>
            </thead>
            <tbody>
              {backups.map((b) => (
                <tr key={b.id} className="border-t border-slate-100 align-top" data-testid="backup-row">
                  <td className="py-2 pr-4">
                    <time dateTime={b.createdAt.toISOString()}>{formatAgo(b.createdAt, now)}</time>
                    <div className="font-mono text-xs text-slate-500">{b.id}</div>
                  </td>
                  <td className="py-2 pr-4">
                    {b.kind}
                    {b.tier ? ` (${b.tier})` : ""}
                  </td>
                  <td className="py-2 pr-4">{b.bytes == null ? "—" : formatBytes(b.bytes)}</td>
                  <td className="py-2 pr-4">{b.status === "failed" ? `failed: ${b.error ?? ""}` : b.status}</td>
                  {canAct && (
                    <td className="py-2">
                      {b.status === "done" && (
                        <div className="grid gap-3 sm:grid-cols-2">
                          <ActionForm
                            queue={queue}
                            kind="restore"
                            slug={slug}
                            label="Restore"
                            confirm="The portal is in maintenance while its data is replaced with this backup's; a backup of the current data is kept first."
                          >
                            <input type="hidden" name="backupId" value={b.id} />
                          </ActionForm>
                          <ActionForm queue={queue} kind="restore" slug={slug} label="Restore into new tenant">
                            <input type="hidden" name="backupId" value={b.id} />
                            <Field tone="agency" label="New tenant's slug" name="into">
                              {(c) => <Input {...c} tone="agency" density="compact" name="into" autoComplete="off" />}
                            </Field>
                          </ActionForm>
                        </div>
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {isOwner && (
        <div className="mt-6 max-w-md" data-testid="backups-cross-tenant">
          <h3 className="text-sm font-medium">Copy another tenant&apos;s backup into {slug}</h3>
          <ActionForm
            queue={queue}
            kind="restore"
            slug={slug}
            label="Replace with the other tenant's data"
            tone="danger"
          >
            <p className="text-sm text-slate-600">
              Replaces every row of {slug} with another tenant&apos;s backup. Agency owners only; audited.
            </p>
            <Field tone="agency" label="Backup id (from the other tenant's page)" name="backupId">
              {(c) => <Input {...c} tone="agency" density="compact" name="backupId" className="font-mono" />}
            </Field>
            <Field tone="agency" label="Type the source tenant's slug to confirm" name="confirmCrossTenant">
              {(c) => (
                <Input
                  {...c}
                  tone="agency"
                  density="compact"
                  name="confirmCrossTenant"
                  autoComplete="off"
                  className="font-mono"
                />
              )}
            </Field>
          </ActionForm>
        </div>
      )}
    </section>
  );
}
