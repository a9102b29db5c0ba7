import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readiness } from "../../lib/platform/readiness.ts";
import { testControlPlane, type TestControlPlane } from "../support/databases.ts";

/**
 * A misconfigured deployment is told on /readyz what is wrong and what to change (the check
 * only reads). Wrong TLS CA: test/integration/tls.test.ts; migrations behind and draining:
 * test/integration/operating.test.ts.
 */
let cp: TestControlPlane;
beforeAll(async () => {
  cp = await testControlPlane();
});
afterAll(() => cp?.cleanup());

/** A port on this machine where nothing listens. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("readiness of a misconfigured deployment", () => {
  it("is ready on a migrated control plane (positive control)", async () => {
    expect(await readiness(cp.url)).toEqual({ ready: true });
  });

  it("names an unreachable control plane and what to check, without the URL's password", async () => {
    const url = new URL(cp.url);
    url.port = String(await closedPort());
    url.password = "not-in-the-reason";
    const state = await readiness(url.toString());
    expect(state).toEqual({
      ready: false,
      reason: expect.stringMatching(
        /^control plane unreachable: nothing accepts connections .*check the host and port/,
      ),
    });
    expect(JSON.stringify(state)).not.toContain("not-in-the-reason");
  });

  it("tells a DATABASE_URL naming a database without Portico's schema apart from an outage", async () => {
    const url = new URL(cp.url);
    url.pathname = "/postgres";
    expect(await readiness(url.toString())).toEqual({
      ready: false,
      reason: expect.stringMatching(/^control-plane migrations: none applied .*check that DATABASE_URL names/),
    });
  });
});
