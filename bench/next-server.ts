import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";

/**
 * `next start` on `port` with `env` (after `prefix`, if any), resolved once /healthz answers: the
 * production build as the benchmarks and the fault tests measure it. Its stderr goes to ours.
 */
export async function startNextServer(port: number, env: NodeJS.ProcessEnv, options: { prefix?: string[] } = {}): Promise<ChildProcess> {
  // A prefix (taskset -c 0) execs node in place, so the child's pid is the server's.
  const [command, ...args] = [...(options.prefix ?? []), process.execPath, createRequire(import.meta.url).resolve("next/dist/bin/next"), "start", "--port", String(port)];
  const server: ChildProcess = spawn(command!, args, {
    env: { ...env, NEXT_TELEMETRY_DISABLED: "1" },
    stdio: ["ignore", "ignore", "inherit"],
  });
  try {
    await waitForHealthy(port);
  } catch (error) {
    server.kill("SIGTERM");
    throw error;
  }
  return server;
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
