import "server-only";
import { errorMessage } from "../errors.ts";
import { provisionTenant } from "./provision.server.ts";
import type { ProvisionDeps } from "./servers.server.ts";
import { parseTenantSpec, type TenantSpecInput } from "./spec.ts";

export interface SyncOutcome {
  slug: string;
  action: "created" | "updated" | "failed";
  ms: number;
  error?: string;
}

/**
 * Tenants as code: provisions every declared tenant that is missing (or stuck half-way) and
 * updates the name, plan, theme and domains of those that exist. Demo content is only added,
 * never overwritten. One failing tenant does not stop the others.
 */
export async function syncTenants(
  deps: ProvisionDeps,
  declared: TenantSpecInput[],
  onOutcome?: (outcome: SyncOutcome) => void,
): Promise<SyncOutcome[]> {
  const outcomes: SyncOutcome[] = [];
  for (const input of declared) {
    const t0 = performance.now();
    let outcome: SyncOutcome;
    try {
      const spec = parseTenantSpec(input, `tenants/${String((input as { slug?: unknown }).slug)}.ts`);
      const result = await provisionTenant(deps, spec, { mode: "sync" });
      outcome = { slug: spec.slug, action: result.created ? "created" : "updated", ms: performance.now() - t0 };
    } catch (error) {
      outcome = { slug: String((input as { slug?: unknown }).slug), action: "failed", ms: performance.now() - t0, error: errorMessage(error) };
    }
    outcomes.push(outcome);
    onOutcome?.(outcome);
  }
  return outcomes;
}
