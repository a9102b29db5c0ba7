import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import path from "node:path";
import { chromium, type Browser } from "playwright-core";
import { request as hostRequest, type Answer } from "../support/host-request.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../lib/db/embedded.server.ts";
import { connect, dropDatabaseIfExists, dropRoleIfExists, withClient, withDatabase } from "../../lib/db/postgres.ts";
import { adminUrl, scratchDatabase, withAdmin } from "../support/databases.ts";

/**
 * Operating Portico, against the real start path (scripts/dev.ts → scripts/next-server.ts →
 * Next.js, with the operations worker beside it) on a control plane of its own: the structured
 * log with each request's id, realm and tenant (from a page and from a server action), the
 * metrics endpoint and its token, /readyz, and a graceful SIGTERM with a slow request in flight
 * (docs/decisions/036, security cases 56 and 57).
 */
const DECLARED = ["acme", "globex", "initech"];
const TOKEN = randomBytes(24).toString("hex");
const distDir = ".next/operating-test";

let server: ChildProcess | undefined;
let exit: Promise<number | null>;
let port: number;
let control: { name: string; url: string; drop: () => Promise<void> };
let browser: Browser | undefined;
let out = "";

/** One request to this test's server, with `host` in the Host header. */
function request(host: string, pathname: string, headers: Record<string, string> = {}): Promise<Answer> {
  return hostRequest(port, host, pathname, { headers });
}

const scrape = (token = TOKEN) => request("127.0.0.1", "/metrics", { authorization: `Bearer ${token}` });

/** JSON log lines the server wrote so far (development output in between is skipped). */
function logLines(): Array<Record<string, unknown>> {
  return out
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** `name{labels} value` → the value, summed over series whose labels include `match`. */
function sample(text: string, name: string, match: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    const m = /^([a-z_]+)(?:\{([^}]*)\})? ([0-9.e+-]+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const labels = Object.fromEntries([...(m[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(match).every(([k, v]) => labels[k] === v)) sum += Number(m[3]);
  }
  return sum;
}

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (server?.exitCode !== null && server?.exitCode !== undefined) throw new Error(`server exited:\n${out}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; the server wrote:\n${out.slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The job worker's connections to the control plane (application_name portico:jobs). */
const workerConnections = () =>
  withAdmin(async (c) => {
    const { rows } = await c.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'portico:jobs'`,
      [control.name],
    );
    return Number(rows[0]!.n);
  });

/** Job workers registered in the queue and not stopped. */
const liveWorkers = () =>
  withClient(control.url, async (c) => {
    const { rows } = await c.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM pgboss.instance WHERE stopped_on IS NULL`,
    );
    return Number(rows[0]!.n);
  });

beforeAll(async () => {
  control = await scratchDatabase("operating");
  port = await freePort();
  server = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", "scripts/dev.ts", "dev"], {
    env: {
      ...process.env,
      PORT: String(port),
      DATABASE_URL: control.url,
      PORTICO_SECRET_KEY: randomBytes(32).toString("base64"),
      PORTICO_TENANT_SERVERS: `test=${adminUrl()}`,
      PORTICO_NEXT_DIST_DIR: distDir,
      PORTICO_LOG_FORMAT: "json",
      PORTICO_LOG_LEVEL: "info",
      PORTICO_METRICS_TOKEN: TOKEN,
      // Long enough for the test to see /readyz answer "draining" before the listener closes.
      PORTICO_DRAIN_DELAY_MS: "4000",
      NEXT_TELEMETRY_DISABLED: "1",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  exit = new Promise((resolve) => server!.once("exit", (code) => resolve(code)));
  server.stdout!.on("data", (c: Buffer) => (out += c.toString()));
  server.stderr!.on("data", (c: Buffer) => (out += c.toString()));
  await until("the server to start", async () => /next-server: ready/.test(out), 240_000);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu"],
  });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  if (server && server.exitCode === null) {
    server.kill("SIGKILL");
    await exit;
  }
  await rm(path.resolve(distDir), { recursive: true, force: true });
  await withAdmin(async (admin) => {
    for (const slug of DECLARED) await dropDatabaseIfExists(admin, `t_${slug}`);
    for (const slug of DECLARED) await dropRoleIfExists(admin, `t_${slug}_app`);
  });
  await control?.drop();
}, 120_000);

describe("a running Portico", () => {
  it("gives every response an X-Request-Id, replacing one a client made up", async () => {
    const health = await request("127.0.0.1", "/healthz", { "x-request-id": "made-up-by-the-client" });
    expect(health.status).toBe(200);
    expect(health.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    const page = await request("acme.localhost", "/", { "x-request-id": "made-up-by-the-client" });
    expect(page.status).toBe(200);
    expect(page.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(page.headers["x-request-id"]).not.toBe(health.headers["x-request-id"]);
  }, 240_000);

  it("logs JSON lines carrying the request id, realm and tenant, from a page and from a server action", async () => {
    const before = await scrape();
    expect(before.status).toBe(200);

    const tab = await browser!.newPage();
    const pageResponse = await tab.goto(`http://acme.localhost:${port}/sign-in`, { timeout: 180_000 });
    const pageId = (await pageResponse!.headerValue("x-request-id"))!;
    const form = tab.locator("form").filter({ hasText: "Email me a sign-in link" });
    await form.getByLabel("Email").fill("owner@acme.example");
    const posted = tab.waitForResponse(
      (r) => r.request().method() === "POST" && !!r.request().headers()["next-action"],
      {
        timeout: 180_000,
      },
    );
    await form.getByRole("button", { name: "Email me a sign-in link" }).click();
    const actionId = (await (await posted).headerValue("x-request-id"))!;
    await tab.getByTestId("link-request-result").waitFor({ timeout: 60_000 });
    await tab.close();
    expect(pageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(actionId).toMatch(/^[0-9a-f-]{36}$/);

    // The mail is sent by the outbox's flush just after the action commits (decision 040), still
    // within the action's log context.
    await until("the action's lines", async () =>
      ["request", "mail sent"].every((msg) => logLines().some((l) => l.requestId === actionId && l.msg === msg)),
    );
    const lines = logLines();
    // The page: its request line names the tenant, which the page's own code resolved.
    expect(lines.find((l) => l.requestId === pageId && l.msg === "request")).toMatchObject({
      realm: "tenant",
      tenant: "acme",
      group: "portal-page",
      status: 200,
    });
    // The server action: a line written for it (the mail it queued, then sent) carries the same context.
    expect(lines.find((l) => l.requestId === actionId && l.msg === "mail sent")).toMatchObject({
      realm: "tenant",
      tenant: "acme",
      transport: "outbox",
    });
    expect(lines.find((l) => l.requestId === actionId && l.msg === "request")).toMatchObject({
      tenant: "acme",
      group: "portal-action",
    });

    // The metrics moved with these requests.
    const after = await scrape();
    const moved = (name: string, match: Record<string, string> = {}) =>
      sample(after.body, name, match) - sample(before.body, name, match);
    expect(moved("portico_http_requests_total", { group: "portal-page", status: "2xx" })).toBeGreaterThanOrEqual(1);
    expect(moved("portico_http_requests_total", { group: "portal-action", status: "2xx" })).toBeGreaterThanOrEqual(1);
    // The mail was sent by the job worker beside the server, whose counts reach /metrics through
    // its state file within a report or two (every 2 s).
    await until(
      "the worker's mail count on /metrics",
      async () =>
        sample((await scrape()).body, "portico_mail_messages_total", { transport: "outbox", outcome: "sent" }) -
          sample(before.body, "portico_mail_messages_total", { transport: "outbox", outcome: "sent" }) >=
        1,
    );
    expect(moved("portico_resolver_hits_total") + moved("portico_resolver_misses_total")).toBeGreaterThanOrEqual(1);
    expect(
      moved("portico_tenant_client_hits_total") + moved("portico_tenant_client_misses_total"),
    ).toBeGreaterThanOrEqual(1);
    expect(sample(after.body, "portico_tenant_connection_budget")).toBeGreaterThan(0);
    expect(after.body).toContain("portico_operations_queued ");
    expect(after.body).toMatch(/^portico_jobs\{queue="operations",state="queued"\} \d+$/m);

    // No series is per tenant: no label value is a tenant's slug or host.
    const values = [...after.body.matchAll(/="([^"]*)"/g)].map((m) => m[1]!);
    expect(values.length).toBeGreaterThan(10);
    for (const slug of DECLARED) expect(values.filter((v) => v.includes(slug))).toEqual([]);
  }, 400_000);

  it("serves /metrics only to the token's holder", async () => {
    const none = await request("127.0.0.1", "/metrics");
    expect(none.status).toBe(401);
    expect(none.body).not.toContain("portico_");
    const wrong = await scrape(TOKEN.replace(/.$/, (c) => (c === "0" ? "1" : "0")));
    expect(wrong.status).toBe(401);
    expect(wrong.body).not.toContain("portico_");
    // On a tenant's host too.
    expect((await request("acme.localhost", "/metrics")).status).toBe(401);
    // Positive control: the token opens it.
    const ok = await scrape();
    expect(ok.status).toBe(200);
    expect(ok.body).toContain("portico_http_requests_total");
  });

  it("answers /readyz 200 when ready and 503 with the reason while a control-plane migration is missing", async () => {
    const ready = await request("127.0.0.1", "/readyz");
    expect([ready.status, ready.body]).toEqual([200, "ready\n"]);

    const removed = await withClient(control.url, async (c) => {
      const { rows } = await c.query(
        `DELETE FROM "_prisma_migrations" WHERE migration_name = (SELECT max(migration_name) FROM "_prisma_migrations") RETURNING *`,
      );
      return rows[0] as Record<string, unknown>;
    });
    try {
      const behind = await request("127.0.0.1", "/readyz");
      expect(behind.status).toBe(503);
      expect(behind.body).toContain(
        `not ready: control-plane migrations behind: 1 not applied (${String(removed.migration_name)})`,
      );
    } finally {
      await withClient(control.url, (c) =>
        c.query(
          `INSERT INTO "_prisma_migrations" SELECT * FROM json_populate_record(NULL::"_prisma_migrations", $1::json)`,
          [JSON.stringify(removed)],
        ),
      );
    }
    expect((await request("127.0.0.1", "/readyz")).status).toBe(200);
  });

  it("with a newer release's migration on the control plane: /readyz 503 saying so, the worker stops taking jobs and says why", async () => {
    const newer = "29990101000000_from_a_newer_release";
    await withClient(control.url, (c) =>
      c.query(
        `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, started_at, applied_steps_count)
         VALUES (gen_random_uuid()::text, 'x', now(), $1, now(), 1)`,
        [newer],
      ),
    );
    try {
      const refused = await request("127.0.0.1", "/readyz");
      expect(refused.status).toBe(503);
      expect(refused.body).toBe(
        `not ready: control plane ahead of this release: 1 migration(s) it does not ship (${newer}); a newer Portico release runs against it: upgrade this instance\n`,
      );
      await until("the worker to say why it stopped", async () =>
        logLines().some(
          (l) =>
            typeof l.msg === "string" &&
            l.msg.startsWith(`jobs: the control plane has 1 migration(s) this release does not ship (${newer})`) &&
            l.msg.endsWith("stopping this worker"),
        ),
      );
      await until("the worker to stop", async () => (await liveWorkers()) === 0);
    } finally {
      await withClient(control.url, (c) =>
        c.query(`DELETE FROM "_prisma_migrations" WHERE migration_name = $1`, [newer]),
      );
    }
    // Positive control: the same release again, and the worker takes jobs again.
    const starts = () => logLines().filter((l) => l.msg === "jobs: worker started").length;
    const before = starts();
    await until("the worker to start again", async () => starts() > before);
    await until("/readyz to answer ready", async () => (await request("127.0.0.1", "/readyz")).status === 200);
    expect(await liveWorkers()).toBe(1);
  }, 120_000);

  it("on SIGTERM drains: /readyz 503, the slow request in flight completes, exit 0, the job worker stopped", async () => {
    // The job worker beside the server is registered and connected (positive control for the stop below).
    await until("the job worker", async () => (await liveWorkers()) === 1 && (await workerConnections()) > 0);
    // Prime the page, then hold a lock its query needs: the next request waits in PostgreSQL.
    expect((await request("acme.localhost", "/")).status).toBe(200);
    const blocker = await connect(withDatabase(adminUrl(), "t_acme"));
    await blocker.query(`BEGIN; LOCK TABLE "Event" IN ACCESS EXCLUSIVE MODE`);
    let slow: Promise<Answer> | undefined;
    try {
      slow = request("acme.localhost", "/");
      await until("the page to wait on the lock", async () =>
        withClient(withDatabase(adminUrl(), "t_acme"), async (c) => {
          const { rows } = await c.query(
            `SELECT 1 FROM pg_stat_activity WHERE datname = 't_acme' AND wait_event_type = 'Lock'`,
          );
          return rows.length > 0;
        }),
      );

      server!.kill("SIGTERM");
      const draining = await until("/readyz to say draining", async () => {
        const r = await request("127.0.0.1", "/readyz");
        return r.status === 503 ? r : undefined;
      });
      expect(draining.body).toBe("not ready: draining: this instance is shutting down\n");
      expect(server!.exitCode).toBeNull(); // still serving the request in flight
    } finally {
      await blocker.query("COMMIT");
      await blocker.end();
    }
    const finished = await slow!;
    expect(finished.status).toBe(200);
    expect(finished.body).toContain("</html>");

    expect(await exit).toBe(0);
    expect(out).toMatch(/"msg":"draining: \/readyz answers 503"/);
    expect(out).toMatch(/"msg":"portico stopped"/);
    // The worker stopped cleanly: recorded as stopped in the queue's registry, its connections closed.
    expect(await liveWorkers()).toBe(0);
    expect(await workerConnections()).toBe(0);
  }, 240_000);
});
