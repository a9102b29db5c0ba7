import { expect, test, type Page } from "@playwright/test";
import { instance, on, request, signInAgency, sql, tenantName, type Answer } from "./cluster.ts";

/**
 * A change made through one instance is served by the other within a second: the worker writes
 * it with a NOTIFY in the same transaction, and every instance's listener drops what it cached of
 * the tenant (lib/tenancy/invalidation.server.ts, decision 016). Each check first has the other
 * instance serve the tenant as it was, so its cache holds the old answer.
 */
const A = instance(0);
const B = instance(1);
const BOUND_MS = 1_000;

/** Polls `host` on instance B directly until `changed` holds; the moment it first did. */
function watchB(host: string, changed: (a: Answer) => boolean) {
  let stopped = false;
  let seenAt: number | null = null;
  let last: Answer | null = null;
  const running = (async () => {
    while (!stopped) {
      last = await request(B.port, host, "/").catch(() => null);
      if (last && changed(last)) {
        seenAt = Date.now();
        return;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return {
    /** Waits (at most until `deadline`) and stops; null if it never changed. */
    async seen(deadline: number): Promise<number | null> {
      await Promise.race([running, new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now())))]);
      stopped = true;
      await running;
      return seenAt;
    },
    last: () => last,
  };
}

/** Queues an action from the tenant's page on instance A and waits for the dashboard to say it succeeded. */
async function actOnA(
  page: Page,
  kind: string,
  fill?: (form: ReturnType<Page["getByTestId"]>) => Promise<void>,
  confirm = false,
) {
  await page.goto(on(A, "admin.localhost", "/tenants/initech"));
  const form = page.getByTestId(`action-${kind}`);
  await fill?.(form);
  const queued = page.waitForResponse(
    (r) => r.request().method() === "POST" && new URL(r.url()).port === String(A.port),
  );
  await form.getByRole("button").first().click();
  if (confirm) await form.getByRole("button", { name: /^Yes, / }).click();
  await queued;
  await expect(page.getByTestId("operation-status")).toHaveText("succeeded", { timeout: 30_000 });
  const [op] = await sql<{ finishedAt: Date }>(
    `SELECT "finishedAt" FROM "Operation" WHERE kind = $1 AND slug = 'initech' AND status = 'succeeded' ORDER BY "finishedAt" DESC LIMIT 1`,
    [kind],
  );
  return op!.finishedAt.getTime();
}

async function expectOnBWithin(what: string, watch: ReturnType<typeof watchB>, finishedAt: number) {
  const seenAt = await watch.seen(finishedAt + 5 * BOUND_MS);
  expect(seenAt, `${what}: instance B never served it; last answer ${watch.last()?.status}`).not.toBeNull();
  const lag = seenAt! - finishedAt;
  console.log(
    `${what}: made through instance A (port ${A.port}), served by instance B (port ${B.port}) ${lag} ms after the operation finished`,
  );
  expect(lag).toBeLessThanOrEqual(BOUND_MS);
}

test("a rename, a domain change and a suspension made through one instance are served by the other within a second", async ({
  page,
}) => {
  test.setTimeout(120_000);
  await signInAgency(page);
  const tag = Date.now().toString(36);

  // Rename. Before: B serves the old name (and has it cached).
  const before = await request(B.port, "initech.localhost", "/");
  expect(before.status).toBe(200);
  const oldName = tenantName(before.body);
  expect(oldName).toBeTruthy();
  const newName = `Initech ${tag}`;
  const renamed = watchB("initech.localhost", (a) => a.status === 200 && tenantName(a.body) === newName);
  await expectOnBWithin("rename", renamed, await actOnA(page, "rename", (f) => f.getByLabel("Name").fill(newName)));

  // A new custom domain. Before: B answers it with the neutral 404 (and has that cached).
  const domain = `campus-${tag}.example`;
  expect((await request(B.port, domain, "/")).status).toBe(404);
  const added = watchB(domain, (a) => a.status === 200 && tenantName(a.body) === newName);
  await expectOnBWithin(
    "domain change",
    added,
    await actOnA(page, "set-domains", (f) => f.getByLabel(/Custom domains/).fill(domain), true),
  );

  // Suspension. Before: B serves the portal.
  expect((await request(B.port, domain, "/")).status).toBe(200);
  const suspended = watchB("initech.localhost", (a) => a.status === 503);
  await expectOnBWithin("suspension", suspended, await actOnA(page, "suspend", undefined, true));
  // And back: resuming reaches B the same way.
  const resumed = watchB("initech.localhost", (a) => a.status === 200 && tenantName(a.body) === newName);
  await expectOnBWithin("resumption", resumed, await actOnA(page, "resume"));
});
