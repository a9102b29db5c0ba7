import { fileURLToPath } from "node:url";

/**
 * Set to true by scripts/build-image.mjs when it bundles the production start into plain
 * JavaScript: the image has no tsx and no TypeScript sources, only portico/next-server.mjs
 * beside the bundle that runs this.
 */
declare const __PORTICO_BUNDLED__: boolean | undefined;

/** Each of the young generation's two halves, in MB, for a production server. */
export const SEMI_SPACE_MB = 64;

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
  const bundled = typeof __PORTICO_BUNDLED__ !== "undefined" && __PORTICO_BUNDLED__;
  return [
    process.execPath,
    // A young generation of 64 MB rather than V8's default 16 (docs/decisions/057): a page
    // served from the cache leaves garbage, and at thousands a second the collections of a
    // small one were frequent enough to set the cached pages' p99.
    ...(mode === "start" ? [`--max-semi-space-size=${SEMI_SPACE_MB}`] : []),
    ...(bundled
      ? [fileURLToPath(new URL("./next-server.mjs", import.meta.url))]
      : ["--import", "tsx", fileURLToPath(new URL("../next-server.ts", import.meta.url))]),
    mode,
    "--port",
    String(port),
    ...(hostname ? ["--hostname", hostname] : []),
  ];
}
