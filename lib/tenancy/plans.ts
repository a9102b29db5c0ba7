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

/**
 * Each plan's share of one web server (decision 055), per tenant and per instance, for pages
 * rendered for the request (pages served from the page cache cost next to nothing and are not
 * counted): `concurrency` rendered at once with up to `queue` more waiting at most `waitMs`
 * (then 503), and at most `perSecond` started per second on average, bursts up to `burst`
 * (then 429). PORTICO_PLAN_RATE_LIMITS overrides `perSecond` per plan.
 */
export interface PlanTraffic {
  concurrency: number;
  queue: number;
  waitMs: number;
  perSecond: number;
  burst: number;
}

export const PLAN_TRAFFIC: Record<PlanName, PlanTraffic> = {
  starter: { concurrency: 3, queue: 24, waitMs: 5_000, perSecond: 60, burst: 120 },
  standard: { concurrency: 4, queue: 32, waitMs: 5_000, perSecond: 120, burst: 240 },
  premium: { concurrency: 6, queue: 48, waitMs: 5_000, perSecond: 240, burst: 480 },
};

/** A host whose tenant is not known yet (its first request here), or the agency's: no rate limit. */
export const UNKNOWN_TRAFFIC: PlanTraffic = { concurrency: 4, queue: 32, waitMs: 5_000, perSecond: 0, burst: 0 };

/**
 * PORTICO_PLAN_RATE_LIMITS: `plan=perSecond` pairs separated by commas (`starter=30,premium=400`;
 * 0 turns a plan's limit off); the burst is twice the rate. Throws a message naming what to fix.
 */
export function planTraffic(raw: string | undefined): Record<PlanName, PlanTraffic> {
  const out = structuredClone(PLAN_TRAFFIC);
  for (const pair of (raw ?? "")
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [plan, value, extra] = pair.split("=").map((p) => p.trim());
    const perSecond = Number(value);
    if (!isPlan(plan) || extra !== undefined || value === "" || !Number.isInteger(perSecond) || perSecond < 0)
      throw new Error(
        `PORTICO_PLAN_RATE_LIMITS: "${pair}" is not plan=requests-per-second (plans: ${PLAN_NAMES.join(", ")}; a whole number, 0 for no limit)`,
      );
    out[plan] = { ...out[plan], perSecond, burst: perSecond * 2 };
  }
  return out;
}
