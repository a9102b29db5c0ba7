import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";

/**
 * `next start` on `port` with `env`, resolved once /healthz answers: the production build as the
 * benchmarks and the fault tests measure it. Its stderr goes to ours.
 */
export async function startNextServer(port: number, env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const server: ChildProcess = spawn(process.execPath, [createRequire(import.meta.url).resolve("next/dist/bin/next"), "start", "--port", String(port)], {
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
