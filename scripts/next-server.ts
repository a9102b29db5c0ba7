/**
 * The one HTTP server in front of Next.js, for `npm run dev`, `npm start`, the browser tests,
 * the benchmarks and the fault tests (started through nextServerCommand in
 * scripts/lib/custom-server.ts):
 *   node --import tsx scripts/next-server.ts <dev|start> --port <port> [--hostname <address>]
 * (no hostname: every interface)
 *
 * It decides each request's client address from the socket (and from X-Forwarded-For only when
 * the socket's peer is a proxy listed in PORTICO_TRUSTED_PROXIES) and hands it to the app in
 * CLIENT_IP_HEADER, always overwriting whatever the client sent (docs/decisions/027). Next.js
 * itself would fill X-Forwarded-For only when the client had not, so that header proves nothing.
 */
import { existsSync, readFileSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { parseArgs } from "node:util";
import { parseTrustedProxies, stampClientIp } from "../lib/http/client-ip.ts";

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { port: { type: "string", default: "3000" }, hostname: { type: "string" } },
});
const mode = positionals[0];
if (mode !== "dev" && mode !== "start") {
  console.error("usage: next-server.ts <dev|start> --port <port> --hostname <address>");
  process.exit(2);
}
const dev = mode === "dev";
const port = Number(values.port);
const hostname = values.hostname;

let trusted;
try {
  trusted = parseTrustedProxies(process.env.PORTICO_TRUSTED_PROXIES);
} catch (error) {
  console.error(
    `Invalid configuration:\n  PORTICO_TRUSTED_PROXIES: ${(error as Error).message}\nSee README.md → Configuration.`,
  );
  process.exit(2);
}

// As `next dev` / `next start` would: Next.js reads NODE_ENV while it loads.
(process.env as Record<string, string>).NODE_ENV ??= dev ? "development" : "production";
process.env.NEXT_TELEMETRY_DISABLED ??= "1";
// A production build is configured with `output: "standalone"`, whose own server.js hands
// Next.js the configuration frozen at build time; we do the same, so the standalone directory
// (which has no next.config.mjs) and a source checkout serve with one configuration.
if (!dev) {
  const frozen = path.join(process.cwd(), process.env.PORTICO_NEXT_DIST_DIR ?? ".next", "required-server-files.json");
  if (existsSync(frozen)) {
    const { config } = JSON.parse(readFileSync(frozen, "utf8")) as { config: unknown };
    process.env.__NEXT_PRIVATE_STANDALONE_CONFIG = JSON.stringify(config);
  }
}
const { default: next } = await import("next");

const server = http.createServer();
// `turbopack` as `next dev` uses by default; `httpServer` lets Next.js take the dev server's
// WebSocket upgrades (hot reload) on this server. Next.js builds its own request URLs from
// `hostname`; it must stay "localhost", as under `next start`, whatever address we listen on, or
// proxy.ts's rewrites look like another origin to it and are proxied instead of served.
const app = next({
  dev,
  hostname: "localhost",
  port,
  dir: process.cwd(),
  httpServer: server,
  ...(dev ? { turbopack: true } : {}),
});
const handle = app.getRequestHandler();
await app.prepare();

server.on("request", (req, res) => {
  stampClientIp(req, trusted);
  void handle(req, res);
});
server.listen(port, hostname, () => {
  const shown = !hostname ? "every interface" : hostname.includes(":") ? `[${hostname}]` : hostname;
  console.log(
    `next-server: ready on ${shown}, port ${port} (${mode}${trusted.entries.length ? `, trusting X-Forwarded-For from ${trusted.entries.join(", ")}` : ""})`,
  );
});
server.on("error", (error) => {
  console.error(`next-server: ${error.message}`);
  process.exit(1);
});

const stop = () => {
  server.close();
  void app.close().finally(() => process.exit(0));
  setTimeout(() => process.exit(0), 5_000).unref();
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
