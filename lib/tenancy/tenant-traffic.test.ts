import { describe, expect, it } from "vitest";
import { TenantTraffic, type Entry } from "./tenant-traffic.ts";
import { PLAN_TRAFFIC, UNKNOWN_TRAFFIC, planTraffic } from "./plans.ts";
import { tenantHeaderValue, parseTenantHeader } from "../http/tenant-header.ts";

const A = "8c1f4a52-4c3e-4bde-9d0e-1a2b3c4d5e6f";
const B = "1d2e3f40-5a6b-4c7d-8e9f-0a1b2c3d4e5f";

function release(entry: Entry): void {
  if (!entry.admitted) throw new Error(`refused: ${entry.reason}`);
  entry.release();
}

describe("per-tenant traffic", () => {
  it("rate-limits a tenant by its plan, with 429 for it alone", async () => {
    let now = 0;
    const plans = planTraffic("starter=2");
    const traffic = new TenantTraffic(plans, () => now);
    traffic.learn("a.localhost", { id: A, plan: "starter" });
    traffic.learn("b.localhost", { id: B, plan: "starter" });
    // The burst (twice the rate), then refusals with how long to wait.
    for (let i = 0; i < 4; i++) release(await traffic.enter("a.localhost"));
    const refused = await traffic.enter("a.localhost");
    expect(refused).toMatchObject({ admitted: false, status: 429, reason: "rate-limited", retryAfterSeconds: 1 });
    // Positive control: the neighbour on the same plan is served.
    release(await traffic.enter("b.localhost"));
    // Half a second refills one token at 2 per second.
    now += 500;
    release(await traffic.enter("a.localhost"));
    expect(traffic.refusals["rate-limited"]).toBe(1);
  });

  it("counts one tenant's hosts together and keeps a plan's concurrency on a busy server", async () => {
    const traffic = new TenantTraffic(planTraffic(undefined));
    traffic.learn("a.localhost", { id: A, plan: "starter" });
    traffic.learn("portal.a.example", { id: A, plan: "starter" });
    // Other tenants keep the server busy, so A gets its own share and nothing lent.
    const others: Entry[] = [];
    for (let i = 0; i < 12; i++) others.push(await traffic.enter(`other-${i}.localhost`));
    const held: Entry[] = [];
    for (let i = 0; i < PLAN_TRAFFIC.starter.concurrency; i++)
      held.push(await traffic.enter(i % 2 ? "a.localhost" : "portal.a.example"));
    expect(held.every((e) => e.admitted)).toBe(true);
    expect(traffic.admission.load(A)).toEqual({ active: PLAN_TRAFFIC.starter.concurrency, waiting: 0 });
    const queued = traffic.enter("a.localhost");
    expect(traffic.admission.load(A).waiting).toBe(1);
    held.forEach(release);
    release(await queued);
    others.forEach(release);
  });

  it("gives a host not learned yet the default share, and forgets a changed tenant", async () => {
    const traffic = new TenantTraffic(planTraffic(undefined));
    release(await traffic.enter("new.localhost"));
    expect(traffic.admission.tracks("host:new.localhost")).toBe(true);
    traffic.learn("new.localhost", { id: A, plan: "premium" });
    expect(traffic.tenantOf("new.localhost")).toBe(A);
    traffic.forget(A);
    expect(traffic.tenantOf("new.localhost")).toBeNull();
    expect(UNKNOWN_TRAFFIC.perSecond).toBe(0);
  });
});

describe("plan rate limits from the environment", () => {
  it("overrides a plan's rate and refuses what it cannot read, saying what to write", () => {
    expect(planTraffic("starter=30, premium=0").starter).toMatchObject({ perSecond: 30, burst: 60 });
    expect(planTraffic("premium=0").premium.perSecond).toBe(0);
    expect(planTraffic("").standard).toEqual(PLAN_TRAFFIC.standard);
    for (const bad of ["gold=10", "starter=-1", "starter=1.5", "starter", "starter=1=2"])
      expect(() => planTraffic(bad)).toThrow(/PORTICO_PLAN_RATE_LIMITS: .* is not plan=requests-per-second/);
  });
});

describe("the tenant header", () => {
  it("round-trips a tenant and refuses anything else", () => {
    expect(parseTenantHeader(tenantHeaderValue({ id: A, plan: "premium" }))).toEqual({ id: A, plan: "premium" });
    for (const bad of [undefined, "", A, `${A}; plan=`, `${A}; plan=x y`, `../; plan=starter`])
      expect(parseTenantHeader(bad)).toBeNull();
  });
});
