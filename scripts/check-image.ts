/**
 * CI's test of the container image's recipe where no container engine exists (.ci/run): builds
 * the runtime directory with scripts/build-image.mjs (the Dockerfile's build step) from the
 * existing `npm run build`, starts it outside the checkout exactly as the image's CMD does,
 * against a throw-away PostgreSQL reached by DATABASE_URL as in production, and requests
 * /healthz, a tenant's home page and one of its static assets.
 *   node --conditions=react-server --import tsx scripts/check-image.ts
 */
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { freePort, startEmbeddedPostgres } from "../lib/db/embedded.server.ts";
import { quoteIdent, withClient, withDatabase } from "../lib/db/postgres.ts";
import { fail } from "./lib/cli.ts";

const say = (line: string) => console.log(`check-image: ${line}`);

function get(port: number, host: string, pathname: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: "127.0.0.1", port, path: pathname, headers: { host: `${host}:${port}` } }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.setTimeout(60_000, () => req.destroy(new Error(`GET ${host}${pathname} timed out`)));
  });
}

function expectThat(ok: boolean, what: string): void {
  if (!ok) throw new Error(`image check failed: ${what}`);
  say(`ok: ${what}`);
}

async function main(): Promise<void> {
  // Outside the checkout, so nothing resolves from its node_modules: the directory stands alone.
  const work = await mkdtemp(path.join(os.tmpdir(), "portico-image-"));
  // PostgreSQL runs as its own user when we are root, and must reach its data directory below.
  await chmod(work, 0o755);
  const app = path.join(work, "app");
  let server: ReturnType<typeof spawn> | null = null;
  let embedded: Awaited<ReturnType<typeof startEmbeddedPostgres>> | null = null;
  try {
    const built = spawnSync(process.execPath, ["scripts/build-image.mjs", "--out", app, "--skip-next-build"], {
      stdio: "inherit",
    });
    if (built.status !== 0) throw new Error("scripts/build-image.mjs failed (see above)");

    embedded = await startEmbeddedPostgres({ dir: path.join(work, "db"), port: await freePort() });
    await withClient(embedded.url, (c) => c.query(`CREATE DATABASE ${quoteIdent("portico")}`));
    const port = await freePort();
    // The production environment docs/deploy.md describes, and nothing else from this shell.
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: work,
      NODE_ENV: "production",
      DATABASE_URL: withDatabase(embedded.url, "portico"),
      PORTICO_SECRET_KEY: randomBytes(32).toString("base64"),
      PORTICO_EXPORTS_DIR: path.join(work, "exports"),
      PORTICO_SPARE_DATABASES: "0",
      PORT: String(port),
      HOST: "127.0.0.1",
    };
    say(`starting the runtime directory on port ${port}: node --conditions=react-server portico/start.mjs start`);
    const child = spawn(process.execPath, ["--conditions=react-server", "portico/start.mjs", "start"], {
      cwd: app,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    server = child;
    let log = "";
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not ready after 180 s; its output:\n${log}`)), 180_000);
      const onData = (chunk: Buffer) => {
        log += chunk.toString();
        process.stdout.write(chunk);
        if (/next-server: ready/.test(log)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout.on("data", onData);
      child.stderr.on("data", onData);
      child.on("exit", (code) => reject(new Error(`the server exited (code ${code}) before it was ready:\n${log}`)));
    });
    await ready;

    const health = await get(port, "acme.localhost", "/healthz");
    expectThat(health.status === 200 && health.body === "ok\n", `/healthz answers 200 "ok" (got ${health.status})`);
    const home = await get(port, "acme.localhost", "/");
    expectThat(
      home.status === 200 && home.body.includes("Acme Pharma Academy"),
      `acme.localhost serves its branded home page (got ${home.status})`,
    );
    const asset = /\/_next\/static\/[^"']+\.(?:css|js)/.exec(home.body)?.[0];
    expectThat(asset !== undefined, "the page links a static asset");
    const fetched = await get(port, "acme.localhost", asset!);
    expectThat(fetched.status === 200 && fetched.body.length > 0, `${asset} is served (got ${fetched.status})`);
    const csrf = await get(port, "acme.localhost", "/api/auth/csrf");
    expectThat(
      csrf.status === 200 && /"csrfToken":"\w+"/.test(csrf.body),
      `acme's sign-in endpoint answers with a CSRF token (got ${csrf.status})`,
    );
    const agency = await get(port, "admin.localhost", "/sign-in");
    expectThat(agency.status === 200, `the agency sign-in page is served (got ${agency.status})`);
    const unknown = await get(port, "nobody.example", "/");
    expectThat(unknown.status === 404, `an unknown host gets the neutral 404 (got ${unknown.status})`);
    // The declared owners' invitations were rendered on the bundled email thread at start-up.
    expectThat(
      /tenant acme: created .*owner invitation emailed to owner@acme\.example/.test(log),
      "the start provisioned acme and rendered its owner's invitation on the bundled email thread",
    );
    // The operator's CLI, from the same directory and environment.
    const cli = spawnSync(process.execPath, ["--conditions=react-server", "portico/tenants.mjs", "list", "--json"], {
      cwd: app,
      env,
      encoding: "utf8",
      timeout: 60_000,
    });
    const listed = cli.status === 0 ? (JSON.parse(cli.stdout) as Array<{ slug: string; schema: string }>) : [];
    expectThat(
      listed.some((t) => t.slug === "acme" && t.schema === "current"),
      `portico/tenants.mjs list shows acme on the current schema (exit ${cli.status}${cli.status ? `: ${cli.stderr}` : ""})`,
    );
    expectThat(!existsSync(path.join(app, "node_modules", "tsx")), "the runtime directory holds no tsx");
  } finally {
    if (server && server.exitCode === null) {
      const exited = new Promise((resolve) => server!.once("exit", resolve));
      server.kill("SIGTERM");
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    }
    await embedded?.stop().catch(() => {});
    await rm(work, { recursive: true, force: true });
  }
  say("the image's runtime directory starts and serves");
}

main().catch(fail);
