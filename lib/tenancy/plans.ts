/**
 * Plans and the features they include: chosen in the onboarding wizard, stored as Tenant.plan in
 * the control plane, and checked in one place on the server by the portal.
 */
export const FEATURES = {
  "custom-domain": "Custom domains",
  waitlist: "Waitlists with automatic promotion",
  "custom-questions": "Custom registration questions",
  "csv-export": "CSV exports of attendees",
  /** The client chooses the region its data stays in (decision 053); others get the default region. */
  "data-residency": "Choice of data region",
} as const;
export type Feature = keyof typeof FEATURES;

export const PLANS = {
  starter: { label: "Starter", features: [] as Feature[] },
  standard: { label: "Standard", features: ["waitlist", "csv-export"] as Feature[] },
  premium: {
    label: "Premium",
    features: ["custom-domain", "waitlist", "custom-questions", "csv-export", "data-residency"] as Feature[],
  },
} as const;
export type PlanName = keyof typeof PLANS;
export const PLAN_NAMES = Object.keys(PLANS) as PlanName[];

export function isPlan(value: unknown): value is PlanName {
  return typeof value === "string" && Object.hasOwn(PLANS, value);
}

export function planHas(plan: string, feature: Feature): boolean {
  return isPlan(plan) && PLANS[plan].features.includes(feature);
}

/**
 * Scheduled backups each plan keeps (docs/decisions/052): the last N daily, weekly (Sundays) and
 * monthly (the 1st) backups. A tier a plan keeps none of falls back to the next smaller one.
 */
export const BACKUP_RETENTION: Record<PlanName, { daily: number; weekly: number; monthly: number }> = {
  starter: { daily: 7, weekly: 0, monthly: 0 },
  standard: { daily: 7, weekly: 4, monthly: 0 },
  premium: { daily: 7, weekly: 4, monthly: 12 },
};
