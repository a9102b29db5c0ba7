import { spawn, type ChildProcess } from "node:child_process";
import { openSync } from "node:fs";
import path from "node:path";
import { nextServerCommand } from "../scripts/lib/custom-server.ts";

/**
 * The production build served on 127.0.0.1:`port` with `env` (after `prefix`, if any), through
 * Portico's own HTTP server as `npm start` serves it, resolved once /healthz answers: what the
 * benchmarks and the fault tests measure. Its stderr goes to ours; its log (stdout) is dropped,
 * or kept in `$BENCH_SERVER_LOGS/server-<port>.log` when that directory is set.
 */
export async function startNextServer(
  port: number,
  env: NodeJS.ProcessEnv,
  options: { prefix?: string[] } = {},
): Promise<ChildProcess> {
  // A prefix (taskset -c 0) execs node in place, so the child's pid is the server's.
  const [command, ...args] = [...(options.prefix ?? []), ...nextServerCommand("start", port, "127.0.0.1")];
  const server: ChildProcess = spawn(command!, args, {
    env: { ...env, NEXT_TELEMETRY_DISABLED: "1" },
    stdio: ["ignore", logTo(port), "inherit"],
  });
  try {
    await waitForHealthy(port);
  } catch (error) {
    server.kill("SIGTERM");
    throw error;
  }
  return server;
}

function logTo(port: number): "ignore" | number {
  const dir = process.env.BENCH_SERVER_LOGS;
  return dir ? openSync(path.join(dir, `server-${port}.log`), "a") : "ignore";
}

async function waitForHealthy(port: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error("the Next.js server did not become healthy within 60 s");
}
