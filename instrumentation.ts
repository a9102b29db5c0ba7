/**
 * Runs once when the Next.js server starts: validates the environment so a misconfigured
 * deployment stops at start-up with a message naming the variable, not on the first request.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { loadEnv, requireRuntime } = await import("./lib/config/env.server.ts");
  requireRuntime(loadEnv());
}
