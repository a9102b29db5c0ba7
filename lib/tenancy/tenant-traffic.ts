import { LRUCache } from "lru-cache";
import { TenantAdmission } from "../http/tenant-admission.ts";
import { UNKNOWN_TRAFFIC, isPlan, type PlanName, type PlanTraffic } from "./plans.ts";

/**
 * The fair share of one web server between tenants (decision 055): which tenant a request is for
 * (learned from the tenant header of its host's earlier responses, lib/http/tenant-header.ts),
 * its plan's rate limit (a token bucket per tenant: 429 beyond it) and its plan's concurrency
 * with a short queue (TenantAdmission: 503 beyond it). Every refusal is for that tenant alone.
 *
 * A host not learned yet is its own tenant with UNKNOWN_TRAFFIC until its first page answers;
 * everything kept is bounded (least recently used first), so invented Host headers cannot grow it.
 */
export type Entry =
  | { admitted: true; release: () => void }
  | {
      admitted: false;
      status: 429 | 503;
      reason: "rate-limited" | "queue-full" | "waited-too-long";
      retryAfterSeconds: number;
    };

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * While no other tenant's page is rendering, a tenant may render up to BORROW_UP_TO times its
 * plan's concurrency: alone on the server it is served as fast as with no share at all; as soon
 * as another tenant is served, each gets its own (decision 055).
 */
const BORROW_UP_TO = 8;

export class TenantTraffic {
  private readonly hosts = new LRUCache<string, { id: string; plan: PlanName | null }>({ max: 20_000 });
  private readonly limitsOf = new LRUCache<string, PlanTraffic>({ max: 20_000 });
  private readonly buckets = new LRUCache<string, Bucket>({ max: 20_000 });
  readonly admission: TenantAdmission;
  readonly refusals = { "rate-limited": 0, "queue-full": 0, "waited-too-long": 0 };

  constructor(
    private readonly plans: Record<PlanName, PlanTraffic>,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.admission = new TenantAdmission((key) => this.limitsOf.get(key) ?? UNKNOWN_TRAFFIC, {
      maxTenants: 20_000,
      borrowUpTo: BORROW_UP_TO,
    });
  }

  /** What a response of `host` said its tenant and plan are. */
  learn(host: string, tenant: { id: string; plan: string }): void {
    this.hosts.set(host, { id: tenant.id, plan: isPlan(tenant.plan) ? tenant.plan : null });
  }

  /** The tenant a host was last seen answering for, if any. */
  tenantOf(host: string): string | null {
    return this.hosts.get(host)?.id ?? null;
  }

  /** Forgets what was learned of a tenant's hosts (it changed: new domains, another plan). */
  forget(tenantId: string): void {
    for (const [host, tenant] of this.hosts.entries()) if (tenant.id === tenantId) this.hosts.delete(host);
  }

  /** Admits a request to `host` for rendering, or says why not; `release` once it has finished. */
  async enter(host: string, signal?: AbortSignal): Promise<Entry> {
    const known = this.hosts.get(host);
    const key = known ? known.id : `host:${host}`;
    const limits = known?.plan ? this.plans[known.plan] : UNKNOWN_TRAFFIC;
    this.limitsOf.set(key, limits);
    if (limits.perSecond > 0) {
      const wait = this.take(key, limits);
      if (wait > 0) {
        this.refusals["rate-limited"]++;
        return {
          admitted: false,
          status: 429,
          reason: "rate-limited",
          retryAfterSeconds: Math.max(1, Math.ceil(wait)),
        };
      }
    }
    const admission = await this.admission.admit(key, signal);
    if (admission.admitted) return admission;
    this.refusals[admission.reason]++;
    return { admitted: false, status: 503, reason: admission.reason, retryAfterSeconds: admission.retryAfterSeconds };
  }

  /** Takes a token from the tenant's bucket: 0, or the seconds until one is there. */
  private take(key: string, limits: PlanTraffic): number {
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: limits.burst, at: now };
    bucket.tokens = Math.min(limits.burst, bucket.tokens + ((now - bucket.at) / 1000) * limits.perSecond);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return (1 - bucket.tokens) / limits.perSecond;
  }
}
