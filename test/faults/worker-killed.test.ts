import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, withClient } from "../../lib/db/postgres.ts";
import { queueOperation } from "../../lib/operations/queue.server.ts";
import { startOperationsWorker, type OperationsWorker } from "../../lib/operations/worker.server.ts";
import { provisionTenant } from "../../lib/provisioning/provision.server.ts";
import { parseTenantSpec } from "../../lib/provisioning/spec.ts";
import { FALLBACK_THEME } from "../../lib/tenancy/theme.ts";
import { testControlPlane, type TestControlPlane } from "../support/databases.ts";

/**
 * A worker process is killed (SIGKILL) in the middle of an operation; a second worker finishes it.
 * The job queue retries the operation exactly once: its handler starts twice in all (the killed
 * attempt and the retry), never a third time, and the operation succeeds, audited once.
 */
let cp: TestControlPlane;
let exportsDir: string;
let second: OperationsWorker | undefined;
const actor = { type: "agency-user" as const, id: null, label: "olive@agency.example" };

beforeAll(async () => {
  cp = await testControlPlane();
  exportsDir = await mkdtemp(path.join(os.tmpdir(), "portico-worker-killed-"));
});
afterAll(async () => {
  await second?.stop(1_000);
  await cp?.cleanup();
  await rm(exportsDir, { recursive: true, force: true });
});

function startChild(): { child: ChildProcess; ready: Promise<void>; output: () => string } {
  const child = spawn(
    process.execPath,
    [
      "--conditions=react-server",
      "--import",
      "tsx",
      "test/faults/children/operations-worker.ts",
      cp.url,
      cp.secretKey,
      exportsDir,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (out += c.toString()));
  const ready = new Promise<void>((resolve, reject) => {
    const check = setInterval(() => {
      if (out.includes("ready\n")) {
        clearInterval(check);
        resolve();
      }
    }, 50);
    child.once("exit", (code) => {
      clearInterval(check);
      reject(new Error(`the worker exited (${code}) before it was ready:\n${out}`));
    });
  });
  return { child, ready, output: () => out };
}

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const jobOf = (id: string) =>
  withClient(cp.url, async (c) => {
    const { rows } = await c.query<{ state: string; retry_count: number }>(
      `SELECT state::text, retry_count FROM pgboss.job WHERE name = 'operations' AND id = $1`,
      [id],
    );
    return rows[0];
  });

describe("a worker killed mid-operation", () => {
  it("is retried once by another worker: the handler starts exactly twice and the operation succeeds", async () => {
    const slug = cp.slug("killed-rename");
    await provisionTenant(cp.deps, parseTenantSpec({ slug, name: "Before", theme: FALLBACK_THEME }), {
      mode: "create",
      seed: false,
    });
    const { child, ready, output } = startChild();
    const exited = new Promise((resolve) => child.once("exit", resolve));
    await ready;

    // Hold the handler mid-run: its first read of the tenant waits on this lock.
    const blocker: pg.Client = await connect(cp.url);
    let id: string;
    try {
      await blocker.query(`BEGIN; LOCK TABLE "Tenant" IN ACCESS EXCLUSIVE MODE`);
      ({ id } = await queueOperation(cp.deps.control, { kind: "rename", slug, input: { name: "After" }, actor }));
      await until("the handler to start and wait on the lock", async () => {
        const op = await cp.deps.control.operation.findUniqueOrThrow({ where: { id } });
        if (op.status !== "running" || (op.progress as { attempt?: number }).attempt !== 1) return false;
        const waiting = await blocker.query(
          `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
        );
        return waiting.rowCount! > 0;
      });
      child.kill("SIGKILL");
      await exited;
    } finally {
      await blocker.query("COMMIT");
      await blocker.end();
    }
    expect(output()).not.toContain(`operation rename ${slug}: done`);
    expect(await jobOf(id)).toMatchObject({ state: "active", retry_count: 0 });

    // The second worker: nothing restarts the operation at its start; the queue retries it once the
    // killed attempt's heartbeat has stopped.
    second = startOperationsWorker(
      { ...cp.deps, exportsDir },
      { controlUrl: cp.url, pollMs: 200, superviseSeconds: 1, log: () => {} },
    );
    await until(
      "the operation to finish",
      async () => {
        const op = await cp.deps.control.operation.findUniqueOrThrow({ where: { id } });
        return op.status === "succeeded" || op.status === "failed" ? op : undefined;
      },
      90_000,
    );
    const op = await cp.deps.control.operation.findUniqueOrThrow({ where: { id } });
    expect([op.status, op.error]).toEqual(["succeeded", null]);
    expect((op.progress as { attempt: number }).attempt).toBe(2);
    expect(await jobOf(id)).toMatchObject({ state: "completed", retry_count: 1 });
    expect((await cp.deps.control.tenant.findUniqueOrThrow({ where: { slug } })).name).toBe("After");
    expect(
      await cp.deps.control.auditEntry.count({
        where: { action: "tenant.rename", details: { path: ["operationId"], equals: id } },
      }),
    ).toBe(1);

    // Positive control: an operation nobody kills starts once, on its first attempt.
    const { id: calm } = await queueOperation(cp.deps.control, {
      kind: "rename",
      slug,
      input: { name: "Calm" },
      actor,
    });
    await second.idle();
    const done = await cp.deps.control.operation.findUniqueOrThrow({ where: { id: calm } });
    expect([done.status, (done.progress as { attempt: number }).attempt]).toEqual(["succeeded", 1]);
    expect(await jobOf(calm)).toMatchObject({ state: "completed", retry_count: 0 });
  }, 180_000);
});
