import "server-only";
import { appendAudit, type AuditActor } from "../audit/log.server.ts";
import { errorMessage } from "../util/errors.ts";
import { FIELD_LABELS, type DeclaredField } from "./declared.ts";
import { provisionTenant } from "./provision.server.ts";
import type { ProvisionDeps } from "./servers.server.ts";
import { parseTenantSpec, type TenantSpec, type TenantSpecInput } from "./spec.ts";

export interface SyncOutcome {
  slug: string;
  /** The declaration's file, as messages name it. */
  file: string;
  action: "created" | "updated" | "unchanged" | "failed";
  ms: number;
  error?: string;
  /** Fields written from the declaration (a changed declaration, or --force). */
  applied?: DeclaredField[];
  /** Fields changed in the product and kept over the declaration (decision 020). */
  kept?: DeclaredField[];
  /** Fields changed in the product that --force overwrote (audited). */
  overwritten?: DeclaredField[];
  /** The declaration names another region than the tenant's: reported, not applied (decision 053). */
  regionConflict?: { declared: string; stored: string };
  /** Who was emailed an owner invitation (production: no demo users). */
  invited?: string;
  /** Created without demo users and without a declared owner: nobody can sign in yet. */
  noOwner?: boolean;
}

export interface SyncOptions {
  /**
   * Seed the declarations' demo users (with the published demo password) and events: `npm run
   * dev`, or `tenants sync --demo`. Otherwise a new tenant's declared owner gets an invitation.
   */
  demo: boolean;
  /** Re-apply every declared field, also over changes made in the product (audited). */
  force?: boolean;
  actor?: AuditActor;
  onOutcome?: (outcome: SyncOutcome) => void;
}

const NO_DEMO: TenantSpec["demo"] = { users: [], events: [] };

/**
 * Tenants as code: provisions every declared tenant that is missing (or stuck half-way). For one
 * that exists, a declared field is updated only while nobody has changed it in the product; a
 * product edit is kept and reported (decision 020). Demo content is only added, never
 * overwritten. One failing tenant does not stop the others.
 */
export async function syncTenants(
  deps: ProvisionDeps,
  declared: TenantSpecInput[],
  options: SyncOptions,
): Promise<SyncOutcome[]> {
  const outcomes: SyncOutcome[] = [];
  for (const input of declared) {
    const t0 = performance.now();
    const slug = String((input as { slug?: unknown }).slug);
    const file = `tenants/${slug}.ts`;
    let outcome: SyncOutcome;
    try {
      const parsed = parseTenantSpec(input, file);
      const spec = options.demo ? parsed : { ...parsed, demo: NO_DEMO };
      const existing = await deps.control.tenant.findUnique({ where: { slug: spec.slug }, select: { status: true } });
      const neverLive = !existing || existing.status === "provisioning" || existing.status === "failed";
      // Outside development the declared owner is invited once, when the tenant is first made.
      const invite = !options.demo && neverLive && spec.owner && deps.invitations ? spec.owner : undefined;
      const result = await provisionTenant(deps, spec, {
        mode: "sync",
        declaration: { file, force: options.force ?? false },
        ...(invite ? { firstAdmin: invite } : {}),
      });
      const d = result.declaration;
      const overwritten = d?.overwritten ?? [];
      if (overwritten.length > 0) {
        await appendAudit(deps.control, {
          actor: options.actor ?? { type: "system", label: "tenants sync --force" },
          action: "tenant.sync.force",
          tenantId: result.tenantId,
          details: { file, overwritten },
        });
      }
      outcome = {
        slug: spec.slug,
        file,
        action: result.created ? "created" : d && d.applied.length > 0 ? "updated" : "unchanged",
        ms: performance.now() - t0,
        ...(d && !result.created
          ? { applied: d.applied, kept: d.kept, overwritten: overwritten.map((o) => o.field) }
          : {}),
        ...(d?.regionConflict ? { regionConflict: d.regionConflict } : {}),
        ...(invite ? { invited: invite.email } : {}),
        ...(!options.demo && neverLive && !spec.owner ? { noOwner: true } : {}),
      };
    } catch (error) {
      outcome = { slug, file, action: "failed", ms: performance.now() - t0, error: errorMessage(error) };
    }
    outcomes.push(outcome);
    options.onOutcome?.(outcome);
  }
  return outcomes;
}

const labels = (fields: DeclaredField[]) => fields.map((f) => FIELD_LABELS[f]).join(", ");

/** One line per tenant for `npm run dev` / `npm start` and `npm run tenants -- sync`. */
export function describeOutcome(o: SyncOutcome): string {
  if (o.action === "failed") return `tenant ${o.slug}: FAILED — ${o.error}`;
  const parts = [
    `tenant ${o.slug}: ${o.action}${o.applied?.length ? ` ${labels(o.applied)} from ${o.file}` : ""} (${Math.round(o.ms)} ms)`,
  ];
  if (o.overwritten?.length)
    parts.push(`re-applied ${o.file} over product edits to ${labels(o.overwritten)} (audited)`);
  if (o.kept?.length)
    parts.push(`kept product edits to ${labels(o.kept)}; \`npm run tenants -- sync --force\` re-applies ${o.file}`);
  if (o.regionConflict)
    parts.push(
      `${o.file} declares region ${o.regionConflict.declared} but the tenant is in ${o.regionConflict.stored}: not applied (a region changes only by a move an agency owner confirms); change the declaration or move the tenant`,
    );
  if (o.invited) parts.push(`owner invitation emailed to ${o.invited}`);
  if (o.noOwner)
    parts.push(
      `no owner declared in ${o.file} and no demo users: add owner: { email, name } there to invite one when a tenant is created`,
    );
  return parts.join("; ");
}
