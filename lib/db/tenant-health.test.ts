import { describe, expect, it } from "vitest";
import { TenantHealth } from "./tenant-health.ts";

function setup(reachable: () => boolean) {
  let now = 0;
  let probes = 0;
  const changes: string[] = [];
  const health = new TenantHealth(
    async () => {
      probes += 1;
      await new Promise((r) => setImmediate(r));
      return reachable();
    },
    { probeEveryMs: 5_000, now: () => now, onChange: (id, down) => changes.push(`${id} ${down ? "down" : "up"}`) },
  );
  return { health, changes, probes: () => probes, at: (ms: number) => (now = ms) };
}

describe("TenantHealth", () => {
  it("a tenant that never failed is up, and is never probed (positive control)", async () => {
    const t = setup(() => false);
    expect(await t.health.isDown("acme")).toBe(false);
    expect(t.probes()).toBe(0);
  });

  it("after a failure the tenant is down without probing until the probe interval has passed", async () => {
    const t = setup(() => false);
    t.health.failed("umbrella", "its database does not exist");
    t.health.failed("umbrella", "its database does not exist");
    expect(t.changes).toEqual(["umbrella down"]);
    t.at(4_999);
    expect(await t.health.isDown("umbrella")).toBe(true);
    expect(t.probes()).toBe(0);
    expect(await t.health.isDown("acme")).toBe(false);
  });

  it("probes at most once per interval, one probe at a time, and stays down while the probe fails", async () => {
    const t = setup(() => false);
    t.health.failed("umbrella", "gone");
    t.at(5_000);
    expect(await Promise.all(Array.from({ length: 20 }, () => t.health.isDown("umbrella")))).toEqual(
      Array(20).fill(true),
    );
    expect(t.probes()).toBe(1);
    t.at(9_999);
    expect(await t.health.isDown("umbrella")).toBe(true);
    expect(t.probes()).toBe(1);
    t.at(10_000);
    expect(await t.health.isDown("umbrella")).toBe(true);
    expect(t.probes()).toBe(2);
  });

  it("comes back up on the first probe that reaches the database, or on any success", async () => {
    let ok = false;
    const t = setup(() => ok);
    t.health.failed("umbrella", "gone");
    ok = true;
    t.at(5_000);
    expect(await t.health.isDown("umbrella")).toBe(false);
    expect(t.changes).toEqual(["umbrella down", "umbrella up"]);
    t.health.failed("umbrella", "gone again");
    t.health.succeeded("umbrella");
    expect(await t.health.isDown("umbrella")).toBe(false);
  });
});
