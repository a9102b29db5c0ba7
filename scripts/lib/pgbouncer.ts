/**
 * A real PgBouncer (the Debian package's /usr/sbin/pgbouncer) for the tests and the benchmark:
 * configuration, auth file, log and pid in a temporary directory of its own, listening on
 * loopback, in front of one PostgreSQL server, in transaction pooling mode: the configuration
 * docs/deploy.md → PgBouncer describes. Stopped (and its directory removed) by `stop`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { chmod, chown, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";

export const PGBOUNCER_BIN = process.env.PGBOUNCER_BIN ?? "/usr/sbin/pgbouncer";

export interface PgBouncerOptions {
  /** The PostgreSQL server PgBouncer sends every database to. */
  serverHost: string;
  serverPort: number;
  /** Port to listen on (loopback). */
  port: number;
  /** The server's administrative user, allowed on the admin console (admin_users). */
  adminUser: string;
  /** Server connections per (database, role) pool; 1 by default, as docs/deploy.md → PgBouncer advises. */
  poolSize?: number;
  /** Server connections per database, all roles (0: no limit). */
  maxDbConnections?: number;
  /** Seconds a server connection may stay idle before PgBouncer closes it. */
  serverIdleTimeout?: number;
  maxClientConn?: number;
  /** The auth file PgBouncer starts with (Portico rewrites it); at least the console user's entry. */
  authFileText?: string;
}

export interface PgBouncer {
  /** What Portico stores as the server's pooler: postgres://127.0.0.1:<port> */
  url: string;
  port: number;
  authFile: string;
  dir: string;
  /** Starts it again after `kill` (same configuration and port). */
  start(): Promise<void>;
  /** Stops the process only (an outage); `start` brings it back. */
  kill(): Promise<void>;
  /** Stops it and removes its directory. */
  stop(): Promise<void>;
  log(): Promise<string>;
}

/** PgBouncer refuses to run as root: as root it switches to PostgreSQL's user (or nobody). */
function unprivilegedUser(): { name: string; uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const passwd = existsSync("/etc/passwd") ? readFileSync("/etc/passwd", "utf8") : "";
  for (const name of ["postgres", "nobody"]) {
    const line = passwd.split("\n").find((l) => l.startsWith(`${name}:`));
    if (line) {
      const [, , uid, gid] = line.split(":");
      return { name, uid: Number(uid), gid: Number(gid) };
    }
  }
  throw new Error("running as root, and neither a postgres nor a nobody user exists for PgBouncer to run as");
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: "127.0.0.1" });
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });
}

export function pgbouncerIni(options: PgBouncerOptions, dir: string, user: string | null): string {
  return [
    "[databases]",
    // Every database name goes to the same-named database on the server.
    `* = host=${options.serverHost} port=${options.serverPort}`,
    "",
    "[pgbouncer]",
    "listen_addr = 127.0.0.1",
    `listen_port = ${options.port}`,
    "unix_socket_dir =",
    "auth_type = scram-sha-256",
    `auth_file = ${path.join(dir, "userlist.txt")}`,
    `admin_users = ${options.adminUser}`,
    "pool_mode = transaction",
    `default_pool_size = ${options.poolSize ?? 1}`,
    "min_pool_size = 0",
    "reserve_pool_size = 0",
    `max_db_connections = ${options.maxDbConnections ?? 0}`,
    `max_client_conn = ${options.maxClientConn ?? 2000}`,
    `server_idle_timeout = ${options.serverIdleTimeout ?? 10}`,
    "server_lifetime = 3600",
    // After a failed login to the server (a tenant's database gone, the server down), PgBouncer
    // holds new clients of that pool until it tries again: 1 s, not 15, so such a tenant's
    // requests fail fast into its branded 503 instead of hanging.
    "server_login_retry = 1",
    // node-postgres sends none of these, but other drivers may.
    "ignore_startup_parameters = extra_float_digits",
    `logfile = ${path.join(dir, "pgbouncer.log")}`,
    `pidfile = ${path.join(dir, "pgbouncer.pid")}`,
    "log_connections = 0",
    "log_disconnections = 0",
    ...(user ? [`user = ${user}`] : []),
    "",
  ].join("\n");
}

export async function startPgBouncer(options: PgBouncerOptions): Promise<PgBouncer> {
  if (!existsSync(PGBOUNCER_BIN))
    throw new Error(`${PGBOUNCER_BIN} is missing: apt-get install pgbouncer (or set PGBOUNCER_BIN)`);
  const dir = await mkdtemp(path.join(os.tmpdir(), "portico-pgbouncer-"));
  const runAs = unprivilegedUser();
  const authFile = path.join(dir, "userlist.txt");
  const ini = path.join(dir, "pgbouncer.ini");
  await writeFile(ini, pgbouncerIni(options, dir, runAs?.name ?? null), { mode: 0o600 });
  await writeFile(authFile, options.authFileText ?? "", { mode: 0o600 });
  if (runAs) {
    await chmod(dir, 0o755);
    await writeFile(path.join(dir, "pgbouncer.log"), "", { mode: 0o600 });
    for (const file of [dir, authFile, ini, path.join(dir, "pgbouncer.log")]) await chown(file, runAs.uid, runAs.gid);
  }
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();

  const start = async () => {
    if (await canConnect(options.port)) throw new Error(`port ${options.port} is already in use`);
    const proc = spawn(PGBOUNCER_BIN, ["-q", ini], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    proc.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child = proc;
    exited = new Promise((resolve) => proc.once("exit", () => resolve()));
    for (let i = 0; i < 200; i++) {
      if (proc.exitCode !== null)
        throw new Error(`pgbouncer exited with ${proc.exitCode}: ${stderr.trim() || (await readLog())}`);
      if (await canConnect(options.port)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`pgbouncer did not listen on ${options.port} within 10 s`);
  };
  const readLog = () => readFile(path.join(dir, "pgbouncer.log"), "utf8").catch(() => "");
  const kill = async () => {
    const proc = child;
    if (!proc || proc.exitCode !== null) return;
    proc.kill("SIGINT"); // immediate shutdown: clients are cut off, as when it crashes
    await exited;
    child = null;
  };
  await start();
  return {
    url: `postgres://127.0.0.1:${options.port}`,
    port: options.port,
    authFile,
    dir,
    start,
    kill,
    stop: async () => {
      await kill();
      await rm(dir, { recursive: true, force: true });
    },
    log: readLog,
  };
}
