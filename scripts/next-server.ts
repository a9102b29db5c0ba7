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
 *
 * It also gives each request its id and log context, counts it in the HTTP metrics, answers
 * /readyz and /metrics itself, and on SIGTERM drains: /readyz answers 503, the listener closes,
 * requests in flight finish (bounded), the app's pools close, and the process exits 0
 * (docs/decisions/036).
 *
 * With PORTICO_APP_THREAD=1, production renders on a worker thread of its own
 * (scripts/app-thread.ts), at a lower priority: this thread answers from the page cache and
 * forwards the rest (docs/decisions/063 and 064; opt-in until its browser tests run clean).
 */
import { existsSync, readFileSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { parseArgs } from "node:util";
import { fromTrustedProxy, parseTrustedProxies, stampClientIp } from "../lib/http/client-ip.ts";
import { withLogContext, type LogContext } from "../lib/observability/context.ts";
import { closeAll, isDraining, onShutdown, startDraining } from "../lib/observability/lifecycle.ts";
import { log, logSettings } from "../lib/observability/logger.ts";
import { metrics, scrapeAuthorised, statusClass } from "../lib/observability/metrics.ts";
import { REQUEST_ID_HEADER, requestIdFor } from "../lib/observability/request-id.ts";
import { routeGroup } from "../lib/observability/route-group.ts";
import { pathForLog } from "../lib/observability/redact.ts";
import { RateLimitedLog } from "../lib/util/rate-limited-log.ts";
import { operationFigures, readiness } from "../lib/platform/readiness.ts";
import { readWorkerState } from "../lib/jobs/worker-state.ts";
import { AggregatorRegistry } from "prom-client";
import { startAppThread, type AppThread } from "./lib/app-thread-host.ts";
import { TenantFront, frontSettings as readFrontSettings, type FrontSettings } from "./lib/tenant-front.ts";

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

/** A whole number of milliseconds from the environment, or exit 2 naming the variable. */
function millis(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    console.error(`Invalid configuration:\n  ${name}: must be a whole number of milliseconds (got "${raw}")`);
    process.exit(2);
  }
  return value;
}

let trusted;
let frontSettings: FrontSettings;
try {
  trusted = parseTrustedProxies(process.env.PORTICO_TRUSTED_PROXIES);
  frontSettings = readFrontSettings(process.env, { dev });
  logSettings();
} catch (error) {
  const message = (error as Error).message;
  console.error(
    `Invalid configuration:\n  ${message.startsWith("PORTICO_") ? message : `PORTICO_TRUSTED_PROXIES: ${message}`}\nSee README.md → Configuration.`,
  );
  process.exit(2);
}
const shutdownTimeoutMs = millis("PORTICO_SHUTDOWN_TIMEOUT_MS", 25_000);
const drainDelayMs = millis("PORTICO_DRAIN_DELAY_MS", 0);
const metricsToken = process.env.PORTICO_METRICS_TOKEN || undefined;
const controlUrl = process.env.DATABASE_URL;

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
const server = http.createServer();
/** Renders what the page cache does not answer; `context` gets the request's realm and tenant. */
let handle: (req: http.IncomingMessage, res: http.ServerResponse, context: LogContext) => Promise<void>;
let appThread: AppThread | null = null;
let closeApp: () => Promise<string[]>;
// Production may render on a thread of its own (docs/decisions/063), opt-in for now.
if (!frontSettings.appThread) {
  // `turbopack` as `next dev` uses by default; `httpServer` lets Next.js take the dev server's
  // WebSocket upgrades (hot reload) on this server. Next.js builds its own request URLs from
  // `hostname`; it must stay "localhost", as under `next start`, whatever address we listen on,
  // or proxy.ts's rewrites look like another origin to it and are proxied instead of served.
  const { default: next } = await import("next");
  const app = next({
    dev,
    hostname: "localhost",
    port,
    dir: process.cwd(),
    httpServer: server,
    ...(dev ? { turbopack: true } : {}),
  });
  const render = app.getRequestHandler();
  await app.prepare();
  handle = (req, res) => render(req, res);
  closeApp = () => app.close().then(() => []);
} else {
  const thread = await startAppThread(port);
  appThread = thread;
  handle = (req, res, context) => thread.handle(req, res, context);
  closeApp = () => thread.close();
}

const m = metrics();
if (controlUrl) m.sources.operations = () => operationFigures(controlUrl);

// The job worker beside this server (scripts/dev.ts) sends the mail and reports its cumulative
// counts in its state file; each scrape adds what they grew by since the last, so
// portico_mail_messages_total here counts this instance's mail, whichever process sent it.
const workerMailSeen = new Map<string, number>();
async function addWorkerMail(): Promise<void> {
  const file = process.env.PORTICO_WORKER_STATE_FILE;
  const state = file ? await readWorkerState(file) : null;
  for (const { labels, value } of state?.mail ?? []) {
    const key = JSON.stringify(labels);
    const seen = workerMailSeen.get(key) ?? 0;
    // A restarted worker counts from zero again: all it reports is new.
    const grown = value >= seen ? value - seen : value;
    if (grown > 0) m.mail.inc(labels, grown);
    workerMailSeen.set(key, value);
  }
}

/** Plain text, never cached: what /readyz and /metrics answer. */
function answer(res: http.ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store", ...headers });
  res.end(body);
}

// A probe every few seconds must not write a line each time the answer is the same refusal.
const notReadyLog = new RateLimitedLog((line) => log().warn(line));

/** /readyz and /metrics, on any host; false for every other path. */
async function answerOwn(path: string, req: http.IncomingMessage, res: http.ServerResponse): Promise<boolean> {
  if (path === "/readyz") {
    const state = await readiness(controlUrl, undefined, { workerStateFile: process.env.PORTICO_WORKER_STATE_FILE });
    if (!state.ready) notReadyLog.say(state.reason, `not ready: ${state.reason}`);
    answer(res, state.ready ? 200 : 503, state.ready ? "ready\n" : `not ready: ${state.reason}\n`);
    return true;
  }
  if (path === "/metrics") {
    // Off unless a token is configured; then only its holder may scrape (security case 57).
    if (!metricsToken) answer(res, 404, "Not found\n");
    else if (!scrapeAuthorised(req.headers.authorization, metricsToken))
      answer(res, 401, "A bearer token is required: Authorization: Bearer <PORTICO_METRICS_TOKEN>\n", {
        "www-authenticate": 'Bearer realm="metrics"',
      });
    else {
      await addWorkerMail();
      // With an app thread, its figures are added to this thread's (docs/decisions/063).
      const body = appThread
        ? await AggregatorRegistry.aggregate([await m.registry.getMetricsAsJSON(), await appThread.metrics()]).metrics()
        : await m.registry.metrics();
      answer(res, 200, body, { "content-type": m.registry.contentType });
    }
    return true;
  }
  return false;
}

let inFlight = 0;
let onIdle: (() => void) | null = null;

// The page cache and each tenant's fair share (scripts/lib/tenant-front.ts).
const front = new TenantFront(frontSettings);
front.listen(controlUrl);
m.sources.front = () => front.metrics();
onShutdown("tenant-front", () => front.close());

server.on("request", (req, res) => {
  stampClientIp(req, trusted);
  const requestId = requestIdFor(req.headers[REQUEST_ID_HEADER], fromTrustedProxy(req.socket.remoteAddress, trusted));
  req.headers[REQUEST_ID_HEADER] = requestId;
  res.setHeader("X-Request-Id", requestId);
  // While draining, no connection is kept for another request.
  if (isDraining()) res.setHeader("Connection", "close");
  const context: LogContext = { requestId };
  const started = process.hrtime.bigint();
  const path = (req.url ?? "/").split("?")[0]!;
  inFlight++;
  res.once("close", () => {
    inFlight--;
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const group = routeGroup({
      method: req.method ?? "GET",
      path,
      realm: context.realm,
      serverAction: typeof req.headers["next-action"] === "string",
    });
    const labels = { group, status: statusClass(res.statusCode) };
    m.httpRequests.inc(labels);
    m.httpDuration.observe(labels, seconds);
    // One line per request; assets and probes only at debug, or they would drown the rest.
    withLogContext(context, () =>
      log()[group === "asset" || group === "ops" ? "debug" : "info"](
        { method: req.method, path: pathForLog(path), status: res.statusCode, ms: Math.round(seconds * 1000), group },
        "request",
      ),
    );
    if (inFlight === 0) onIdle?.();
  });
  const host = (req.headers.host ?? "").toLowerCase().replace(/:\d+$/, "");
  withLogContext(context, () => {
    answerOwn(path, req, res)
      .then((answered) => (answered ? undefined : front.serve(req, res, host, path, () => handle(req, res, context))))
      .catch((error: unknown) => {
        log().error({ err: error }, "request failed");
        if (!res.headersSent) answer(res, 500, "Internal Server Error\n");
        else res.end();
      });
  });
});
server.listen(port, hostname, () => {
  // Its own background refreshes go to loopback unless it listens on one address only.
  const own = !hostname || hostname === "0.0.0.0" || hostname === "::" ? "127.0.0.1" : hostname;
  front.listening({ host: own, port });
  const shown = !hostname ? "every interface" : hostname.includes(":") ? `[${hostname}]` : hostname;
  console.log(
    `next-server: ready on ${shown}, port ${port} (${mode}${trusted.entries.length ? `, trusting X-Forwarded-For from ${trusted.entries.join(", ")}` : ""})`,
  );
});
server.on("error", (error) => {
  console.error(`next-server: ${error.message}`);
  process.exit(1);
});

/**
 * Graceful shutdown: /readyz says "draining" (for PORTICO_DRAIN_DELAY_MS while still accepting, so
 * a load balancer can notice), then the listener closes, requests in flight get up to
 * PORTICO_SHUTDOWN_TIMEOUT_MS to finish, then the app's pools close and the process exits 0.
 */
let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  startDraining();
  log().info({ signal, inFlight, drainDelayMs, shutdownTimeoutMs }, "draining: /readyz answers 503");
  if (drainDelayMs > 0) await new Promise((r) => setTimeout(r, drainDelayMs));
  server.close();
  server.closeIdleConnections();
  if (inFlight > 0) {
    const finished = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), shutdownTimeoutMs);
      onIdle = () => {
        clearTimeout(timer);
        resolve(true);
      };
    });
    if (!finished) log().warn({ inFlight }, "shutdown: requests still running after the timeout are cut off");
  }
  server.closeAllConnections();
  const failed = [...(await closeApp().catch(() => ["app"])), ...(await closeAll(5_000))];
  if (failed.length) log().warn({ failed }, "shutdown: some pools did not close cleanly");
  log().info("stopped");
  process.exit(0);
};
process.on("SIGTERM", () => void stop("SIGTERM"));
process.on("SIGINT", () => void stop("SIGINT"));
