/**
 * Which tenant databases failed recently: a small circuit breaker per tenant. withTenantDb
 * records every failure that means "unreachable" and every success; proxy.ts asks `isDown` and
 * answers a down tenant with its branded 503 without running the page, so an outage costs no
 * query and no stack trace per request. A down tenant is probed again at most every `probeEveryMs`
 * (one probe at a time); the first probe that reaches it closes the breaker.
 */
export interface TenantHealthOptions {
  probeEveryMs?: number;
  now?: () => number;
  /** Told once each time a tenant goes down or comes back (the caller rate-limits its logging). */
  onChange?: (tenantId: string, down: boolean, reason: string | null) => void;
}

interface Down {
  reason: string;
  checkedAt: number;
  probing: Promise<boolean> | null;
}

export class TenantHealth {
  private readonly down = new Map<string, Down>();
  private readonly probeEveryMs: number;
  private readonly now: () => number;

  /** `probe` resolves true when the tenant's database answers, false when it is still unreachable. */
  constructor(
    private readonly probe: (tenantId: string) => Promise<boolean>,
    private readonly options: TenantHealthOptions = {},
  ) {
    this.probeEveryMs = options.probeEveryMs ?? 5_000;
    this.now = options.now ?? Date.now;
  }

  failed(tenantId: string, reason: string): void {
    const entry = this.down.get(tenantId);
    if (entry) {
      entry.reason = reason;
      entry.checkedAt = this.now();
      return;
    }
    if (this.down.size >= 50_000) this.down.clear();
    this.down.set(tenantId, { reason, checkedAt: this.now(), probing: null });
    this.options.onChange?.(tenantId, true, reason);
  }

  succeeded(tenantId: string): void {
    if (this.down.delete(tenantId)) this.options.onChange?.(tenantId, false, null);
  }

  /** The reason a tenant is down, without probing; null when it is not known to be down. */
  reason(tenantId: string): string | null {
    return this.down.get(tenantId)?.reason ?? null;
  }

  /** Whether to treat the tenant as unreachable now; probes it when the last check is old enough. */
  async isDown(tenantId: string): Promise<boolean> {
    const entry = this.down.get(tenantId);
    if (!entry) return false;
    if (entry.probing) return true;
    if (this.now() - entry.checkedAt < this.probeEveryMs) return true;
    entry.probing = this.probe(tenantId).catch(() => false);
    try {
      const reachable = await entry.probing;
      if (reachable) this.succeeded(tenantId);
      else entry.checkedAt = this.now();
      return !reachable;
    } finally {
      entry.probing = null;
    }
  }
}
