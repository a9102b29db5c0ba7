import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withClient, withDatabase } from "../../lib/db/postgres.ts";
import { get, servedOwnPage, startFleet, type Fleet, type Sample } from "./harness.ts";

/**
 * The control-plane database becomes unreachable for a while: tenants whose resolution is
 * cached keep serving, a tenant never seen gets a clear "temporarily unavailable" answer, and
 * when the control plane is back everything recovers without a restart.
 */
let fleet: Fleet;
const agent = new http.Agent({ keepAlive: true });

beforeAll(async () => {
  fleet = await startFleet({ tenants: 3 });
}, 300_000);
afterAll(async () => {
  agent.destroy();
  await fleet?.stop();
});

const admin = <T>(fn: Parameters<typeof withClient<T>>[1]) =>
  withClient(withDatabase(fleet.platform.embedded!.url, "postgres"), fn);

async function controlPlane(reachable: boolean): Promise<void> {
  await admin(async (c) => {
    await c.query(`ALTER DATABASE portico WITH ALLOW_CONNECTIONS ${reachable}`);
    if (!reachable)
      await c.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'portico' AND pid <> pg_backend_pid()`,
      );
  });
}

describe("the control plane is briefly unreachable", () => {
  it("cached tenants keep serving, a new one gets a clear error, and recovery is automatic", async () => {
    const [a, b, c] = fleet.slugs.map((s) => `${s}.localhost`);
    for (const host of [a!, b!])
      expect(servedOwnPage(await get(fleet.port, host, agent), `Fault Tenant ${Number(host.slice(2, 6))}`)).toBe(true);

    await controlPlane(false);
    try {
      const during: Sample[] = [];
      const until = performance.now() + 5_000;
      while (performance.now() < until) during.push(await get(fleet.port, a!, agent), await get(fleet.port, b!, agent));
      expect(during.length).toBeGreaterThan(10);
      expect(
        during
          .filter((s) => !servedOwnPage(s, `Fault Tenant ${Number(s.host.slice(2, 6))}`))
          .map((s) => `${s.host} ${s.status}`),
      ).toEqual([]);

      const fresh = await get(fleet.port, c!, agent);
      // Served with 200: an App Router layout cannot set the status (the notice is the point).
      expect(fresh.status).toBe(200);
      expect(fresh.body).toContain("This portal is temporarily unavailable.");
      expect(fresh.body).not.toContain("Fault Tenant");
    } finally {
      await controlPlane(true);
    }

    // Recovery without a restart: the new tenant appears once the control plane answers again.
    let recovered: Sample | null = null;
    const deadline = performance.now() + 30_000;
    while (performance.now() < deadline) {
      const s = await get(fleet.port, c!, agent);
      if (servedOwnPage(s, "Fault Tenant 2")) {
        recovered = s;
        break;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(recovered).not.toBeNull();
    expect(servedOwnPage(await get(fleet.port, a!, agent), "Fault Tenant 0")).toBe(true);
  }, 120_000);
});
