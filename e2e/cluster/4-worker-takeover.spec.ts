import { readFileSync, readdirSync, readlinkSync } from "node:fs";
import { expect, test, type Page } from "@playwright/test";
import pg from "pg";
import { UPSTREAM_HEADER, cluster, signInAgency, sql, via } from "./cluster.ts";
import type { ClusterInstance } from "../../test/support/cluster-state.ts";

/**
 * Killing the instance whose worker is running an operation, mid-operation: the other instance
 * takes the operation over and finishes it, and the dashboard (through nginx) shows it succeeded.
 * Runs last: it leaves one instance dead.
 *
 * The operation is held at its last step by a trigger the test adds to the control plane, which
 * waits for a lock the test holds, so the kill lands mid-operation every time, whatever the worker
 * is made of. The instance running it is the one whose database connection is the one waiting.
 */
const HOLD_KEY = 91_837_465;

/** The process ids in a process group (Linux /proc). */
function groupPids(pgid: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // pid (comm) state ppid pgrp …: comm may hold spaces, so read after its closing parenthesis.
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]) === pgid) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** Which instance owns the TCP connection whose local port is `clientPort` (PostgreSQL's client_port). */
function instanceOwning(clientPort: number): ClusterInstance | undefined {
  const inodes = new Set<string>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    for (const line of readFileSync(table, "utf8").split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length > 9 && parseInt(fields[1]!.split(":")[1]!, 16) === clientPort) inodes.add(fields[9]!);
    }
  }
  return cluster.instances.find((instance) =>
    groupPids(instance.pgid).some((pid) => {
      try {
        return readdirSync(`/proc/${pid}/fd`).some((fd) => {
          const target = (() => {
            try {
              return readlinkSync(`/proc/${pid}/fd/${fd}`);
            } catch {
              return "";
            }
          })();
          return inodes.has(/^socket:\[(\d+)\]$/.exec(target)?.[1] ?? "");
        });
      } catch {
        return false;
      }
    }),
  );
}

async function next(page: Page) {
  await page.getByRole("button", { name: "Next", exact: true }).click();
}

test("the instance running an operation is killed mid-operation; the other takes it over and finishes it", async ({
  page,
}) => {
  test.setTimeout(180_000);
  const slug = `takeover-${Date.now().toString(36)}`;
  const hold = new pg.Client({ connectionString: `${cluster.adminUrl.replace(/\/[^/]*$/, "")}/portico` });
  await hold.connect();
  try {
    await hold.query("SELECT pg_advisory_lock($1)", [HOLD_KEY]);
    await hold.query(`
      CREATE FUNCTION cluster_test_hold_activation() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        IF NEW.slug = '${slug}' AND NEW.status = 'active' AND OLD.status <> 'active' THEN
          PERFORM pg_advisory_xact_lock_shared(${HOLD_KEY});
        END IF;
        RETURN NEW;
      END $fn$`);
    await hold.query(
      `CREATE TRIGGER cluster_test_hold BEFORE UPDATE ON "Tenant" FOR EACH ROW EXECUTE FUNCTION cluster_test_hold_activation()`,
    );

    // The onboarding wizard, through nginx.
    await signInAgency(page);
    await page.goto(via("admin.localhost", "/tenants/new"));
    await page.getByRole("button", { name: "Start" }).click();
    await expect(page.getByRole("heading", { name: "Organisation" })).toBeVisible();
    await page.getByLabel("Organisation name").fill("Takeover Ltd");
    await page.getByLabel("Slug").fill(slug);
    await expect(page.getByTestId("slug-status")).toHaveAttribute("data-available", "true");
    await next(page);
    await expect(page.getByRole("heading", { name: "Domains" })).toBeVisible();
    await next(page);
    await expect(page.getByRole("heading", { name: "Branding" })).toBeVisible();
    await next(page);
    await expect(page.getByRole("heading", { name: "Plan" })).toBeVisible();
    await next(page);
    await expect(page.getByRole("heading", { name: "Database" })).toBeVisible();
    await page.getByLabel("Automatic").check();
    await next(page);
    await expect(page.getByRole("heading", { name: "First admin" })).toBeVisible();
    await page.getByLabel("Name").fill("Tess Takeover");
    await page.getByLabel("Email").fill("tess@takeover.example");
    await next(page);
    await expect(page.getByRole("heading", { name: "Review" })).toBeVisible();
    await page.getByRole("button", { name: "Create tenant" }).click();

    // Every step before activation is done; activation waits on the test's lock.
    for (const step of ["reserve", "create-role", "create-database", "migrate", "seed", "invite"])
      await expect(page.locator(`[data-step="${step}"]`)).toHaveAttribute("data-state", "done", { timeout: 30_000 });
    let waiting: Array<{ pid: number; client_port: number }> = [];
    await expect
      .poll(
        async () =>
          (waiting = await sql<{ pid: number; client_port: number }>(
            `SELECT pid, client_port FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND wait_event = 'advisory' AND datname = 'portico' AND pid <> $1`,
            [(hold as unknown as { processID: number }).processID],
          )).length,
        { timeout: 30_000 },
      )
      .toBe(1);
    const [op] = await sql<{ id: string; status: string }>(
      `SELECT id::text, status FROM "Operation" WHERE kind = 'provision' AND slug = $1`,
      [slug],
    );
    expect(op?.status).toBe("running");
    const running = instanceOwning(waiting[0]!.client_port);
    expect(running, `an instance owns the connection on port ${waiting[0]!.client_port}`).toBeTruthy();
    const survivor = cluster.instances.find((i) => i !== running)!;
    console.log(
      `operation ${op!.id} runs on instance ${running!.name} (port ${running!.port}); killing it with SIGKILL`,
    );

    // The whole instance at once, as a crashed machine: its start, worker and web server.
    process.kill(-running!.pgid, "SIGKILL");
    await expect.poll(() => groupPids(running!.pgid).length, { timeout: 10_000 }).toBe(0);
    await hold.query("SELECT pg_advisory_unlock($1)", [HOLD_KEY]);

    // The dashboard, through nginx (now only the survivor answers), sees the operation finish.
    await expect(page.getByTestId("operation-status")).toHaveText("succeeded", { timeout: 60_000 });
    for (const step of ["reserve", "create-role", "create-database", "migrate", "seed", "invite", "activate"])
      await expect(page.locator(`[data-step="${step}"]`)).toHaveAttribute("data-state", "done");
    const [finished] = await sql<{ status: string }>(`SELECT status FROM "Operation" WHERE id = $1`, [op!.id]);
    expect(finished?.status).toBe("succeeded");
    // Taken over, not finished by the dead instance: its job's first attempt was cut off with it
    // (its heartbeat stopped) and a second attempt, the survivor's, completed it.
    expect(
      await sql<{ state: string; retry_count: number }>(
        `SELECT state::text, retry_count FROM pgboss.job WHERE name = 'operations' AND id = $1`,
        [op!.id],
      ),
    ).toEqual([{ state: "completed", retry_count: 1 }]);
    expect(await sql(`SELECT status FROM "Tenant" WHERE slug = $1`, [slug])).toEqual([{ status: "active" }]);
    // The new portal is served, through nginx, by the instance left.
    const portal = await page.goto(via(`${slug}.localhost`, "/"));
    expect(portal?.status()).toBe(200);
    expect(portal?.headers()[UPSTREAM_HEADER]).toBe(`127.0.0.1:${survivor.port}`);
    await expect(page.getByTestId("tenant-name")).toHaveText("Takeover Ltd");
  } finally {
    await hold.query(`DROP TRIGGER IF EXISTS cluster_test_hold ON "Tenant"`).catch(() => {});
    await hold.query(`DROP FUNCTION IF EXISTS cluster_test_hold_activation()`).catch(() => {});
    await hold.end();
  }
});
