import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createControlDb, type ControlDb } from "../../lib/db/control.server.ts";
import { testControlPlane, type TestControlPlane } from "../support/databases.ts";

/** The control-plane client under a busy pool: a transaction waits for a connection like a query does. */
let cp: TestControlPlane;
let control: ControlDb;

beforeAll(async () => {
  cp = await testControlPlane();
  control = createControlDb(cp.url, 1); // one connection, so the next caller must wait
});
afterAll(async () => {
  await control?.$disconnect();
  await cp?.cleanup();
});

describe("control-plane client", () => {
  // Without transactionOptions.maxWait this fails with the error two provisioning runs of a
  // benchmark hit at "activate": "Unable to start a transaction in the given time".
  it("a batch transaction waits out a 3 s busy pool instead of failing after Prisma's default 2 s", async () => {
    const busy = control.$executeRaw`SELECT pg_sleep(3)`.then(() => {}); // Prisma queries start when awaited
    await new Promise((r) => setTimeout(r, 100)); // the sleep holds the only connection
    const [count] = await control.$transaction([control.tenant.count(), control.$queryRaw`SELECT 1`]);
    expect(count).toBeGreaterThanOrEqual(0);
    await busy;
  });
});
