import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withStartupLock } from "../../lib/bootstrap/startup-lock.server.ts";
import { scratchDatabase } from "../support/databases.ts";

/**
 * Instances starting together on one control plane take turns at the start-up work (decision
 * 037); e2e/cluster/1-start-and-sessions.spec.ts shows it with two real `npm start` processes.
 */
describe("the start-up lock", () => {
  let db: Awaited<ReturnType<typeof scratchDatabase>>;
  beforeAll(async () => {
    db = await scratchDatabase("startup");
  });
  afterAll(async () => {
    await db.drop();
  });

  it("lets one start work at a time: a second waits, says so, and runs once the first is done", async () => {
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const firstStarted = new Promise<void>((resolve) => (started = resolve));
    const first = withStartupLock(db.url, async () => {
      order.push("first started");
      started();
      await gate;
      order.push("first done");
    });
    await firstStarted;
    const said: string[] = [];
    const second = withStartupLock(
      db.url,
      async () => {
        order.push("second started");
        return 42;
      },
      (line) => said.push(line),
    );
    await expect.poll(() => said.length).toBe(1);
    expect(said[0]).toMatch(/another instance is doing its start-up work .* waiting/);
    expect(order).toEqual(["first started"]);
    release();
    await first;
    expect(await second).toBe(42);
    expect(order).toEqual(["first started", "first done", "second started"]);
  });

  it("is released when the work fails, and a lone start takes it without waiting (positive control)", async () => {
    await expect(
      withStartupLock(db.url, async () => {
        throw new Error("sync failed");
      }),
    ).rejects.toThrow("sync failed");
    const said: string[] = [];
    expect(
      await withStartupLock(
        db.url,
        async () => "ran",
        (line) => said.push(line),
      ),
    ).toBe("ran");
    expect(said).toEqual([]);
  });
});
