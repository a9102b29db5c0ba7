import { fileURLToPath } from "node:url";

/**
 * The command line that starts Next.js behind Portico's own HTTP server (scripts/next-server.ts),
 * which alone decides each request's client address: every way of starting the app uses it.
 * No hostname: every interface, as Node.js listens by default. Without the react-server condition the scripts run under: Next.js loads React itself.
 */
export function nextServerCommand(
  mode: "dev" | "start",
  port: number,
  hostname: string | undefined,
): [string, ...string[]] {
  return [
    process.execPath,
    "--import",
    "tsx",
    fileURLToPath(new URL("../next-server.ts", import.meta.url)),
    mode,
    "--port",
    String(port),
    ...(hostname ? ["--hostname", hostname] : []),
  ];
}
