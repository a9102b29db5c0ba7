import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { listenForTenantChanges, notifyTenantChanged, type Listener } from "../../lib/tenancy/invalidation.server.ts";
import { testControlPlane, withAdmin, type TestControlPlane } from "../support/databases.ts";

let cp: TestControlPlane;
let sender: pg.Client;
let listener: Listener | undefined;

beforeAll(async () => {
  cp = await testControlPlane();
  sender = new pg.Client({ connectionString: cp.url });
  await sender.connect();
});
afterAll(async () => {
  await listener?.close();
  await sender?.end();
  await cp?.cleanup();
});

describe("tenant change notifications", () => {
  it("reach listeners, and survive the listener's connection being killed", async () => {
    const onChange = vi.fn();
    const onReconnect = vi.fn();
    listener = listenForTenantChanges(cp.url, onChange, onReconnect);

    await vi.waitFor(async () => {
      await notifyTenantChanged(sender, "tenant-1");
      expect(onChange).toHaveBeenCalledWith("tenant-1");
    });

    // The control plane drops the listener's connection: it reconnects and says so, because
    // notices sent while it was away are lost and caches must be dropped wholesale.
    await withAdmin((admin) =>
      admin.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'portico:listen' AND datname = $1",
        [`control_${cp.tag}`],
      ),
    );
    await vi.waitFor(() => expect(onReconnect).toHaveBeenCalled(), { timeout: 10_000 });
    onChange.mockClear();
    await vi.waitFor(async () => {
      await notifyTenantChanged(sender, "tenant-2");
      expect(onChange).toHaveBeenCalledWith("tenant-2");
    });
  });
});
