import "server-only";
import { InvalidInput } from "../util/errors.ts";
import type { ResolvedTenant } from "../tenancy/resolver.ts";
import { FEATURES, PLANS, isPlan, planHas, type Feature } from "../tenancy/plans.ts";

/**
 * Plan gates, in one place: every server action and page that offers a gated feature asks here,
 * and the UI shows what the plan does not include instead of failing later.
 */
export class FeatureUnavailable extends InvalidInput {}

export function hasFeature(tenant: Pick<ResolvedTenant, "plan">, feature: Feature): boolean {
  return planHas(tenant.plan, feature);
}

export function requireFeature(tenant: Pick<ResolvedTenant, "plan">, feature: Feature): void {
  if (!hasFeature(tenant, feature)) {
    const plan = isPlan(tenant.plan) ? PLANS[tenant.plan].label : tenant.plan;
    throw new FeatureUnavailable(
      `${FEATURES[feature]} are not part of the ${plan} plan. Ask your agency about upgrading.`,
    );
  }
}
